"""Reads of grading runs, the key-account roster, changes and grade history.

The roster is the latest published run's key accounts (a what-if run — an older period graded
without publishing it — is shown only when asked for); managers see only the accounts they
manage (the visibility rule of :mod:`powerkam.accounts.selectors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet

from powerkam.accounts import ranks
from powerkam.accounts.models import Account
from powerkam.accounts.selectors import AnyUser, accounts_visible_to, user_sees_all_accounts
from powerkam.grading.models import AccountGrade, Baseline, Change, GradingRun, RunStatus

CHANGE_KINDS = (Change.JOINED, Change.LEFT, Change.UP, Change.DOWN)

#: Sort keys of the roster (prefix ``-`` for descending).
ROSTER_SORTS: dict[str, tuple[str, ...]] = {
    "customer_id": ("account__customer_id",),
    "name": ("account__name", "account__customer_id"),
    "grade": ("grade", "account__customer_id"),
    "credit_score": ("credit_score", "account__customer_id"),
    "value_rank": ("value_rank", "account__customer_id"),
    "annual_kwh": ("annual_kwh", "account__customer_id"),
    "annual_revenue": ("annual_revenue_yuan", "account__customer_id"),
}
ROSTER_DEFAULT_SORT = "-value_rank"


def run_list() -> QuerySet[GradingRun]:
    return GradingRun.objects.select_related("by", "compared_with").order_by("-pk")


def run_get(*, run_id: int) -> GradingRun:
    return GradingRun.objects.select_related("by", "compared_with").get(pk=run_id)


def run_latest() -> GradingRun | None:
    """The run behind the current grades: the latest published one (what-ifs never are)."""
    return GradingRun.objects.published().order_by(F("finished_at").desc(nulls_last=True), "-pk").first()


def run_previous(*, run: GradingRun) -> GradingRun | None:
    """The run ``run`` compares with: the previous period's (docs/grading.md), never a later one."""
    if run.compared_with_id is None:
        return None
    return GradingRun.objects.filter(pk=run.compared_with_id).first()


def run_figures(run: GradingRun) -> dict[str, object]:
    """What a finished run counted, as the command line and the nightly report give it."""
    return {
        "period": run.period,
        "customers_evaluated": run.customers_evaluated,
        "key_accounts": run.key_accounts,
        "grades": {"A": run.grade_a, "B": run.grade_b, "C": run.grade_c},
        "joined": run.joined,
        "left": run.left,
        "went_up": run.went_up,
        "went_down": run.went_down,
        "accounts_created": run.accounts_created,
    }


def run_changes(*, run: GradingRun, user: AnyUser, kind: str | None = None) -> QuerySet[AccountGrade]:
    """The accounts that joined, left, went up or went down in ``run`` (one kind, or all four)."""
    kinds = [kind] if kind in CHANGE_KINDS else list(CHANGE_KINDS)
    return (
        AccountGrade.objects.filter(run=run, change__in=kinds, account__in=accounts_visible_to(user))
        .select_related("account")
        .order_by("change", "account__customer_id")
    )


@dataclass(frozen=True)
class RosterFilters:
    grade: str = ""
    district: str = ""
    q: str = ""
    change: str = ""
    sort: str = ROSTER_DEFAULT_SORT


def roster(
    *, user: AnyUser, run: GradingRun | None = None, filters: RosterFilters | None = None
) -> QuerySet[AccountGrade]:
    """Key accounts of ``run`` (default: the latest finished run) visible to ``user``."""
    filters = filters or RosterFilters()
    run = run or run_latest()
    if run is None:
        return AccountGrade.objects.none()
    rows = AccountGrade.objects.filter(run=run, key_account=True, account__in=accounts_visible_to(user))
    if filters.grade:
        rows = rows.filter(grade=filters.grade)
    if filters.district:
        rows = rows.filter(account__district=filters.district)
    if filters.change:
        rows = rows.filter(change=filters.change)
    if filters.q:
        rows = rows.filter(Q(account__customer_id__icontains=filters.q) | Q(account__name__icontains=filters.q))
    sort = filters.sort if filters.sort.lstrip("-") in ROSTER_SORTS else ROSTER_DEFAULT_SORT
    order = ROSTER_SORTS[sort.lstrip("-")]
    if sort.startswith("-"):
        order = (f"-{order[0]}", *order[1:])
    return rows.select_related("account", "run").order_by(*order)


def roster_districts(*, run: GradingRun | None) -> list[str]:
    if run is None:
        return []
    values = (
        AccountGrade.objects.filter(run=run, key_account=True)
        .exclude(account__district="")
        .values_list("account__district", flat=True)
        .distinct()
        .order_by("account__district")
    )
    return list(values)


def account_grade_history(*, account: Account) -> QuerySet[AccountGrade]:
    """Every published run's result for ``account``, newest first (what-ifs are not its history)."""
    return (
        AccountGrade.objects.filter(account=account, run__status=RunStatus.SUCCEEDED, run__what_if=False)
        .select_related("run")
        .order_by("-run__pk")
    )


def latest_value_ranks(account_ids: Sequence[int]) -> dict[int, float | None]:
    """Each account's value rank in the newest published run that graded it (the first row of its
    history); accounts never graded are left out. Usually one indexed read of the newest run's rows;
    the accounts that run did not grade (created since, or archived before it) take one more read of
    their own rows, newest run first."""
    ids = list(dict.fromkeys(account_ids))
    published = AccountGrade.objects.filter(run__status=RunStatus.SUCCEEDED, run__what_if=False)
    newest = GradingRun.objects.published().order_by("-pk").values_list("pk", flat=True).first()
    if newest is None or not ids:
        return {}
    found: dict[int, float | None] = dict(
        published.filter(run_id=newest, account_id__in=ids).values_list("account_id", "value_rank")
    )
    missing = [i for i in ids if i not in found]
    if missing:
        older = published.filter(account_id__in=missing).order_by("account_id", "-run__pk")
        for account_id, rank in older.values_list("account_id", "value_rank"):
            found.setdefault(account_id, rank)  # the first row of each account is its newest run's
    return found


def register_ranks() -> None:
    """Give the accounts app its value ranks (:mod:`powerkam.accounts.ranks`)."""
    ranks.register(latest_value_ranks)


# --- Charts of the roster page (issue 19): the grade mix and the joined/left key accounts by period ---

#: Grades in the order the charts and their tables show them ("" is a key account not graded yet).
MIX_GRADES = ("A", "B", "C", "")


def roster_grade_mix(*, user: AnyUser, run: GradingRun | None = None) -> dict[str, int]:
    """Key accounts of ``run`` (default: the current roster) that ``user`` sees, by grade — every
    grade of :data:`MIX_GRADES` present, zero when none."""
    run = run or run_latest()
    counts = dict.fromkeys(MIX_GRADES, 0)
    if run is None:
        return counts
    rows = (
        AccountGrade.objects.filter(run=run, key_account=True, account__in=accounts_visible_to(user))
        .order_by()
        .values("grade")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["grade"] if row["grade"] in counts else ""] += row["n"]
    return counts


@dataclass(frozen=True)
class PeriodChanges:
    """One graded period: the key accounts that joined and left and how many there were, counted
    in the user's scope. ``compared`` is False for a run that had nothing to compare with (the
    first period graded): its joined/left say nothing and are None."""

    period: str
    run_id: int
    key_accounts: int
    joined: int | None
    left: int | None

    @property
    def compared(self) -> bool:
        return self.joined is not None


def changes_by_period(*, user: AnyUser, periods: int = 24) -> list[PeriodChanges]:
    """Joined and left key accounts for each of the last ``periods`` graded periods, oldest first.

    A period counts with its latest published run (a re-run replaced the grades; what-ifs never
    did). Someone who sees the whole base reads the counts the runs recorded; a manager's are
    counted from the grade rows of their own accounts."""
    latest_per_period = (
        GradingRun.objects.published()
        .order_by()
        .values("period")
        .annotate(last=Max("pk"))
        .values_list("last", flat=True)
    )
    runs = list(
        GradingRun.objects.filter(pk__in=list(latest_per_period))
        .order_by("-period")[:periods]
        .only("pk", "period", "baseline", "key_accounts", "joined", "left")
    )
    runs.reverse()
    if not runs:
        return []
    if user_sees_all_accounts(user):
        figures = {r.pk: (r.key_accounts, r.joined, r.left) for r in runs}
    else:
        counted: dict[int, list[int]] = {r.pk: [0, 0, 0] for r in runs}
        grades = AccountGrade.objects.filter(run__in=[r.pk for r in runs], account__in=accounts_visible_to(user))
        for row in (
            grades.filter(key_account=True).order_by().values("run_id").annotate(n=Count("id")).values("run_id", "n")
        ):
            counted[row["run_id"]][0] = row["n"]
        for row in (
            grades.filter(change__in=(Change.JOINED, Change.LEFT))
            .order_by()
            .values("run_id", "change")
            .annotate(n=Count("id"))
        ):
            counted[row["run_id"]][1 if row["change"] == Change.JOINED else 2] = row["n"]
        figures = {pk: (n[0], n[1], n[2]) for pk, n in counted.items()}
    result = []
    for run in runs:
        keys, joined, left = figures[run.pk]
        compared = run.baseline != Baseline.NOTHING
        result.append(
            PeriodChanges(
                period=run.period,
                run_id=run.pk,
                key_accounts=keys,
                joined=joined if compared else None,
                left=left if compared else None,
            )
        )
    return result
