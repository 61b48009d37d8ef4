"""Use cases that change accounts. Each checks who may do it; the web page, API and CLI call these."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account, Contact
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.core.locking import lock, refresh
from powerkam.staff import permissions

READ_ONLY = _("Your role is read-only: you cannot change accounts.")
NOT_YOURS = _("You do not manage this account.")
UNKNOWN_FIELDS = _("Unknown fields: %(fields)s.")


def _check_can_change(*, account: Account, by: User) -> None:
    if not permissions.is_editor(by):
        raise NotAllowed(str(READ_ONLY))
    permissions.require(by, "accounts.change_account", account, message=str(NOT_YOURS))


@transaction.atomic
def contact_create(*, account: Account, by: User, **fields: Any) -> Contact:
    """Add a contact person to an account (viewers may not; managers only on their own accounts)."""
    _check_can_change(account=account, by=by)
    contact = Contact(account=account, **fields)
    contact.full_clean()
    contact.save()
    return contact


#: What a person may change on a contact.
CONTACT_FIELDS = ("name", "title", "role", "influence", "phone", "email", "notes")


@transaction.atomic
def contact_update(*, contact: Contact, by: User, version: int | None, **fields: Any) -> Contact:
    """Change a contact person; refused if someone changed the contact since ``version``."""
    _check_can_change(account=contact.account, by=by)
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ApplicationError(str(UNKNOWN_FIELDS) % {"fields": ", ".join(sorted(unknown))})
    current = lock(contact, version)
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, fields[name])
    current._history_user = by  # type: ignore[attr-defined]
    current.full_clean()
    current.save()
    refresh(contact, current)
    return current


def account_bills_refresh(*, force: bool = False) -> int | None:
    """Rebuild the accounts' copy of their bills and payments (the 360 page reads it:
    :mod:`powerkam.analytics.account_bills`) for every account in the CRM, archived ones included;
    the rows written, or ``None`` when the copy in place is current (same billing, payments and
    accounts) and ``force`` is not set. Called after every billing or payments import (in the
    background), after a grading run and by the nightly run."""
    from django.conf import settings

    from powerkam.analytics import account_bills

    customer_ids = list(Account.objects.values_list("customer_id", flat=True))
    if not force and account_bills.is_current(settings.ANALYTICS_DIR, customer_ids):
        return None
    return account_bills.build(settings.ANALYTICS_DIR, customer_ids)
