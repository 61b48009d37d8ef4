"""Group companies (集团客户): the accounts a group head heads, with their last 12 months."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from powerkam.accounts.models import Account
from powerkam.accounts.selectors.figures import store_cursor
from powerkam.accounts.selectors.visibility import AnyUser, accounts_visible_to
from powerkam.analytics import portfolio

# ---- group companies (集团客户) ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupMember:
    account: Account
    #: the base's last 12 billed months (None: no bills then)
    kwh_12: float | None
    yuan_12: Decimal | None


@dataclass(frozen=True)
class AccountGroup:
    head: Account
    #: the head first, then its member accounts, as far as the user may see them
    members: list[GroupMember]
    #: member accounts the user may not see (counted, not named)
    hidden: int

    @property
    def kwh_12(self) -> float:
        return sum(m.kwh_12 or 0.0 for m in self.members)

    @property
    def yuan_12(self) -> Decimal:
        return sum((m.yuan_12 or Decimal("0") for m in self.members), Decimal("0"))


def account_group(*, user: AnyUser, account: Account) -> AccountGroup | None:
    """The group company the account heads or belongs to, with its accounts' last 12 months; None
    for an account in no group. A manager sees the figures of the accounts they may see."""
    head = account.parent or account
    in_group = [head, *Account.objects.active().filter(parent=head).order_by("customer_id")]
    if len(in_group) == 1:
        return None
    visible = set(accounts_visible_to(user).filter(pk__in=[a.pk for a in in_group]).values_list("pk", flat=True))
    shown = [a for a in in_group if a.pk in visible]
    with store_cursor() as con:
        totals = portfolio.customer_totals(settings.ANALYTICS_DIR, [a.customer_id for a in shown], con=con)
    none: tuple[float | None, Decimal | None] = (None, None)
    members = [GroupMember(a, *totals.get(a.customer_id, none)) for a in shown]
    return AccountGroup(head=head, members=members, hidden=len(in_group) - len(shown))
