"""Who sees which accounts (docs/permissions.md) — the one place for the visibility rule.

Visibility: an account manager sees the accounts they manage (an active :class:`Assignment`);
supervisors, planners, viewers and administrators see every account; a user without a staff
profile sees none unless they are a superuser. Archived accounts are not listed. The overview's
figures and the monthly report read the same rule for a :class:`~powerkam.staff.scope.Scope` (the
whole base, someone's own accounts) instead of a person.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account, AccountQuerySet, Assignment
from powerkam.accounts.permissions import READ_AS_MANAGER
from powerkam.staff import permissions
from powerkam.staff.models import StaffProfile
from powerkam.staff.scope import Scope, Viewer

AnyUser = User | AbstractBaseUser | AnonymousUser


class AccountNotVisible(PermissionDenied):
    """The account exists but the user may not see it (a manager asking for someone else's account)."""


def staff_profile(user: AnyUser) -> StaffProfile | None:
    return getattr(user, "staff", None)


def user_sees_all_accounts(user: Viewer) -> bool:
    """The person's scope is the whole base (docs/permissions.md)."""
    if isinstance(user, Scope):
        return user.is_whole_base
    return permissions.scope_of(user) is permissions.Scope.WHOLE_BASE


def user_can_edit(user: AnyUser) -> bool:
    """Viewers are read-only; every other role may change data (docs/permissions.md)."""
    return permissions.is_editor(user)


def accounts_in_scope(scope: Scope) -> AccountQuerySet:
    """The active accounts of a scope: the whole base, someone's own accounts, or none."""
    accounts = Account.objects.active()
    if scope.is_whole_base:
        return accounts
    if scope.user_id is None:
        return accounts.none()
    managed = Assignment.objects.filter(staff_id=scope.user_id, active=True).values("account_id")
    return accounts.filter(pk__in=managed)


def accounts_visible_to(user: Viewer) -> AccountQuerySet:
    """The accounts ``user`` may see (``accounts.view_account``), or those of a scope."""
    return accounts_in_scope(user if isinstance(user, Scope) else Scope.of_user(user))


def account_get(*, user: AnyUser, customer_id: str) -> Account:
    """The account with ``customer_id``; :class:`Account.DoesNotExist` if there is none (or it is
    archived), :class:`AccountNotVisible` if ``user`` may not see it."""
    try:
        account = accounts_visible_to(user).select_related("parent").get(customer_id=customer_id)
    except Account.DoesNotExist:
        if Account.objects.active().filter(customer_id=customer_id).exists():
            raise AccountNotVisible(_("You do not manage this account.")) from None
        raise
    if permissions.scope_of(user) is permissions.Scope.OWN_ACCOUNTS:
        # found among the accounts they manage: an edit check on this object needs no second query
        setattr(account, READ_AS_MANAGER, user.pk)
    return account


def scope_key(user: Viewer) -> str:
    """The part of a cache key that stands for what ``user`` (or a scope) sees: the whole base, or
    their accounts."""
    if isinstance(user, Scope):
        return user.key
    return "all" if user_sees_all_accounts(user) else f"user:{user.pk}"


#: At most this many accounts in a pick list (a datalist the browser filters as one types).
PICK_LIMIT = 5000


def account_pick_label(customer_id: str, name: str, district: str) -> str:
    """How a pick list names an account: id, name and district — the demo alone has four accounts
    named 示范市广电鼓楼机房."""
    return " · ".join(part for part in (customer_id, name, district) if part)


def account_pick_options(*, user: AnyUser, limit: int = PICK_LIMIT) -> list[tuple[str, str]]:
    """(customer id, label) of the active accounts ``user`` may see, by customer id: the options of the
    customer-id fields (a person never sees the name of an account outside their scope)."""
    rows = (
        accounts_visible_to(user)
        .filter(archived=False)
        .order_by("customer_id")
        .values_list("customer_id", "name", "district")[:limit]
    )
    return [(cid, account_pick_label(cid, name, district)) for cid, name, district in rows]
