"""Who may see and change accounts, contacts and assignments (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account, Assignment
from powerkam.staff.permissions import Predicate, Scope, is_editor, is_lead, scope_of

#: Set by ``accounts.selectors.account_get`` on an account read through a manager's own scope: that
#: read already required their active assignment, so a check on the same object in the same request
#: needs no second query (the 360 page asks "may they edit it?" right after reading it).
READ_AS_MANAGER = "_read_as_manager_of"


def _manages(user: Any, account: Account) -> bool:
    if getattr(account, READ_AS_MANAGER, None) == user.pk:
        return True
    return Assignment.objects.filter(account_id=account.pk, staff_id=user.pk, active=True).exists()


def _view_account(user: Any, account: Account | None) -> bool:
    """Managers see the accounts they manage; the whole-base roles every account; no role none.
    Without an account: may this person see accounts at all."""
    scope = scope_of(user)
    if scope is Scope.NONE:
        return False
    if account is None or scope is Scope.WHOLE_BASE:
        return True
    return _manages(user, account)


def openable_account_ids(user: Any) -> frozenset[int] | None:
    """``accounts.view_account`` for many accounts at once (a list of tickets, each on some account):
    ``None`` when the person may open every account, else the ids of the accounts they may open
    (empty without a role). One query for a manager, none otherwise."""
    scope = scope_of(user)
    if scope is Scope.NONE:
        return frozenset()
    if scope is Scope.WHOLE_BASE:
        return None
    return frozenset(Assignment.objects.filter(staff_id=user.pk, active=True).values_list("account_id", flat=True))


def _change_account(user: Any, account: Account | None) -> bool:
    """Contacts and other account data: managers on their own accounts, supervisors, administrators
    (planners and viewers read)."""
    if is_lead(user):
        return True
    if not is_editor(user) or scope_of(user) is not Scope.OWN_ACCOUNTS:
        return False
    return account is None or _manages(user, account)


def _reassign(user: Any, obj: Any) -> bool:
    return is_lead(user)


RULES: dict[str, Predicate] = {
    "view_account": _view_account,
    "change_account": _change_account,
    "reassign": _reassign,
}

MESSAGES = {
    "accounts.view_account": _("You do not manage this account."),
    "accounts.change_account": _("Your role may not change this account."),
    "accounts.reassign": _("Only a supervisor may reassign accounts."),
}
