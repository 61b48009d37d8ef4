"""Visit cadence and visit planning (docs/rules.md §2; paper §3(一)①), pure Python.

**Cadence.** A key account is visited every 6 months (grade A), 3 months (B) or month (C), in
calendar months: the 31st plus one month is the last day of the next month (08-31 + 6 months →
02-28, + 3 months → 11-30). Next due = last completed visit + cadence; an account never visited
is due one month after it became a key account. Every completed visit counts, imported ones from
before PowerKAM identified the account included. When the grade changes, next due = the earlier
of the current due date and last visit + the new cadence.

:func:`replay` walks an account's history (grade changes and visits, in date order) and answers
the due date as of any day, and for every visit the due date it answered (for compliance).

**Planning.** :func:`plan_visits` lays every visit due in a horizon on the working days of a
:class:`~powerkam.analytics.workcal.WorkCalendar`, within each manager's daily capacity:

- visits are placed in order of due date (overdue ones first), each on the *latest* working day
  on or before its due date that still has room — so the time between two visits stays as long
  as the cadence allows — preferring, within a few working days, a day on which the manager is
  already visiting the same district (fewer trips);
- a visit that cannot be placed on or before its due date (overdue at the start of the horizon,
  no room, no working day) is placed on the earliest working day with room after it and flagged
  late with the reason;
- once placed, the next visit of the same account is due one cadence after the planned day; it
  repeats while that falls inside the horizon;
- accounts without a manager are listed as unassigned (no day), never dropped.

Everything is deterministic: ties break on customer id.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from dateutil.relativedelta import relativedelta

from powerkam.analytics.workcal import WorkCalendar

Grade = Literal["A", "B", "C"]
GRADES: tuple[Grade, ...] = ("A", "B", "C")

#: Why a visit is late or not planned. The Django layer turns the code into a sentence.
LateReason = Literal["", "overdue", "no_capacity", "no_workday", "unassigned", "moved"]


@dataclass(frozen=True)
class VisitRules:
    """The cadence of docs/rules.md §2 (months per grade) and the default daily capacity."""

    cadence_months: Mapping[str, int] = field(default_factory=lambda: {"A": 6, "B": 3, "C": 1})
    #: An account never visited is due this many months after it became a key account.
    first_visit_months: int = 1
    default_daily_capacity: int = 3
    #: Within this many working days before the latest free day, prefer a day on which the manager
    #: already visits the same district.
    district_window_workdays: int = 3

    def cadence(self, grade: str) -> int:
        try:
            return self.cadence_months[grade]
        except KeyError:
            raise ValueError(f"no visit cadence for grade {grade!r}") from None


DEFAULT_RULES = VisitRules()


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end: 2026-08-31 + 6 → 2027-02-28."""
    result: dt.date = day + relativedelta(months=months)
    return result


# ---- cadence -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeChange:
    """From ``on``, the account has ``grade`` (the first one is the day it became a key account)."""

    on: dt.date
    grade: str


@dataclass(frozen=True)
class VisitCheck:
    """One completed visit and the due date it answered (``None`` before the account was key)."""

    visited_on: dt.date
    due_on: dt.date | None
    grade: str

    @property
    def on_time(self) -> bool | None:
        return None if self.due_on is None else self.visited_on <= self.due_on


@dataclass(frozen=True)
class DueState:
    grade: str
    key_since: dt.date
    last_visit_on: dt.date | None
    due_on: dt.date
    visits: tuple[VisitCheck, ...]

    def overdue(self, as_of: dt.date) -> bool:
        return self.due_on < as_of


def replay(
    *,
    key_since: dt.date,
    grades: Sequence[GradeChange],
    visits: Iterable[dt.date],
    as_of: dt.date | None = None,
    rules: VisitRules = DEFAULT_RULES,
) -> DueState:
    """The due date of an account as of ``as_of`` (default: after everything given).

    ``grades`` are the account's grades over time (at least one; the earliest applies from
    ``key_since`` even if dated later). ``visits`` are the dates of its completed visits, any
    order, including those before ``key_since``. On one day a grade change applies before a visit.
    """
    if not grades:
        raise ValueError("an account needs a grade to have a visit cadence")
    changes = sorted(grades, key=lambda g: g.on)
    days = sorted(set(visits))
    if as_of is not None:
        days = [d for d in days if d <= as_of]
        changes = [c for c in changes if c.on <= as_of] or changes[:1]
    grade = changes[0].grade
    rules.cadence(grade)  # refuse an unknown grade early
    last: dt.date | None = None
    checks: list[VisitCheck] = []
    # Visits before the account became key set the starting point but answer no due date.
    before = [d for d in days if d < key_since]
    if before:
        last = before[-1]
        checks.extend(VisitCheck(d, None, grade) for d in before)
    due = add_months(last, rules.cadence(grade)) if last else add_months(key_since, rules.first_visit_months)
    # Events after key_since: (day, order, payload); grade changes (0) before visits (1) on a day.
    events: list[tuple[dt.date, int, str]] = [(max(c.on, key_since), 0, c.grade) for c in changes[1:]]
    events += [(d, 1, "") for d in days if d >= key_since]
    events.sort(key=lambda e: (e[0], e[1]))
    for day, kind, new_grade in events:
        if kind == 0:
            rules.cadence(new_grade)
            if new_grade != grade and last is not None:
                due = min(due, add_months(last, rules.cadence(new_grade)))
            grade = new_grade
        else:
            checks.append(VisitCheck(day, due, grade))
            last = day
            due = add_months(day, rules.cadence(grade))
    return DueState(grade=grade, key_since=key_since, last_visit_on=last, due_on=due, visits=tuple(checks))


# ---- planning ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanAccount:
    customer_id: str
    grade: str
    due_on: dt.date
    last_visit_on: dt.date | None = None
    district: str = ""
    #: The manager who visits (username), or ``None``: listed as unassigned.
    manager: str | None = None


@dataclass(frozen=True)
class PlanItem:
    customer_id: str
    username: str | None
    planned_on: dt.date | None
    due_on: dt.date
    grade: str
    district: str
    late: bool
    reason: LateReason
    #: 1 for the visit that is due now, 2… for repeats inside the horizon.
    occurrence: int = 1
    #: The planned day rests on a year whose holiday notice is not known yet.
    provisional: bool = False

    @property
    def overdue(self) -> bool:
        return self.reason == "overdue"

    def as_dict(self) -> dict[str, object]:
        return {
            "customer_id": self.customer_id,
            "username": self.username,
            "planned_on": self.planned_on,
            "due_on": self.due_on,
            "grade": self.grade,
            "district": self.district,
            "late": self.late,
            "reason": self.reason,
            "occurrence": self.occurrence,
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class Plan:
    first_day: dt.date
    last_day: dt.date
    items: tuple[PlanItem, ...]

    @property
    def unassigned(self) -> list[PlanItem]:
        return [i for i in self.items if i.username is None]

    @property
    def late(self) -> list[PlanItem]:
        return [i for i in self.items if i.late]


class _Days:
    """A manager's calendar: working days (extended on demand past the horizon) and their load."""

    def __init__(self, calendar: WorkCalendar, first: dt.date, last: dt.date, capacity: int) -> None:
        self.calendar = calendar
        self.capacity = capacity
        self.first = first
        self.days: list[dt.date] = calendar.workdays_in(first, last)
        self.until = last
        self.load: dict[dt.date, int] = defaultdict(int)
        self.districts: dict[dt.date, set[str]] = defaultdict(set)

    def free(self, day: dt.date) -> bool:
        return self.load[day] < self.capacity

    def take(self, day: dt.date, district: str) -> None:
        self.load[day] += 1
        self.districts[day].add(district)

    def _extend(self) -> None:
        start = self.until + dt.timedelta(days=1)
        self.until = start + dt.timedelta(days=62)
        self.days.extend(self.calendar.workdays_in(start, self.until))

    def latest_free(self, lo: dt.date, hi: dt.date, district: str, window: int) -> dt.date | None:
        """The latest free working day in [lo, hi], or a free day up to ``window`` working days
        earlier on which the same district is already visited."""
        candidates = [d for d in self.days if lo <= d <= hi]
        latest_index = next((i for i in range(len(candidates) - 1, -1, -1) if self.free(candidates[i])), None)
        if latest_index is None:
            return None
        if district:
            for i in range(latest_index, max(-1, latest_index - window - 1), -1):
                day = candidates[i]
                if self.free(day) and district in self.districts[day]:
                    return day
        return candidates[latest_index]

    def earliest_free(self, lo: dt.date) -> dt.date:
        index = 0
        while True:
            while index >= len(self.days):
                self._extend()
            day = self.days[index]
            if day >= lo and self.free(day):
                return day
            index += 1


def plan_visits(
    *,
    accounts: Iterable[PlanAccount],
    first_day: dt.date,
    last_day: dt.date,
    calendar: WorkCalendar,
    capacities: Mapping[str, int] | None = None,
    rules: VisitRules = DEFAULT_RULES,
) -> Plan:
    """Every visit due in [first_day, last_day], placed on working days within capacity.

    ``capacities`` maps a manager's username to visits per day (missing: the rules' default).
    An account is in the plan if its next visit is due on or before ``last_day`` (overdue ones
    included); after a visit is placed, the account's next one is due one cadence after the
    planned day and joins the plan if that is still inside the horizon.
    """
    if last_day < first_day:
        raise ValueError("the plan's last day is before its first day")
    capacities = capacities or {}
    managers: dict[str, _Days] = {}
    items: list[PlanItem] = []
    # (due_on, customer_id, occurrence, release: first allowed day, account)
    queue: list[tuple[dt.date, str, int, dt.date, PlanAccount]] = []
    for account in accounts:
        if account.due_on > last_day:
            continue
        if account.manager is None:
            items.append(
                PlanItem(
                    account.customer_id,
                    None,
                    None,
                    account.due_on,
                    account.grade,
                    account.district,
                    late=False,
                    reason="unassigned",
                )
            )
            continue
        heapq.heappush(queue, (account.due_on, account.customer_id, 1, first_day, account))
    while queue:
        due, customer_id, occurrence, release, account = heapq.heappop(queue)
        username = account.manager
        assert username is not None
        days = managers.get(username)
        if days is None:
            days = _Days(calendar, first_day, last_day, capacities.get(username, rules.default_daily_capacity))
            managers[username] = days
        reason: LateReason = ""
        planned: dt.date | None = None
        if days.capacity <= 0:  # a manager who makes no visits: listed, with the reason, not placed
            items.append(
                PlanItem(customer_id, username, None, due, account.grade, account.district, True, "no_capacity")
            )
            continue
        if due < release:
            reason = "overdue" if occurrence == 1 and due < first_day else "no_capacity"
        else:
            planned = days.latest_free(release, due, account.district, rules.district_window_workdays)
            if planned is None:
                has_workday = any(release <= d <= due for d in days.days)
                reason = "no_capacity" if has_workday else "no_workday"
        if planned is None:
            planned = days.earliest_free(max(release, due + dt.timedelta(days=1)) if reason != "overdue" else release)
        days.take(planned, account.district)
        provisional = calendar.is_workday(planned).provisional
        items.append(
            PlanItem(
                customer_id,
                username,
                planned,
                due,
                account.grade,
                account.district,
                late=planned > due,
                reason=reason,
                occurrence=occurrence,
                provisional=provisional,
            )
        )
        next_due = add_months(planned, rules.cadence(account.grade))
        if next_due <= last_day:
            heapq.heappush(queue, (next_due, customer_id, occurrence + 1, planned + dt.timedelta(days=1), account))
    return Plan(first_day, last_day, tuple(sorted(items, key=plan_order)))


def plan_order(item: PlanItem) -> tuple[int, dt.date, str, str, dt.date, str, int]:
    """Overdue visits first, then by day; one manager's visits of a day grouped by district;
    unassigned accounts last."""
    group = 2 if item.username is None else (0 if item.overdue else 1)
    return (
        group,
        item.planned_on or item.due_on,
        item.username or "",
        item.district,
        item.due_on,
        item.customer_id,
        item.occurrence,
    )


# ---- checking a change by hand -------------------------------------------------------------------


MoveProblem = Literal["", "not_workday", "capacity", "unknown_manager"]


def check_move(
    *,
    day: dt.date,
    username: str,
    calendar: WorkCalendar,
    known_managers: Mapping[str, int],
    booked_that_day: int,
) -> MoveProblem:
    """Why a planned visit may not move to ``username`` on ``day`` ('' when it may).

    ``known_managers`` maps usernames to daily capacity; ``booked_that_day`` counts the visits the
    manager already has on ``day`` (the one being moved not included).
    """
    if username not in known_managers:
        return "unknown_manager"
    if not calendar.is_workday(day).workday:
        return "not_workday"
    if booked_that_day >= known_managers[username]:
        return "capacity"
    return ""


# ---- compliance ----------------------------------------------------------------------------------


@dataclass
class ComplianceCell:
    visits: int = 0
    on_time: int = 0

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.on_time / self.visits, 1) if self.visits else None


def compliance(
    checks: Iterable[tuple[str, VisitCheck]], *, first_day: dt.date, last_day: dt.date
) -> dict[tuple[str, str], ComplianceCell]:
    """Visits made in [first_day, last_day] and how many on time, by (manager, grade).

    ``checks`` pairs a manager's username with a visit check from :func:`replay`; visits before
    the account was key (no due date) do not count. Keys ``("*", grade)``, ``(manager, "*")`` and
    ``("*", "*")`` carry the totals.
    """
    cells: dict[tuple[str, str], ComplianceCell] = defaultdict(ComplianceCell)
    for manager, check in checks:
        if check.due_on is None or not first_day <= check.visited_on <= last_day:
            continue
        for key in ((manager, check.grade), (manager, "*"), ("*", check.grade), ("*", "*")):
            cell = cells[key]
            cell.visits += 1
            cell.on_time += bool(check.on_time)
    return dict(cells)


__all__ = [
    "DEFAULT_RULES",
    "GRADES",
    "ComplianceCell",
    "DueState",
    "GradeChange",
    "Plan",
    "PlanAccount",
    "PlanItem",
    "VisitCheck",
    "VisitRules",
    "add_months",
    "check_move",
    "compliance",
    "plan_order",
    "plan_visits",
    "replay",
]
