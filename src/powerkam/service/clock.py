"""The SLA clocks of a ticket (docs/rules.md §3, docs/service.md). No database.

Two clocks. Most requests run in **working days** on the official calendar (below). Round-the-clock
requests (fault repair) run in **calendar minutes, 24×7**, holidays included: see
:func:`minutes_due` and :func:`hours_sla` at the end of this module.

The working-day clock:

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
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from powerkam.analytics.workcal import WorkCalendar

#: "Due soon" threshold: this many working days left or fewer.
DUE_SOON_WORKDAYS = 2
#: Round-the-clock tickets are *due soon* once this share (percent) of the limit has run.
DEFAULT_WARN_PERCENT = 80
MINUTES_PER_DAY = 24 * 60


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
    #: "workdays" or "hours" (a round-the-clock clock; the fields below are for it only)
    clock: str = "workdays"
    #: the milestone the clock runs for ("arrival", "restoration"); "" once both are reached
    milestone: str = ""
    #: when the running milestone is due (aware date-time)
    due_at: dt.datetime | None = None
    #: whole minutes left to ``due_at`` (negative: overdue)
    minutes_left: int | None = None
    #: the running milestone's limit in minutes
    limit_minutes: int | None = None
    #: when the running milestone becomes *due soon* (its warning share of the limit has run)
    warn_at: dt.datetime | None = None

    @property
    def overdue_days(self) -> int:
        """Working days past the due date (0 while not overdue)."""
        return max(0, -(self.days_left or 0))

    @property
    def overdue_minutes(self) -> int:
        """Minutes past the running milestone's due time (0 while not overdue)."""
        return max(0, -(self.minutes_left or 0))

    @property
    def urgency(self) -> tuple[int, int, int]:
        """Sort key, most urgent first: breached, then fewest days left, then fewest minutes left
        (a round-the-clock ticket due in 30 minutes comes before a working-day ticket due today)."""
        order = {SlaState.BREACHED: 0, SlaState.DUE_SOON: 1, SlaState.ON_TRACK: 2, SlaState.MET: 3}
        if self.minutes_left is not None:
            return order[self.state], self.minutes_left // MINUTES_PER_DAY, self.minutes_left
        return order[self.state], self.days_left if self.days_left is not None else 10_000, MINUTES_PER_DAY


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


# -- the round-the-clock clock (calendar minutes, 24×7) ------------------------------------------
#
# Limits are elapsed time: "45 minutes" is 45 minutes of real time after the report, at night, on a
# Sunday or on a public holiday alike. All date-times are timezone-aware; the arithmetic is on
# absolute time, so it holds in any zone. The utility's zone (settings.TIME_ZONE, Asia/Shanghai) has
# no daylight-saving time since 1991, so elapsed time and wall-clock time there are the same.


@dataclass(frozen=True)
class TimeSpan:
    """A pause of a round-the-clock ticket, from ``start`` to ``end`` (``None``: still paused)."""

    start: dt.datetime
    end: dt.datetime | None


def _utc(moment: dt.datetime) -> dt.datetime:
    """Python adds and subtracts aware date-times of one zone on the wall clock; limits are elapsed
    time, so every sum and difference here is done in UTC."""
    return moment.astimezone(dt.UTC)


def minutes_due(start: dt.datetime, limit_minutes: int, pauses: Iterable[TimeSpan] = ()) -> tuple[dt.datetime, int]:
    """When a milestone started at ``start`` with ``limit_minutes`` is due (in ``start``'s zone),
    and the minutes paused.

    A finished pause that begins before the (running) due time moves it by the pause's length,
    counted from ``start`` at the earliest; a pause that begins after the due time changes nothing
    (the milestone was already late)."""
    begin_utc = _utc(start)
    due = begin_utc + dt.timedelta(minutes=limit_minutes)
    paused = dt.timedelta()
    for pause in sorted(pauses, key=lambda p: _utc(p.start)):
        if pause.end is None or _utc(pause.end) <= begin_utc:
            continue
        begin = max(_utc(pause.start), begin_utc)
        if begin >= due:
            continue
        due += _utc(pause.end) - begin
        paused += _utc(pause.end) - begin
    return due.astimezone(start.tzinfo), int(paused.total_seconds() // 60)


def hours_sla(
    *,
    accepted_at: dt.datetime,
    arrival_minutes: int,
    restoration_minutes: int,
    now: dt.datetime,
    arrived_at: dt.datetime | None = None,
    restored_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    pauses: Iterable[TimeSpan] = (),
    warn_percent: int = DEFAULT_WARN_PERCENT,
) -> Sla:
    """The state of a fault-repair clock: arrival on site within ``arrival_minutes`` of the report,
    restoration within ``restoration_minutes`` of the arrival (two milestones, each on time or not).

    - Reaching a milestone exactly at its due time is on time.
    - A ticket closed without an arrival or restoration recorded is judged with the closing time.
    - While a pause is open, the clock is frozen at its start.
    """
    spans = list(pauses)
    finished = [p for p in spans if p.end is not None]
    open_pause = next((p for p in spans if p.end is None), None)
    arrival_due, _ = minutes_due(accepted_at, arrival_minutes, finished)
    reached_arrival = arrived_at or closed_at
    restoration_start = reached_arrival or arrival_due
    restoration_due, _ = minutes_due(restoration_start, restoration_minutes, finished)
    reached_restoration = restored_at or closed_at
    if reached_arrival is not None and reached_restoration is not None:
        in_time = _utc(reached_arrival) <= _utc(arrival_due) and _utc(reached_restoration) <= _utc(restoration_due)
        return Sla(
            SlaState.MET if in_time else SlaState.BREACHED,
            restoration_due.date(),
            False,
            None,
            False,
            closed_at is not None,
            clock="hours",
            due_at=restoration_due,
        )
    if reached_arrival is None:
        milestone, due, limit = "arrival", arrival_due, arrival_minutes
    else:
        milestone, due, limit = "restoration", restoration_due, restoration_minutes
    as_of = open_pause.start if open_pause is not None else now
    remaining = _utc(due) - _utc(as_of)
    if remaining < dt.timedelta():
        state = SlaState.BREACHED
    elif remaining <= dt.timedelta(minutes=limit * (100 - warn_percent) / 100):
        state = SlaState.DUE_SOON
    else:
        state = SlaState.ON_TRACK
    left = math.floor(remaining.total_seconds() / 60)
    warn_at = (_utc(due) - dt.timedelta(minutes=limit * (100 - warn_percent) / 100)).astimezone(due.tzinfo)
    if open_pause is not None and _utc(open_pause.start) < min(_utc(due), _utc(now)):
        # resumed now, the milestone would be due this much later
        due = (_utc(due) + (_utc(now) - _utc(open_pause.start))).astimezone(due.tzinfo)
    return Sla(
        state,
        due.date(),
        False,
        None,
        open_pause is not None,
        False,
        clock="hours",
        milestone=milestone,
        due_at=due,
        minutes_left=left,
        limit_minutes=limit,
        warn_at=warn_at,
    )
