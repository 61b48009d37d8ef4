"""Reads of accounts for the web pages, the API and the CLI — one place for the visibility rule.

Visibility: an account manager sees the accounts they manage (an active :class:`Assignment`);
supervisors, planners, viewers and administrators see every account; a user without a staff
profile sees none unless they are a superuser. Archived accounts are not listed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OrderBy, OuterRef, Prefetch, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from powerkam.accounts.models import (
    Account,
    AccountQuerySet,
    Assignment,
    AssignmentRole,
    Contact,
    ContactRole,
    InfluenceLevel,
    Tariff,
)
from powerkam.analytics import accounts as account_figures
from powerkam.analytics import portfolio, store
from powerkam.analytics.charges import late_payment_penalty
from powerkam.core.stamps import tables_stamp
from powerkam.grid.models import Feeder
from powerkam.staff import permissions
from powerkam.staff.models import StaffProfile

AnyUser = User | AbstractBaseUser | AnonymousUser

#: Sort keys the list accepts (prefix ``-`` for descending) and the columns they order by.
SORTS: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id",),
    "name": ("name", "customer_id"),
    "grade": ("grade", "customer_id"),
    "credit_score": ("credit_score", "customer_id"),
    "voltage_kv": ("voltage_kv", "customer_id"),
    "contract_capacity_kva": ("contract_capacity_kva", "customer_id"),
    "district": ("district", "customer_id"),
    "industry": ("industry", "customer_id"),
}
DEFAULT_SORT = "customer_id"
NO_GRADE = "none"


class AccountNotVisible(PermissionDenied):
    """The account exists but the user may not see it (a manager asking for someone else's account)."""


def staff_profile(user: AnyUser) -> StaffProfile | None:
    return getattr(user, "staff", None)


def user_sees_all_accounts(user: AnyUser) -> bool:
    """The person's scope is the whole base (docs/permissions.md)."""
    return permissions.scope_of(user) is permissions.Scope.WHOLE_BASE


def user_can_edit(user: AnyUser) -> bool:
    """Viewers are read-only; every other role may change data (docs/permissions.md)."""
    return permissions.is_editor(user)


def accounts_in_scope(scope: permissions.Scope, user: AnyUser | None = None) -> AccountQuerySet:
    """The active accounts of a scope: the whole base, ``user``'s own accounts, or none."""
    accounts = Account.objects.active()
    if scope is permissions.Scope.WHOLE_BASE:
        return accounts
    if scope is permissions.Scope.NONE or user is None:
        return accounts.none()
    managed = Assignment.objects.filter(staff_id=user.pk, active=True).values("account_id")
    return accounts.filter(pk__in=managed)


def accounts_visible_to(user: AnyUser) -> AccountQuerySet:
    """The accounts ``user`` may see (``accounts.view_account``)."""
    return accounts_in_scope(permissions.scope_of(user), user)


@dataclass(frozen=True)
class AccountFilters:
    q: str = ""
    grade: str = ""  # A, B, C or "none" (not graded)
    district: str = ""
    industry: str = ""
    manager: str = ""  # username of an active primary or secondary manager
    voltage_kv: Decimal | None = None
    key_status: str = ""
    sort: str = DEFAULT_SORT

    def active(self) -> dict[str, Any]:
        """The filters that narrow the list (for "n filters applied" and the export file name)."""
        return {k: v for k, v in self.__dict__.items() if k != "sort" and v not in ("", None)}


def parse_voltage(raw: str | None) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return Decimal(str(raw).strip())
    except InvalidOperation:
        return None


def normalise_sort(raw: str | None) -> str:
    if not raw:
        return DEFAULT_SORT
    key = raw.lstrip("-")
    return raw if key in SORTS else DEFAULT_SORT


def account_list(*, user: AnyUser, filters: AccountFilters) -> AccountQuerySet:
    """The accounts ``user`` may see, narrowed by ``filters`` and sorted, managers prefetched."""
    accounts = accounts_visible_to(user)
    if filters.q:
        term = filters.q.strip()
        accounts = accounts.filter(Q(customer_id__icontains=term) | Q(name__icontains=term))
    if filters.grade == NO_GRADE:
        accounts = accounts.filter(grade="")
    elif filters.grade:
        accounts = accounts.filter(grade=filters.grade)
    if filters.district:
        accounts = accounts.filter(district=filters.district)
    if filters.industry:
        accounts = accounts.filter(industry=filters.industry)
    if filters.voltage_kv is not None:
        accounts = accounts.filter(voltage_kv=filters.voltage_kv)
    if filters.key_status:
        accounts = accounts.filter(key_status=filters.key_status)
    if filters.manager:
        managed = Assignment.objects.filter(staff__username=filters.manager, active=True).values("account_id")
        accounts = accounts.filter(pk__in=managed)
    return accounts.order_by(*sort_ordering(filters.sort)).prefetch_related(_active_assignments())


def sort_ordering(sort: str) -> list[OrderBy]:
    """ORDER BY of a sort key. Accounts without a value (not graded yet) come last either way, on SQLite
    and PostgreSQL alike; columns that cannot be NULL get a plain ASC/DESC, so that the sort indexes
    (migration 0003) serve the order instead of a sort of every account."""
    sort = normalise_sort(sort)
    descending = sort.startswith("-")
    ordering = []
    for column in SORTS[sort.lstrip("-")]:
        nulls_last = True if getattr(Account._meta.get_field(column), "null", False) else None
        ordering.append(F(column).desc(nulls_last=nulls_last) if descending else F(column).asc(nulls_last=nulls_last))
    return ordering


def _active_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(active=True).select_related("staff__staff").order_by("role"),
        to_attr="active_assignments",
    )


# ---- the list's pages ------------------------------------------------------------------------------
#
# Counting 100,000 accounts (or a manager's 2,000 through their assignments) costs more than the rest
# of the page, and the figure changes only when accounts, assignments or staff change. Every such
# change goes through django-simple-history (saves, imports, grading: bulk_*_with_history), so the
# newest history ids are a version of the list: counts, filter choices, the figures and the table's
# HTML are cached under it, and a change shows at once. An entry is never stale, only unused, so it
# is kept for a working day: the morning's preparation of "My work" (powerkam.web.prepare) then
# serves each user's first visit. An edit made in the database by hand, outside PowerKAM and its
# history, shows once the cache is cleared (docs/deployment.md, "Cache").

#: How long a cached count, filter choice, figure or table page is kept (its key holds the version).
LIST_CACHE_SECONDS = 12 * 3600


def accounts_version() -> str:
    """A stamp that changes whenever an account, an assignment or a staff profile is added or saved
    (one cheap query, :func:`powerkam.core.stamps.tables_stamp`)."""
    return tables_stamp(Account, Assignment, StaffProfile)


def _scope(user: AnyUser) -> str:
    return "all" if user_sees_all_accounts(user) else f"user:{user.pk}"


def list_fragment_key(name: str, *, user: AnyUser, version: str, query: str) -> str:
    """A cache key for HTML rendered from the accounts ``user`` sees, as of ``version``, for the
    request's ``query``, in the active language."""
    digest = hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
    return f"accounts:html:{name}:{version}:{_scope(user)}:{get_language()}:{digest}"


def _criteria_digest(filters: AccountFilters) -> str:
    """The filters (not the sort) as a key safe for any cache backend."""
    criteria = repr(sorted((k, str(v)) for k, v in filters.active().items()))
    return hashlib.blake2b(criteria.encode(), digest_size=16).hexdigest()


def account_count(*, user: AnyUser, filters: AccountFilters, version: str | None = None) -> int:
    """How many accounts ``user`` sees with ``filters`` — exact, cached per version of the accounts."""
    version = version or accounts_version()
    key = f"accounts:count:{version}:{_scope(user)}:{_criteria_digest(filters)}"
    count = cache.get(key)
    if count is None:
        count = account_list(user=user, filters=filters).count()
        cache.set(key, count, LIST_CACHE_SECONDS)
    return int(count)


#: Pages starting this many rows deep or more begin after a remembered boundary (a keyset "seek")
#: instead of walking the sort index past every row before them (5.6 ms at row 50,000 on PostgreSQL).
SEEK_FROM_ROW = 1000


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
    ) -> None:
        super().__init__(accounts, per_page)
        self.accounts = accounts
        self.known_count = count
        self.seek = seek if boundaries else None
        self.boundaries = boundaries

    @property
    def count(self) -> int:
        return self.known_count

    def _rows(self, ids: Any) -> list[Account]:
        return list(Account.objects.filter(pk__in=ids).order_by(*self.accounts.query.order_by))

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.seek is None or bottom < SEEK_FROM_ROW:
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
    count = account_count(user=user, filters=filters, version=version)
    sort = normalise_sort(filters.sort)
    boundaries = f"accounts:seek:{version}:{_scope(user)}:{_criteria_digest(filters)}:{sort}:{per_page}"
    seek = _seek_columns(filters.sort)
    return _AccountPaginator(accounts, per_page, count=count, seek=seek, boundaries=boundaries).get_page(number)


def account_get(*, user: AnyUser, customer_id: str) -> Account:
    """The account with ``customer_id``; :class:`Account.DoesNotExist` if there is none (or it is
    archived), :class:`AccountNotVisible` if ``user`` may not see it."""
    try:
        return accounts_visible_to(user).select_related("parent").get(customer_id=customer_id)
    except Account.DoesNotExist:
        if Account.objects.active().filter(customer_id=customer_id).exists():
            raise AccountNotVisible(_("You do not manage this account.")) from None
        raise


@dataclass(frozen=True)
class AccountSummary:
    total: int
    key_accounts: int
    grade_a: int
    grade_b: int
    grade_c: int
    multiple_supply: int
    important_users: int


def account_summary(*, user: AnyUser, version: str | None = None) -> AccountSummary:
    """KPI figures over the accounts ``user`` sees ("My work" shows them on every visit): one pass
    over those accounts, cached per version of the accounts like the list's counts."""
    key = f"accounts:summary:{version or accounts_version()}:{_scope(user)}"
    figures = cache.get(key)
    if figures is None:
        figures = accounts_visible_to(user).aggregate(
            total=Count("pk"),
            key_accounts=Count("pk", filter=Q(key_status="key")),
            grade_a=Count("pk", filter=Q(grade="A")),
            grade_b=Count("pk", filter=Q(grade="B")),
            grade_c=Count("pk", filter=Q(grade="C")),
            multiple_supply=Count("pk", filter=Q(feeders__contains=";")),
            important_users=Count("pk", filter=~Q(important_grade="")),
        )
        cache.set(key, figures, LIST_CACHE_SECONDS)
    return AccountSummary(**figures)


def filter_choices(*, user: AnyUser, version: str | None = None) -> dict[str, list[Any]]:
    """Values offered by the list's filter drop-downs, from the accounts the user sees (cached per
    version of the accounts, see :func:`accounts_version`: they spare four scans of the whole table)."""
    sees_all = user_sees_all_accounts(user)
    key = f"accounts:filter-choices:{version or accounts_version()}:{_scope(user)}"
    choices = cache.get(key)
    if choices is None:
        choices = _filter_choices(user=user, sees_all=sees_all)
        cache.set(key, choices, LIST_CACHE_SECONDS)
    return choices


def _filter_choices(*, user: AnyUser, sees_all: bool) -> dict[str, list[Any]]:
    visible = accounts_visible_to(user)
    districts = list(visible.exclude(district="").order_by("district").values_list("district", flat=True).distinct())
    industries = list(visible.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct())
    voltages = list(visible.order_by("voltage_kv").values_list("voltage_kv", flat=True).distinct())
    assignments = Assignment.objects.filter(staff_id=OuterRef("user_id"), active=True)
    if not sees_all:
        assignments = assignments.filter(account__in=visible)
    people = (
        StaffProfile.objects.filter(Exists(assignments), archived=False)
        .order_by("name")
        .values_list("user__username", "name", "district")
    )
    # a pick list names a person by id, name and district (two managers may share a name)
    managers = [
        (username, " · ".join(p for p in (username, name, district) if p)) for username, name, district in people
    ]
    return {"districts": districts, "industries": industries, "voltages": voltages, "managers": managers}


@dataclass(frozen=True)
class ManagerRow:
    role: str
    role_label: str
    username: str
    name: str
    phone: str
    #: the assignment's id (a bulk reassignment names the primary one the person saw)
    assignment_id: int = 0


def account_managers(*, account: Account) -> list[ManagerRow]:
    """The account's active managers, primary first: the staff name, else the user's full name."""
    rows = []
    for role, username, first, last, profile_id, name, phone, assignment_id in (
        account.assignments.filter(active=True)
        .order_by("role")
        .values_list(
            "role",
            "staff__username",
            "staff__first_name",
            "staff__last_name",
            "staff__staff__id",
            "staff__staff__name",
            "staff__staff__phone",
            "pk",
        )
    ):
        full_name = f"{first} {last}".strip()
        rows.append(
            ManagerRow(
                role=role,
                role_label=str(AssignmentRole(role).label),
                username=username,
                name=name if profile_id is not None else full_name or username,
                phone=phone if profile_id is not None else "",
                assignment_id=assignment_id,
            )
        )
    return rows


def account_contacts(*, account: Account) -> list[Contact]:
    """The account's people as a stakeholder map reads: most influential first, the decision maker
    before the other roles, then by name."""
    influence = {level: i for i, level in enumerate(InfluenceLevel.values)}
    role = {r: i for i, r in enumerate(ContactRole.values)}
    # An account has a handful of contacts: the database orders them by name (its collation), and a
    # stable sort puts them by influence and role — cheaper than two CASE expressions to compile.
    by_name = account.contacts.filter(archived=False).order_by("name")
    return sorted(by_name, key=lambda c: (influence.get(c.influence, len(influence)), role.get(c.role, len(role))))


@dataclass(frozen=True)
class SupplyFeeder:
    feeder_id: str
    feeder: Feeder | None


def account_feeders(*, account: Account) -> list[SupplyFeeder]:
    ids = account.feeder_list
    known = {f.feeder_id: f for f in Feeder.objects.filter(feeder_id__in=ids).select_related("substation")}
    return [SupplyFeeder(feeder_id=i, feeder=known.get(i)) for i in ids]


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    what: str
    fields: list[str] = field(default_factory=list)


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return _("system")
    profile = getattr(user, "staff", None)
    return profile.name if profile is not None else user.get_username()


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def account_history(*, account: Account, limit: int = 20) -> list[HistoryEntry]:
    """Recent changes to the account, its contacts and its managers, newest first."""
    entries: list[HistoryEntry] = []
    records = list(account.history.select_related("history_user__staff").order_by("-history_date")[: limit + 1])
    # Each record against the one before it; the oldest shown has none (or was created in bulk).
    for newer, older in zip(records, [*records[1:], None][: len(records)], strict=True):
        if len(entries) >= limit:
            break
        if older is None or newer.history_type == "+":
            entries.append(HistoryEntry(newer.history_date, _who(newer), _("Account created")))
            continue
        delta = newer.diff_against(older)
        changed = [
            str(getattr(Account._meta.get_field(change.field), "verbose_name", change.field))
            for change in delta.changes
        ]
        if changed:
            entries.append(HistoryEntry(newer.history_date, _who(newer), _("Account changed"), changed))
    contact_messages = {
        "+": _("Contact added: %(name)s"),
        "~": _("Contact changed: %(name)s"),
        "-": _("Contact removed: %(name)s"),
    }
    for record in (
        Contact.history.filter(account_id=account.pk)
        .select_related("history_user__staff")
        .order_by("-history_date")[:limit]
    ):
        entries.append(
            HistoryEntry(
                record.history_date, _who(record), contact_messages[record.history_type] % {"name": record.name}
            )
        )
    assignment_messages = {
        "+": _("Manager assigned: %(name)s (%(role)s)"),
        "~": _("Assignment changed: %(name)s (%(role)s)"),
        "-": _("Assignment removed: %(name)s (%(role)s)"),
    }
    for record in (
        Assignment.history.filter(account_id=account.pk)
        .select_related("history_user__staff", "staff__staff")
        .order_by("-history_date")[:limit]
    ):
        staff = record.staff
        profile = getattr(staff, "staff", None)
        name = profile.name if profile is not None else staff.get_username()
        message = assignment_messages[record.history_type]
        if record.history_type == "~" and not record.active:
            message = _("Assignment ended: %(name)s (%(role)s)")
        entries.append(
            HistoryEntry(
                record.history_date,
                _who(record),
                message % {"name": name, "role": AssignmentRole(record.role).label},
            )
        )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


# ---- figures from the analytics store ------------------------------------------------------------


#: One in-memory DuckDB database per process, shared by the 360 page's store sections: opening a
#: database costs more (~15 ms) than reading one customer's rows from the sorted Parquet files.
#: Each request works on a cursor of its own (a DuckDB connection is not shared between threads).
_store_db: duckdb.DuckDBPyConnection | None = None
_store_db_lock = threading.Lock()
#: The shared database reads a few customers' rows at a time; DuckDB's file cache stays within this.
STORE_DB_MEMORY = "512MB"


@contextmanager
def _store_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    global _store_db  # one per process, opened on first use (after a server forks)
    with _store_db_lock:
        if _store_db is None:
            _store_db = duckdb.connect(":memory:", config={"memory_limit": STORE_DB_MEMORY})
        cursor = _store_db.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def account_monthly_history(*, account: Account) -> list[account_figures.MonthFigures]:
    with _store_cursor() as con:
        return account_figures.monthly_history(settings.ANALYTICS_DIR, account.customer_id, con=con)


def account_load_curve(*, account: Account) -> account_figures.LoadCurve:
    with _store_cursor() as con:
        return account_figures.typical_load_curve(settings.ANALYTICS_DIR, account.customer_id, con=con)


@dataclass(frozen=True)
class PaymentRecord:
    as_of: dt.date
    bills: list[account_figures.Bill]
    billed_yuan: Decimal
    outstanding_yuan: Decimal
    arrears_yuan: Decimal
    late_bills: int
    max_days_late: int
    #: Late-payment penalty accrued on the bills in arrears as of ``as_of`` (《供电营业规则》, docs/rules.md §6)
    penalty_yuan: Decimal = Decimal("0")


def account_payment_record(*, account: Account, as_of: dt.date | None = None, months: int = 36) -> PaymentRecord:
    as_of = as_of or timezone.localdate()
    with _store_cursor() as con:
        bills = account_figures.bill_record(
            settings.ANALYTICS_DIR, account.customer_id, as_of=as_of, months=months, con=con
        )
    return PaymentRecord(
        as_of=as_of,
        bills=bills,
        billed_yuan=sum((b.amount_yuan for b in bills), Decimal("0")),
        outstanding_yuan=sum((b.outstanding_yuan for b in bills), Decimal("0")),
        arrears_yuan=sum((b.outstanding_yuan for b in bills if b.in_arrears), Decimal("0")),
        late_bills=sum(1 for b in bills if b.late),
        max_days_late=max((b.days_late for b in bills), default=0),
        penalty_yuan=sum(
            (
                late_payment_penalty(
                    arrears_yuan=b.outstanding_yuan,
                    due_date=b.due_date,
                    as_of=as_of,
                    residential=account.tariff == Tariff.RESIDENTIAL,
                )
                for b in bills
                if b.in_arrears
            ),
            Decimal("0"),
        ),
    )


# ---- the key-account portfolio (the overview) -------------------------------------------------------
#
# The overview's store figures read every bill of the base (the portfolio's share) or of the key
# accounts (their overdue bills): ~1 s on 3.6 million bills. They change only when the billing or
# payments files, the accounts (a version as for the list's counts) or the day change, so they are
# cached under all of these.


def _store_stamp(*kinds: str) -> str:
    parts = [str(settings.ANALYTICS_DIR)]
    for kind in kinds:
        parts.append(store.dataset_stamp(Path(settings.ANALYTICS_DIR), kind))
    return ".".join(parts)


def _key_customer_ids(user: AnyUser) -> list[str]:
    return list(accounts_visible_to(user).key_accounts().values_list("customer_id", flat=True))


#: The store figures computed last, kept in this process as they are, in front of the shared cache.
#: Computing them costs seconds (the arrears of 13,000 accounts: 1.5 s of CPU); reading them back from
#: the shared cache costs tens of milliseconds (pickled), so each web process reads them there rather
#: than computing them again, and then keeps them here. Keys carry the store stamps, the accounts'
#: version and the day, so an entry is never stale, only unused; the oldest go first.
_store_memo: OrderedDict[str, Any] = OrderedDict()
_store_memo_lock = threading.Lock()
STORE_MEMO_ENTRIES = 64
#: In the shared cache until the day is over at most (the day is part of the key).
STORE_CACHE_SECONDS = 24 * 3600


def _cached_store_figures(name: str, user: AnyUser, today: dt.date, kinds: tuple[str, ...], compute: Any) -> Any:
    key = f"{name}:{_store_stamp(*kinds)}:{accounts_version()}:{_scope(user)}:{today.isoformat()}"
    with _store_memo_lock:
        if key in _store_memo:
            _store_memo.move_to_end(key)
            return _store_memo[key]
    shared_key = "accounts:store:" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    value = cache.get(shared_key)
    if value is None:
        value = compute()
        cache.set(shared_key, value, STORE_CACHE_SECONDS)
    with _store_memo_lock:
        _store_memo[key] = value
        while len(_store_memo) > STORE_MEMO_ENTRIES:
            _store_memo.popitem(last=False)
    return value


def portfolio_mix(*, user: AnyUser, version: str | None = None) -> dict[str, int]:
    """The key accounts ``user`` sees by grade, the important users among them and the candidates:
    one pass over the accounts, cached per version of the accounts like the list's counts."""
    key = f"accounts:mix:{version or accounts_version()}:{_scope(user)}"
    mix = cache.get(key)
    if mix is None:
        key_account = Q(key_status="key")
        mix = accounts_visible_to(user).aggregate(
            key_accounts=Count("pk", filter=key_account),
            grade_a=Count("pk", filter=key_account & Q(grade="A")),
            grade_b=Count("pk", filter=key_account & Q(grade="B")),
            grade_c=Count("pk", filter=key_account & Q(grade="C")),
            important_users=Count("pk", filter=key_account & ~Q(important_grade="")),
            candidates=Count("pk", filter=Q(key_status="candidate")),
        )
        cache.set(key, mix, LIST_CACHE_SECONDS)
    return dict(mix)


def portfolio_share(*, user: AnyUser, today: dt.date, months: int = 36) -> list[portfolio.ShareMonth]:
    """The key accounts ``user`` sees against the whole base, month by month (oldest first)."""

    def compute() -> list[portfolio.ShareMonth]:
        with _store_cursor() as con:
            return portfolio.portfolio_share(settings.ANALYTICS_DIR, _key_customer_ids(user), months=months, con=con)

    return _cached_store_figures(f"share{months}", user, today, ("billing",), compute)


@dataclass(frozen=True)
class AccountArrears:
    customer_id: str
    name: str
    grade: str
    district: str
    bills: int
    outstanding_yuan: Decimal
    #: Days past the due date of the oldest bill still owed.
    days_overdue: int
    #: Late-payment penalty accrued on those bills (docs/rules.md §6).
    penalty_yuan: Decimal


@dataclass(frozen=True)
class PortfolioArrears:
    as_of: dt.date
    accounts: list[AccountArrears]  # most owed first
    aging: list[portfolio.AgeBucket]
    # totals over ``accounts``, summed once (the figures are read far more often than computed)
    outstanding_yuan: Decimal
    penalty_yuan: Decimal
    bills: int


def portfolio_arrears(*, user: AnyUser, today: dt.date) -> PortfolioArrears:
    """The key accounts ``user`` sees with bills unpaid after their due date, as of ``today``."""

    def compute() -> PortfolioArrears:
        with _store_cursor() as con:
            overdue = portfolio.overdue_bills(settings.ANALYTICS_DIR, _key_customer_ids(user), as_of=today, con=con)
        by_customer: dict[str, list[portfolio.OverdueBill]] = {}
        for bill in overdue:
            by_customer.setdefault(bill.customer_id, []).append(bill)
        accounts = {
            a.customer_id: a
            for a in Account.objects.filter(customer_id__in=by_customer).only(
                "customer_id", "name", "tariff", "grade", "district"
            )
        }
        rows = []
        for customer_id, bills in by_customer.items():
            account = accounts.get(customer_id)
            residential = account is not None and account.tariff == Tariff.RESIDENTIAL
            rows.append(
                AccountArrears(
                    customer_id=customer_id,
                    name=account.name if account else customer_id,
                    grade=account.grade if account else "",
                    district=account.district if account else "",
                    bills=len(bills),
                    outstanding_yuan=sum((b.outstanding_yuan for b in bills), Decimal("0")),
                    days_overdue=max(b.days_overdue for b in bills),
                    penalty_yuan=sum(
                        (
                            late_payment_penalty(
                                arrears_yuan=b.outstanding_yuan,
                                due_date=b.due_date,
                                as_of=today,
                                residential=residential,
                            )
                            for b in bills
                        ),
                        Decimal("0"),
                    ),
                )
            )
        rows.sort(key=lambda r: (-r.outstanding_yuan, r.customer_id))
        return PortfolioArrears(
            as_of=today,
            accounts=rows,
            aging=portfolio.aging(overdue),
            outstanding_yuan=sum((r.outstanding_yuan for r in rows), Decimal("0")),
            penalty_yuan=sum((r.penalty_yuan for r in rows), Decimal("0")),
            bills=len(overdue),
        )

    return _cached_store_figures("arrears", user, today, ("billing", "payments"), compute)


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
    with _store_cursor() as con:
        totals = portfolio.customer_totals(settings.ANALYTICS_DIR, [a.customer_id for a in shown], con=con)
    none: tuple[float | None, Decimal | None] = (None, None)
    members = [GroupMember(a, *totals.get(a.customer_id, none)) for a in shown]
    return AccountGroup(head=head, members=members, hidden=len(in_group) - len(shown))


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
