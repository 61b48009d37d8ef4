"""Reads for visits: due dates, plans, visit records, follow-ups and compliance.

Visibility follows :mod:`powerkam.accounts.selectors`: a manager sees the accounts they manage,
supervisors and the other office roles see every account.

The due date of an account comes from :func:`powerkam.analytics.visits.replay` over its grade
history (succeeded grading runs; the grade of the account itself as the latest word) and its
completed visits, imported ones included. The day it became a key account is
``Account.key_since`` (set by grading), else the earliest run that found it key, else the day it
entered the CRM.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from powerkam.accounts.models import Account, AccountQuerySet, Assignment, AssignmentRole, KeyStatus
from powerkam.accounts.selectors import AnyUser, accounts_version, accounts_visible_to, user_sees_all_accounts
from powerkam.analytics import visits as cadence
from powerkam.staff import permissions
from powerkam.staff.models import Role, StaffProfile
from powerkam.staff.scope import Viewer
from powerkam.staff.selectors import person_name
from powerkam.visits.models import (
    FollowUp,
    FollowUpStatus,
    PlannedStatus,
    PlannedVisit,
    PlanStatus,
    Visit,
    VisitPlan,
)


@dataclass(frozen=True)
class DueRow:
    account: Account
    grade: str
    username: str | None
    manager_name: str
    key_since: dt.date
    last_visit_on: dt.date | None
    due_on: dt.date
    as_of: dt.date

    @property
    def customer_id(self) -> str:
        return self.account.customer_id

    @property
    def overdue(self) -> bool:
        return self.due_on < self.as_of

    @property
    def days_overdue(self) -> int:
        return max(0, (self.as_of - self.due_on).days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "name": self.account.name,
            "grade": self.grade,
            "username": self.username,
            "last_visit_on": self.last_visit_on,
            "due_on": self.due_on,
            "overdue": self.overdue,
            "district": self.account.district,
        }


@dataclass
class _History:
    key_since: dt.date
    grades: list[cadence.GradeChange] = field(default_factory=list)
    visits: list[dt.date] = field(default_factory=list)


def managers_of(account_ids: Iterable[int]) -> dict[int, User]:
    """The visiting manager of each account: the active primary manager, else the secondary."""
    chosen: dict[int, tuple[int, int]] = {}
    rank = {AssignmentRole.PRIMARY: 0, AssignmentRole.SECONDARY: 1}
    # Ids first, then each manager once: a manager's 200 accounts are not 200 user objects.
    assignments = Assignment.objects.filter(account_id__in=list(account_ids), active=True)
    for account_id, role, staff_id in assignments.values_list("account_id", "role", "staff_id"):
        order = rank.get(AssignmentRole(role), 2)
        current = chosen.get(account_id)
        if current is None or order < current[0]:
            chosen[account_id] = (order, staff_id)
    users = User.objects.select_related("staff").in_bulk({staff_id for _order, staff_id in chosen.values()})
    return {account_id: users[staff_id] for account_id, (_order, staff_id) in chosen.items() if staff_id in users}


def display_name(user: User | None) -> str:
    return person_name(user)


def _histories(accounts: list[Account], as_of: dt.date | None) -> dict[int, _History]:
    from powerkam.grading.models import AccountGrade, RunStatus

    ids = [a.pk for a in accounts]
    rows = (
        AccountGrade.objects.filter(
            account_id__in=ids, run__status=RunStatus.SUCCEEDED, run__what_if=False, key_account=True
        )
        .exclude(grade="")
        .order_by("run__as_of", "run_id")
        .values_list("account_id", "run__as_of", "grade")
    )
    grades: dict[int, list[cadence.GradeChange]] = defaultdict(list)
    for account_id, on, grade in rows:
        grades[account_id].append(cadence.GradeChange(on, grade))
    visits: dict[int, list[dt.date]] = defaultdict(list)
    completed = Visit.objects.completed().filter(account_id__in=ids)
    if as_of is not None:
        completed = completed.filter(visited_on__lte=as_of)
    for account_id, visited_on in completed.values_list("account_id", "visited_on"):
        visits[account_id].append(visited_on)
    histories = {}
    for account in accounts:
        timeline = grades.get(account.pk, [])
        key_since = account.key_since or (timeline[0].on if timeline else timezone.localdate(account.created_at))
        if not timeline or timeline[-1].grade != account.grade:
            # The account's own grade is the latest word (set by the last run, or by hand).
            timeline.append(cadence.GradeChange(timeline[-1].on if timeline else key_since, account.grade))
        histories[account.pk] = _History(key_since, timeline, visits.get(account.pk, []))
    return histories


def key_accounts_with_cadence(accounts: AccountQuerySet) -> AccountQuerySet:
    return accounts.filter(key_status=KeyStatus.KEY).exclude(grade="")


def due_rows(*, accounts: AccountQuerySet, as_of: dt.date | None = None) -> list[DueRow]:
    """The next visit due of every graded key account in ``accounts``, soonest first."""
    as_of = as_of or timezone.localdate()
    chosen = list(key_accounts_with_cadence(accounts).order_by("customer_id"))
    histories = _histories(chosen, as_of)
    managers = managers_of(a.pk for a in chosen)
    rows = []
    for account in chosen:
        history = histories[account.pk]
        state = cadence.replay(key_since=history.key_since, grades=history.grades, visits=history.visits, as_of=as_of)
        manager = managers.get(account.pk)
        rows.append(
            DueRow(
                account=account,
                grade=state.grade,
                username=manager.get_username() if manager else None,
                manager_name=display_name(manager),
                key_since=history.key_since,
                last_visit_on=state.last_visit_on,
                due_on=state.due_on,
                as_of=as_of,
            )
        )
    rows.sort(key=lambda r: (r.due_on, r.customer_id))
    return rows


def visits_due(*, user: AnyUser, as_of: dt.date | None = None, manager: str = "") -> list[DueRow]:
    accounts = accounts_visible_to(user)
    if manager:
        managed = Assignment.objects.filter(staff__username=manager, active=True).values("account_id")
        accounts = accounts.filter(pk__in=managed)
    return due_rows(accounts=accounts, as_of=as_of)


def all_visits_due(*, as_of: dt.date | None = None, manager: str = "") -> list[DueRow]:
    """Every graded key account (the CLI and background work; no user)."""
    accounts = Account.objects.active()
    if manager:
        managed = Assignment.objects.filter(staff__username=manager, active=True).values("account_id")
        accounts = accounts.filter(pk__in=managed)
    return due_rows(accounts=accounts, as_of=as_of)


def manager_capacities() -> dict[str, int]:
    """Daily visit capacity of every active staff member, by username."""
    return dict(
        StaffProfile.objects.filter(archived=False, user__is_active=True).values_list(
            "user__username", "daily_visit_capacity"
        )
    )


# ---- plans ---------------------------------------------------------------------------------------


def active_planned_visits() -> QuerySet[PlannedVisit]:
    return PlannedVisit.objects.filter(plan__status=PlanStatus.ACTIVE).select_related(
        "account", "manager__staff", "plan", "visit"
    )


def planned_visits_visible_to(user: AnyUser) -> QuerySet[PlannedVisit]:
    planned = active_planned_visits()
    if user_sees_all_accounts(user):
        return planned
    return planned.filter(account__in=accounts_visible_to(user))


def plan_latest() -> VisitPlan | None:
    return VisitPlan.objects.filter(status=PlanStatus.ACTIVE).order_by("-pk").first()


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    workday: bool
    holiday_name: str
    visits: list[PlannedVisit]
    today: bool = False
    #: the day's year has no holiday notice yet: statutory holidays and weekends only (docs/rules.md §3)
    provisional: bool = False


def plan_month(
    *, user: AnyUser, year: int, month: int, manager: str = "", today: dt.date | None = None
) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of a month with the planned visits of each day."""
    from powerkam.workdays.selectors import work_calendar

    today = today or timezone.localdate()
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    planned = planned_visits_visible_to(user).filter(planned_on__range=(first, last))
    if manager:
        planned = planned.filter(manager__username=manager)
    by_day: dict[dt.date, list[PlannedVisit]] = defaultdict(list)
    for visit in planned.order_by("planned_on", "manager__username", "district", "due_on", "account__customer_id"):
        assert visit.planned_on is not None
        by_day[visit.planned_on].append(visit)
    cal = work_calendar()
    grid = []
    for week in weeks:
        row = []
        for day in week:
            info = cal.day_info(day)
            visits = by_day.get(day, [])
            for visit in visits:
                visit.provisional = info.provisional  # as the calendar stands now, not when it was planned
            row.append(
                CalendarDay(day, day.month == month, info.workday, info.name, visits, day == today, info.provisional)
            )
        grid.append(row)
    return grid


def provisional_days(days: Iterable[dt.date | None]) -> set[dt.date]:
    """The days among ``days`` that rest on a year without a holiday notice (docs/rules.md §3).

    Read from the calendar as it stands, so a visit planned before the notice was entered stops
    being provisional once it is.
    """
    from powerkam.workdays.selectors import work_calendar

    cal = work_calendar()
    return {day for day in set(days) if day is not None and cal.is_workday(day).provisional}


def provisional_note(days: Iterable[dt.date | None]) -> str:
    """One sentence naming the years whose notice is missing, or "" when every day is known."""
    from powerkam.workdays.selectors import provisional_warning

    years = sorted({day.year for day in provisional_days(days)})
    return provisional_warning(years) if years else ""


def unplaced_visits(*, user: AnyUser) -> QuerySet[PlannedVisit]:
    """Planned visits without a day: accounts without a manager (or a manager with no capacity)."""
    return planned_visits_visible_to(user).filter(planned_on__isnull=True, status=PlannedStatus.PLANNED)


# ---- visit records -------------------------------------------------------------------------------


def visits_visible_to(user: AnyUser) -> QuerySet[Visit]:
    visits = Visit.objects.filter(archived=False).select_related("account", "staff__staff")
    if user_sees_all_accounts(user):
        return visits
    return visits.filter(account__in=accounts_visible_to(user))


def visit_list(
    *,
    user: AnyUser,
    q: str = "",
    source: str = "",
    manager: str = "",
    customer_id: str = "",
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> QuerySet[Visit]:
    """The visit records ``user`` may see, newest first, narrowed by the list page's and the API's
    filters (a search text, the source, the manager, the account, a period of visit days)."""
    visits = visits_visible_to(user)
    if customer_id:
        visits = visits.filter(account__customer_id=customer_id)
    if first_day:
        visits = visits.filter(visited_on__gte=first_day)
    if last_day:
        visits = visits.filter(visited_on__lte=last_day)
    if q:
        visits = visits.filter(
            Q(account__customer_id__icontains=q) | Q(account__name__icontains=q) | Q(topics__icontains=q)
        )
    if source:
        visits = visits.filter(source=source)
    if manager:
        visits = visits.filter(staff__username=manager)
    return visits.order_by("-visited_on", "-pk")


# ---- follow-ups ----------------------------------------------------------------------------------


def open_followups_for_account(account: Account) -> QuerySet[FollowUp]:
    """Open follow-ups of an account, soonest due first (for the 360 page)."""
    return (
        FollowUp.objects.filter(account=account, status=FollowUpStatus.OPEN)
        .select_related("owner__staff", "visit")
        .order_by("due_on", "pk")
    )


def followups_visible_to(user: AnyUser) -> QuerySet[FollowUp]:
    followups = FollowUp.objects.select_related("account", "owner__staff", "visit")
    if user_sees_all_accounts(user):
        return followups
    return followups.filter(Q(account__in=accounts_visible_to(user)) | Q(owner_id=user.pk))


def followup_list(
    *, user: AnyUser, mine_only: bool = True, status: str = "", customer_id: str = ""
) -> QuerySet[FollowUp]:
    """Follow-ups ``user`` may see, soonest due first: their own (``mine_only``) or all of them, of one
    status ("" for any), of one account."""
    items = followups_visible_to(user)
    if mine_only:
        items = items.filter(owner_id=user.pk)
    if status:
        items = items.filter(status=status)
    if customer_id:
        items = items.filter(account__customer_id=customer_id)
    return items.order_by("due_on", "pk")


def planned_in_period(
    *, user: AnyUser, first_day: dt.date, last_day: dt.date, manager: str = ""
) -> QuerySet[PlannedVisit]:
    """Planned visits ``user`` may see on the days of a period (of one manager), in calendar order."""
    planned = planned_visits_visible_to(user).filter(planned_on__range=(first_day, last_day))
    if manager:
        planned = planned.filter(manager__username=manager)
    return planned.order_by("planned_on", "manager__username", "district", "due_on")


@dataclass(frozen=True)
class PlanCounts:
    visits: int
    late: int
    unassigned: int
    provisional: int


def plan_counts(plan: VisitPlan) -> PlanCounts:
    """What a plan holds: its visits, how many are late, without a manager, on a provisional day."""
    visits = plan.visits.all()
    return PlanCounts(
        visits=visits.count(),
        late=visits.filter(late=True).count(),
        unassigned=visits.filter(manager__isnull=True).count(),
        provisional=visits.filter(provisional=True).count(),
    )


@dataclass(frozen=True)
class MyWork:
    today: dt.date
    week_start: dt.date
    week_end: dt.date
    visits_today: list[PlannedVisit]
    visits_this_week: list[PlannedVisit]
    overdue: list[DueRow]
    followups: list[FollowUp]

    @property
    def followups_overdue(self) -> int:
        return sum(1 for f in self.followups if f.due_on < self.today)


#: A manager's overdue accounts stay in the shared cache for a working day (the day and the stamp of
#: their inputs are in the key, so an entry is never stale, only unused): the morning's preparation of
#: "My work" (powerkam.web.prepare) serves the manager's first visit.
OVERDUE_CACHE_SECONDS = 12 * 3600


def _due_inputs_stamp(user_pk: int) -> str:
    """A stamp that changes whenever the due date of an account ``user_pk`` manages may change: a
    visit of one of them saved (its history), a grade recorded for one of them, a grading run
    finished or rolled back, an account, assignment or staff profile saved (the accounts' version).
    One query besides the accounts' version."""
    from powerkam.grading.models import AccountGrade, GradingRun, RunStatus

    quote = connection.ops.quote_name
    managed = (
        f"SELECT account_id FROM {quote(Assignment._meta.db_table)} "  # noqa: S608 - table names from the models
        "WHERE staff_id = %s AND active"
    )
    runs = quote(GradingRun._meta.db_table)
    sql = (
        f"SELECT (SELECT MAX(history_id) FROM {quote(Visit.history.model._meta.db_table)} "  # noqa: S608
        f"WHERE account_id IN ({managed})), "
        f"(SELECT MAX(id) FROM {quote(AccountGrade._meta.db_table)} WHERE account_id IN ({managed})), "
        f"(SELECT COUNT(*) FROM {runs} WHERE status = %s), (SELECT MAX(id) FROM {runs} WHERE status = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_pk, user_pk, RunStatus.SUCCEEDED.value, RunStatus.SUCCEEDED.value])
        row = cursor.fetchone()
    return ".".join(str(v or 0) for v in row) + "." + accounts_version()


def overdue_for_manager(user: AnyUser, today: dt.date) -> list[DueRow]:
    """The accounts ``user`` manages (primary or secondary) that are overdue for a visit on ``today``.

    "My work" shows this on every visit of the page; replaying the cadence of a manager's 200
    accounts costs ~20 ms of CPU and five queries, so the answer is kept in the shared cache under
    the stamp of its inputs (docs/benchmarks.md, "Load")."""
    if user.pk is None:  # nobody manages anything
        return []
    key = f"visits:overdue:{user.pk}:{today.isoformat()}:{_due_inputs_stamp(user.pk)}"
    rows: list[DueRow] | None = cache.get(key)
    if rows is None:
        managed = Account.objects.active().filter(
            pk__in=Assignment.objects.filter(staff_id=user.pk, active=True).values("account_id")
        )
        rows = [r for r in due_rows(accounts=managed, as_of=today) if r.overdue]
        cache.set(key, rows, OVERDUE_CACHE_SECONDS)
    return rows


def my_work_stamp(user: AnyUser, today: dt.date) -> str:
    """A stamp of everything "My work"'s visits panel shows ``user``: the inputs of their overdue
    accounts (:func:`_due_inputs_stamp`), their planned visits and their follow-ups (count, newest id
    and the sum of their versions: every save raises a version) and the visit plans. One query besides
    the overdue accounts' stamp, each part read through an index of the manager's or owner's rows."""
    if user.pk is None:  # nobody: nothing planned, nothing owned
        return ""
    quote = connection.ops.quote_name
    planned = quote(PlannedVisit._meta.db_table)
    followups = quote(FollowUp._meta.db_table)
    plans = quote(VisitPlan._meta.db_table)
    plan_history = quote(VisitPlan.history.model._meta.db_table)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {planned} WHERE manager_id = %s), "  # noqa: S608 - names from the models
        f"(SELECT SUM(version) FROM {planned} WHERE manager_id = %s), "
        f"(SELECT MAX(id) FROM {planned} WHERE manager_id = %s), "
        f"(SELECT COUNT(*) FROM {followups} WHERE owner_id = %s), "
        f"(SELECT SUM(version) FROM {followups} WHERE owner_id = %s), "
        f"(SELECT MAX(id) FROM {followups} WHERE owner_id = %s), "
        f"(SELECT MAX(id) FROM {plans}), (SELECT MAX(history_id) FROM {plan_history})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk] * 6)
        row = cursor.fetchone()
    return ".".join(str(v or 0) for v in row) + "." + _due_inputs_stamp(user.pk)


def my_visits_and_followups(user: AnyUser, today: dt.date | None = None) -> MyWork:
    """What a manager has to do: this week's planned visits, overdue accounts, open follow-ups."""
    today = today or timezone.localdate()
    week_start = today - dt.timedelta(days=today.weekday())
    week_end = week_start + dt.timedelta(days=6)
    week = list(
        active_planned_visits()
        .filter(manager_id=user.pk, planned_on__range=(week_start, week_end), status=PlannedStatus.PLANNED)
        .order_by("planned_on", "district", "account__customer_id")
    )
    overdue = overdue_for_manager(user, today)
    followups = list(
        FollowUp.objects.filter(owner_id=user.pk, status=FollowUpStatus.OPEN)
        .select_related("account", "visit")
        .order_by("due_on", "pk")
    )
    return MyWork(
        today=today,
        week_start=week_start,
        week_end=week_end,
        visits_today=[v for v in week if v.planned_on == today],
        visits_this_week=week,
        overdue=overdue,
        followups=followups,
    )


# ---- compliance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceReport:
    first_day: dt.date
    last_day: dt.date
    managers: list[tuple[str, str]]  # (username, name)
    cells: dict[tuple[str, str], cadence.ComplianceCell]
    overdue: list[DueRow]

    def cell(self, manager: str, grade: str) -> cadence.ComplianceCell | None:
        return self.cells.get((manager, grade))


def visit_compliance(*, user: Viewer, first_day: dt.date, last_day: dt.date) -> ComplianceReport:
    """Share of visits made on or before their due date in [first_day, last_day], by manager
    (who made the visit; the account's manager when not recorded) and grade; and the accounts
    overdue on ``last_day``."""
    accounts = list(key_accounts_with_cadence(accounts_visible_to(user)).order_by("customer_id"))
    histories = _histories(accounts, None)
    managers = managers_of(a.pk for a in accounts)
    visitors: dict[tuple[int, dt.date], str] = {}
    for account_id, visited_on, username in (
        Visit.objects.completed()
        .filter(account__in=accounts, staff__isnull=False)
        .order_by("pk")
        .values_list("account_id", "visited_on", "staff__username")
    ):
        visitors.setdefault((account_id, visited_on), username)
    checks: list[tuple[str, cadence.VisitCheck]] = []
    for account in accounts:
        history = histories[account.pk]
        state = cadence.replay(key_since=history.key_since, grades=history.grades, visits=history.visits)
        fallback = managers.get(account.pk)
        for check in state.visits:
            who = visitors.get((account.pk, check.visited_on)) or (fallback.get_username() if fallback else "")
            checks.append((who, check))
    cells = cadence.compliance(checks, first_day=first_day, last_day=last_day)
    names = dict(StaffProfile.objects.values_list("user__username", "name"))
    usernames = sorted({m for m, _g in cells if m != "*"}, key=lambda u: (names.get(u, u), u))
    overdue = [r for r in due_rows(accounts=accounts_visible_to(user), as_of=last_day) if r.overdue]
    return ComplianceReport(
        first_day, last_day, [(u, names.get(u, u) if u else "—") for u in usernames], cells, overdue
    )


def user_is_supervisor(user: AnyUser) -> bool:
    """Supervisors and administrators make the team's plan (``visits.make_plan``)."""
    return permissions.can(user, "visits.make_plan")


def staff_managers() -> QuerySet[StaffProfile]:
    """Account managers who can be given accounts."""
    return StaffProfile.objects.filter(archived=False, role=Role.MANAGER, user__is_active=True).select_related("user")
