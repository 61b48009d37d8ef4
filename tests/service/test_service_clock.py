"""The SLA clock (docs/rules.md §3) without the database."""

from __future__ import annotations

import datetime as dt

import pytest

from powerkam.analytics.workcal import WorkCalendar
from powerkam.service.clock import PauseSpan, SlaState, due_date, sla

D = dt.date
CAL = WorkCalendar()


def test_rules_md_example_as_a_ticket() -> None:
    due = due_date(CAL, accepted_on=D(2026, 9, 28), limit_days=10)
    assert (due.due_on, due.provisional, due.paused_workdays) == (D(2026, 10, 16), False, 0)


def test_a_clock_paused_across_national_day() -> None:
    # Paused on Wed 09-30 (worked that day), resumed Fri 10-09: the working days in (09-30, 10-09]
    # are 10-08 and 10-09 — the holiday week itself was never on the clock.
    due = due_date(CAL, accepted_on=D(2026, 9, 28), limit_days=10, pauses=[PauseSpan(D(2026, 9, 30), D(2026, 10, 9))])
    assert due.paused_workdays == 2
    assert due.due_on == D(2026, 10, 20)


def test_a_pause_on_a_holiday_costs_nothing() -> None:
    due = due_date(CAL, accepted_on=D(2026, 9, 28), limit_days=10, pauses=[PauseSpan(D(2026, 10, 2), D(2026, 10, 5))])
    assert (due.paused_workdays, due.due_on) == (0, D(2026, 10, 16))


def test_an_open_pause_does_not_move_the_due_date_yet() -> None:
    due = due_date(CAL, accepted_on=D(2026, 9, 28), limit_days=10, pauses=[PauseSpan(D(2026, 9, 30), None)])
    assert due.due_on == D(2026, 10, 16)


@pytest.mark.parametrize(
    ("today", "state", "left"),
    [
        (D(2026, 9, 29), SlaState.ON_TRACK, 9),
        (D(2026, 10, 13), SlaState.ON_TRACK, 3),
        (D(2026, 10, 14), SlaState.DUE_SOON, 2),
        (D(2026, 10, 16), SlaState.DUE_SOON, 0),
        (D(2026, 10, 17), SlaState.BREACHED, 0),  # Saturday after the due Friday: breached, no working day yet
        (D(2026, 10, 20), SlaState.BREACHED, -2),
    ],
)
def test_states(today: dt.date, state: SlaState, left: int) -> None:
    due = due_date(CAL, accepted_on=D(2026, 9, 28), limit_days=10)
    result = sla(CAL, due=due, today=today)
    assert (result.state, result.days_left) == (state, left)


def test_days_left_are_frozen_while_paused() -> None:
    due = due_date(CAL, accepted_on=D(2026, 9, 28), limit_days=10)
    result = sla(CAL, due=due, today=D(2026, 11, 20), open_pause=PauseSpan(D(2026, 10, 12), None))
    assert (result.state, result.days_left, result.paused) == (SlaState.ON_TRACK, 4, True)


def test_closed_in_time_or_late() -> None:
    due = due_date(CAL, accepted_on=D(2026, 9, 28), limit_days=10)
    assert sla(CAL, due=due, today=D(2026, 12, 1), closed_on=D(2026, 10, 16)).state == SlaState.MET
    late = sla(CAL, due=due, today=D(2026, 12, 1), closed_on=D(2026, 10, 19))
    assert (late.state, late.closed, late.days_left) == (SlaState.BREACHED, True, None)


def test_spring_festival_2026_clock() -> None:
    # Accepted Fri 2026-02-13, design review 10 working days: Sat 02-14 is worked, 02-15..23 off,
    # then 02-24 .. 02-27 and Sat 02-28 (adjusted), 03-02 .. 03-05.
    due = due_date(CAL, accepted_on=D(2026, 2, 13), limit_days=10)
    assert due.due_on == D(2026, 3, 5)


def test_labour_day_2026_clock() -> None:
    # Accepted Wed 2026-04-29, 5 working days: 04-30, (05-01..05 off), 05-06, 05-07, 05-08, Sat 05-09
    assert due_date(CAL, accepted_on=D(2026, 4, 29), limit_days=5).due_on == D(2026, 5, 9)


def test_due_date_in_2027_is_provisional() -> None:
    due = due_date(CAL, accepted_on=D(2026, 12, 21), limit_days=15)
    assert due.provisional
