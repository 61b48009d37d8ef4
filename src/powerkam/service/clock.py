"""The SLA clock of a ticket, in working days on the official calendar (docs/rules.md §3). No database.

- Due date = the (limit + paused working days)-th working day strictly after acceptance.
- A pause from P to R takes the working days in (P, R] off the clock: the pause day itself was
  worked on, and the clock runs again from the working day after the resume — just as it started
  from the working day after acceptance.
- Working days left = working days in (today, due]; 0 means due today. While paused, the count
  is frozen at the pause day.
- State: *breached* once today is after the due date (or the ticket closed after it); *due soon*
  with 2 working days or fewer left; otherwise *on track*; a ticket closed in time is *met*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from powerkam.analytics.workcal import WorkCalendar

#: "Due soon" threshold: this many working days left or fewer.
DUE_SOON_WORKDAYS = 2


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    MET = "met"


@dataclass(frozen=True)
class PauseSpan:
    paused_on: dt.date
    resumed_on: dt.date | None


@dataclass(frozen=True)
class Due:
    due_on: dt.date
    provisional: bool
    paused_workdays: int


@dataclass(frozen=True)
class Sla:
    state: SlaState
    due_on: dt.date
    provisional: bool
    #: working days left (negative: overdue); ``None`` once closed
    days_left: int | None
    paused: bool
    closed: bool

    @property
    def overdue_days(self) -> int:
        """Working days past the due date (0 while not overdue)."""
        return max(0, -(self.days_left or 0))

    @property
    def urgency(self) -> tuple[int, int]:
        """Sort key, most urgent first: breached, then fewest days left."""
        order = {SlaState.BREACHED: 0, SlaState.DUE_SOON: 1, SlaState.ON_TRACK: 2, SlaState.MET: 3}
        return order[self.state], self.days_left if self.days_left is not None else 10_000


def paused_workdays(calendar: WorkCalendar, pauses: Iterable[PauseSpan]) -> tuple[int, bool]:
    """Working days taken off the clock by the finished pauses (and whether that is provisional)."""
    total, provisional = 0, False
    for pause in pauses:
        if pause.resumed_on is None:
            continue
        answer = calendar.count_workdays(pause.paused_on, pause.resumed_on)
        total += answer.workdays
        provisional = provisional or answer.provisional
    return total, provisional


def due_date(calendar: WorkCalendar, *, accepted_on: dt.date, limit_days: int, pauses: Iterable[PauseSpan] = ()) -> Due:
    paused, paused_provisional = paused_workdays(calendar, pauses)
    answer = calendar.add_workdays(accepted_on, limit_days + paused)
    return Due(answer.date, answer.provisional or paused_provisional, paused)


def sla(
    calendar: WorkCalendar,
    *,
    due: Due,
    today: dt.date,
    open_pause: PauseSpan | None = None,
    closed_on: dt.date | None = None,
) -> Sla:
    if closed_on is not None:
        state = SlaState.MET if closed_on <= due.due_on else SlaState.BREACHED
        return Sla(state, due.due_on, due.provisional, None, False, True)
    as_of = open_pause.paused_on if open_pause is not None else today
    if as_of > due.due_on:
        overdue = calendar.workdays_between(due.due_on, as_of)
        return Sla(SlaState.BREACHED, due.due_on, due.provisional, -overdue, open_pause is not None, False)
    left = calendar.workdays_between(as_of, due.due_on)
    state = SlaState.DUE_SOON if left <= DUE_SOON_WORKDAYS else SlaState.ON_TRACK
    return Sla(state, due.due_on, due.provisional, left, open_pause is not None, False)
