"""Pages of the account list: a known count, the page's ids through the sort index, and a keyset
seek for deep pages.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from powerkam.accounts.models import Account, AccountQuerySet, Assignment, AssignmentRole
from powerkam.accounts.selectors.listing import (
    LIST_CACHE_SECONDS,
    SORTS,
    AccountFilters,
    account_count,
    account_list,
    accounts_version,
    count_cache_key,
    criteria_digest,
    normalise_sort,
)
from powerkam.accounts.selectors.profile import ManagerRow
from powerkam.accounts.selectors.visibility import AnyUser, scope_key, user_sees_all_accounts

#: Pages starting this many rows deep or more begin after a remembered boundary (a keyset "seek")
#: instead of walking the sort index past every row before them (5.6 ms at row 50,000 on PostgreSQL).
SEEK_FROM_ROW = 1000

#: Up to this many accounts, a list seen by someone whose scope is their own accounts is read as its
#: ordered ids in one query (:func:`account_page`); a larger one is counted and paged as the base is.
PORTFOLIO_IDS = 2000


def _seek_columns(sort: str) -> tuple[tuple[str, ...], bool] | None:
    """The sort's columns and direction, when a page may start after a boundary row; None for a sort
    on a column that may be NULL (the NULLs come last, which a row comparison cannot express)."""
    sort = normalise_sort(sort)
    columns = SORTS[sort.lstrip("-")]
    if any(getattr(Account._meta.get_field(c), "null", False) for c in columns):
        return None
    return columns, sort.startswith("-")


class _AccountPaginator(Paginator):
    """Pages of the account list with a known count. One query in two steps: the page's ids first, in a
    subquery that only needs the sort index (an index-only walk, even 50,000 rows deep), then those
    25 accounts; the managers of the page come in one more query.

    A deep page also remembers where it starts and where the next one starts (the sort values of the
    row before each), under the same version of the accounts as the counts: that page again, or the
    next one, is then read from its boundary on — a page 2,000 deep costs what the first one does."""

    def __init__(
        self,
        accounts: AccountQuerySet,
        per_page: int,
        *,
        count: int,
        seek: tuple[tuple[str, ...], bool] | None = None,
        boundaries: str = "",
        ids: list[int] | None = None,
    ) -> None:
        super().__init__(accounts, per_page)
        self.accounts = accounts
        self.known_count = count
        self.seek = seek if boundaries else None
        self.boundaries = boundaries
        #: every id of the list in order, when already read (a portfolio: :func:`account_page`)
        self.ids = ids

    @property
    def count(self) -> int:
        return self.known_count

    def _rows(self, ids: Any) -> list[Account]:
        return list(Account.objects.filter(pk__in=ids).order_by(*self.accounts.query.order_by))

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.ids is not None:
            rows = self._rows(self.ids[bottom : bottom + self.per_page])
        elif self.seek is None or bottom < SEEK_FROM_ROW:
            rows = self._rows(self.accounts.values("pk")[bottom : bottom + self.per_page])
        else:
            columns, descending = self.seek
            after = cache.get(f"{self.boundaries}:{number}")
            if after is not None:
                beyond = (TupleLessThan if descending else TupleGreaterThan)(Tuple(*(F(c) for c in columns)), after)
                rows = self._rows(self.accounts.filter(beyond).values("pk")[: self.per_page])
            else:  # the row before the page too: where this page starts
                fetched = self._rows(self.accounts.values("pk")[bottom - 1 : bottom + self.per_page])
                before, rows = fetched[0], fetched[1:]
                cache.set(f"{self.boundaries}:{number}", tuple(getattr(before, c) for c in columns), LIST_CACHE_SECONDS)
            if len(rows) == self.per_page:
                following = tuple(getattr(rows[-1], c) for c in columns)
                cache.set(f"{self.boundaries}:{number + 1}", following, LIST_CACHE_SECONDS)
        _attach_manager_rows(rows)
        return Page(rows, number, self)


def _attach_manager_rows(accounts: list[Account]) -> None:
    """Each account's active managers as ``manager_rows`` (:class:`ManagerRow`, primary first), read in one
    query of plain values: a prefetch of assignments, users and profiles cost more than the page's rows."""
    roles = {role.value: str(role.label) for role in AssignmentRole}
    by_account: dict[int, list[ManagerRow]] = {a.pk: [] for a in accounts}
    for account_id, role, username, name, phone, assignment_id in (
        Assignment.objects.filter(active=True, account_id__in=list(by_account))
        .order_by("account_id", "role")
        .values_list("account_id", "role", "staff__username", "staff__staff__name", "staff__staff__phone", "pk")
    ):
        by_account[account_id].append(
            ManagerRow(role, roles.get(role, role), username, name or username, phone or "", assignment_id)
        )
    for account in accounts:
        account.manager_rows = by_account[account.pk]  # type: ignore[attr-defined]
        # the row's version for a bulk reassignment: the primary assignment seen (0: none)
        account.primary_seen = next(  # type: ignore[attr-defined]
            (m.assignment_id for m in by_account[account.pk] if m.role == AssignmentRole.PRIMARY), 0
        )


def account_page(
    *, user: AnyUser, filters: AccountFilters, number: int | str | None, per_page: int, version: str | None = None
) -> Page:
    """One page of the accounts ``user`` sees (a wrong or past-the-end page number gives the first or
    the last page, as Django's ``get_page``)."""
    version = version or accounts_version()
    accounts = account_list(user=user, filters=filters)
    count_key = count_cache_key(user=user, filters=filters, version=version)
    count = cache.get(count_key)
    if count is None and not user_sees_all_accounts(user):
        # A manager's portfolio (a few hundred accounts), not the base: its ids in order in one query
        # give the count and every page at once, where a count and a page were two queries.
        ids = list(accounts.values_list("pk", flat=True)[: PORTFOLIO_IDS + 1])
        if len(ids) <= PORTFOLIO_IDS:
            cache.set(count_key, len(ids), LIST_CACHE_SECONDS)
            return _AccountPaginator(accounts, per_page, count=len(ids), ids=ids).get_page(number)
    if count is None:
        count = account_count(user=user, filters=filters, version=version)
    sort = normalise_sort(filters.sort)
    boundaries = f"accounts:seek:{version}:{scope_key(user)}:{criteria_digest(filters)}:{sort}:{per_page}"
    seek = _seek_columns(filters.sort)
    return _AccountPaginator(accounts, per_page, count=count, seek=seek, boundaries=boundaries).get_page(number)
