"""The account list: filters, sort, counts, the filter drop-downs and the KPI summary, cached per
version of the accounts (:func:`accounts_version`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, F, OrderBy, OuterRef, Prefetch, Q
from django.utils.translation import get_language

from powerkam.accounts.models import Account, AccountQuerySet, Assignment
from powerkam.accounts.selectors.visibility import AnyUser, accounts_visible_to, scope_key, user_sees_all_accounts
from powerkam.core.stamps import tables_stamp
from powerkam.staff.models import StaffProfile

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


def list_fragment_key(name: str, *, user: AnyUser, version: str, query: str) -> str:
    """A cache key for HTML rendered from the accounts ``user`` sees, as of ``version``, for the
    request's ``query``, in the active language."""
    digest = hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
    return f"accounts:html:{name}:{version}:{scope_key(user)}:{get_language()}:{digest}"


def criteria_digest(filters: AccountFilters) -> str:
    """The filters (not the sort) as a key safe for any cache backend."""
    criteria = repr(sorted((k, str(v)) for k, v in filters.active().items()))
    return hashlib.blake2b(criteria.encode(), digest_size=16).hexdigest()


def count_cache_key(*, user: AnyUser, filters: AccountFilters, version: str) -> str:
    """Where the count of what ``user`` sees with ``filters`` is kept, as of ``version``."""
    return f"accounts:count:{version}:{scope_key(user)}:{criteria_digest(filters)}"


def account_count(*, user: AnyUser, filters: AccountFilters, version: str | None = None) -> int:
    """How many accounts ``user`` sees with ``filters`` — exact, cached per version of the accounts."""
    key = count_cache_key(user=user, filters=filters, version=version or accounts_version())
    count = cache.get(key)
    if count is None:
        count = account_list(user=user, filters=filters).count()
        cache.set(key, count, LIST_CACHE_SECONDS)
    return int(count)


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
    key = f"accounts:summary:{version or accounts_version()}:{scope_key(user)}"
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
    key = f"accounts:filter-choices:{version or accounts_version()}:{scope_key(user)}"
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
