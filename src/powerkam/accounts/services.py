"""Use cases that change accounts. Each checks who may do it; the web page, API and CLI call these."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account, Contact
from powerkam.core.errors import NotAllowed
from powerkam.staff import permissions

READ_ONLY = _("Your role is read-only: you cannot change accounts.")
NOT_YOURS = _("You do not manage this account.")


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
