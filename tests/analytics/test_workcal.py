"""The working-day calendar (docs/rules.md §3) against the State Council notices for 2026."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powerkam.analytics.workcal import (
    CalendarNotKnownError,
    Override,
    WorkCalendar,
    WorkCalendarError,
    parse_date,
    unknown_years,
)

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_rules_md_worked_example(cal: WorkCalendar) -> None:
    # docs/rules.md §3: accepted 2026-09-28, 10 working days → 2026-10-16
    assert cal.add_workdays(D(2026, 9, 28), 10) == (D(2026, 10, 16), False)
    assert cal.workdays_between(D(2026, 9, 28), D(2026, 10, 16)) == 10


def test_zero_working_days_is_the_day_itself(cal: WorkCalendar) -> None:
    assert cal.add_workdays(D(2026, 10, 3), 0) == (D(2026, 10, 3), False)


def test_counting_starts_strictly_after_the_day(cal: WorkCalendar) -> None:
    # Friday 2026-03-06 + 1 → Monday 2026-03-09, not the Friday itself
    assert cal.add_workdays(D(2026, 3, 6), 1).date == D(2026, 3, 9)


def test_spring_festival_2026(cal: WorkCalendar) -> None:
    for offset in range(9):  # 2026-02-15 .. 2026-02-23 off
        day = D(2026, 2, 15) + dt.timedelta(days=offset)
        assert cal.is_workday(day) == (False, False), day
        assert cal.day_info(day).kind == "holiday"
        assert cal.day_info(day).name == "Spring Festival"
    # adjusted working days (Saturdays) on both sides
    for day in (D(2026, 2, 14), D(2026, 2, 28)):
        assert day.weekday() == 5
        assert cal.is_workday(day) == (True, False)
        assert cal.day_info(day).kind == "adjusted_workday"
    assert cal.is_workday(D(2026, 2, 13)).workday
    assert cal.is_workday(D(2026, 2, 24)).workday
    # Friday 2026-02-13 + 1 → Saturday 2026-02-14 (worked); + 2 → Tuesday 2026-02-24
    assert cal.add_workdays(D(2026, 2, 13), 1).date == D(2026, 2, 14)
    assert cal.add_workdays(D(2026, 2, 13), 2).date == D(2026, 2, 24)


def test_library_agrees_on_the_spring_festival(cal: WorkCalendar) -> None:
    for offset in range(-10, 20):
        day = D(2026, 2, 15) + dt.timedelta(days=offset)
        assert cal.is_workday(day).workday == chinese_calendar.is_workday(day)


def test_labour_day_2026(cal: WorkCalendar) -> None:
    for day in range(1, 6):
        assert not cal.is_workday(D(2026, 5, day)).workday
    assert cal.is_workday(D(2026, 5, 9)) == (True, False)  # Saturday, adjusted working day
    # Thursday 2026-04-30 + 1 → Wednesday 2026-05-06; + 4 → Saturday 2026-05-09
    assert cal.add_workdays(D(2026, 4, 30), 1).date == D(2026, 5, 6)
    assert cal.add_workdays(D(2026, 4, 30), 4).date == D(2026, 5, 9)


def test_national_day_2026(cal: WorkCalendar) -> None:
    for day in range(1, 8):
        assert not cal.is_workday(D(2026, 10, day)).workday
    assert cal.day_info(D(2026, 10, 10)).kind == "adjusted_workday"
    assert cal.is_workday(D(2026, 10, 10)) == (True, False)
    assert cal.is_workday(D(2026, 9, 20)) == (True, False)  # Sunday, adjusted working day
    assert cal.day_type(D(2026, 10, 10)) == "working"
    assert cal.day_type(D(2026, 10, 11)) == "non-working"
    assert cal.day_type(D(2026, 10, 1)) == "non-working"


def test_a_2027_date_is_provisional(cal: WorkCalendar) -> None:
    assert cal.is_workday(D(2027, 3, 1)) == (True, True)
    answer = cal.add_workdays(D(2026, 12, 24), 10)
    assert answer.provisional
    # Beyond the notice, weekends and the statutory holidays are off (docs/rules.md §3):
    # 12-25, 28, 29, 30, 31, then New Year's Day 2027-01-01 is off, 01-04, 05, 06, 07, 08
    assert answer.date == D(2027, 1, 8)
    # A span wholly inside 2026 stays known even though 2027 is not.
    assert not cal.add_workdays(D(2026, 12, 1), 5).provisional


def test_a_2027_date_is_refused_in_strict_mode() -> None:
    strict = WorkCalendar(strict=True)
    with pytest.raises(CalendarNotKnownError, match="2027"):
        strict.add_workdays(D(2026, 12, 24), 10)
    with pytest.raises(CalendarNotKnownError):
        strict.is_workday(D(2027, 3, 1))
    # A per-call choice overrides the calendar's default either way.
    assert strict.add_workdays(D(2026, 12, 24), 10, strict=False).provisional
    with pytest.raises(CalendarNotKnownError):
        WorkCalendar().workdays_between(D(2026, 12, 1), D(2027, 1, 10), strict=True)
    # Known questions are answered in strict mode.
    assert strict.add_workdays(D(2026, 9, 28), 10) == (D(2026, 10, 16), False)


# What an administrator would enter for 2027 (a test calendar, not the State Council's notice).
ADMIN_2027 = [
    Override(D(2027, 1, 1), False, "New Year's Day"),
    *(Override(D(2027, 2, 6) + dt.timedelta(days=i), False, "Spring Festival") for i in range(9)),
    Override(D(2027, 2, 20), True, "Spring Festival"),
]


def test_an_administrator_declared_year_is_known() -> None:
    cal = WorkCalendar(ADMIN_2027, declared_years=[2027])
    assert cal.known_years()[2027] == "administrator"
    assert cal.known_years()[2026] == "library"
    assert cal.is_workday(D(2027, 1, 1)) == (False, False)
    assert cal.is_workday(D(2027, 2, 20)) == (True, False)  # Saturday, adjusted
    assert cal.day_info(D(2027, 2, 20)).source == "administrator"
    # 2027-02-05 (Fri) + 1 → 2027-02-15 (Mon) after the declared Spring Festival; + 6 → Sat 02-20
    assert cal.add_workdays(D(2027, 2, 5), 1) == (D(2027, 2, 15), False)
    assert cal.add_workdays(D(2027, 2, 5), 6) == (D(2027, 2, 20), False)
    with pytest.raises(CalendarNotKnownError):
        WorkCalendar(ADMIN_2027, strict=True).add_workdays(D(2027, 2, 5), 1)
    WorkCalendar(ADMIN_2027, declared_years=[2027], strict=True).add_workdays(D(2027, 2, 5), 1)


def test_overrides_without_a_declaration_stay_provisional() -> None:
    cal = WorkCalendar(ADMIN_2027)
    assert 2027 not in cal.known_years()
    answer = cal.add_workdays(D(2027, 2, 5), 1)
    assert answer == (D(2027, 2, 15), True)  # the entered holidays count, the answer is still provisional
    # A day the administrator stated is itself certain.
    assert cal.is_workday(D(2027, 1, 1)) == (False, False)
    assert unknown_years(cal, D(2026, 1, 1), D(2028, 1, 1)) == [2027, 2028]


def test_an_override_corrects_a_library_year() -> None:
    cal = WorkCalendar([Override(D(2026, 3, 2), False, "Local holiday")])
    assert cal.is_workday(D(2026, 3, 2)) == (False, False)
    assert cal.add_workdays(D(2026, 2, 27), 1).date == D(2026, 2, 28)
    assert cal.add_workdays(D(2026, 2, 27), 2).date == D(2026, 3, 3)
    assert cal.known_years()[2026] == "library"


def test_counting_backwards_is_negative(cal: WorkCalendar) -> None:
    assert cal.workdays_between(D(2026, 10, 16), D(2026, 9, 28)) == -10
    assert cal.workdays_between(D(2026, 10, 1), D(2026, 10, 1)) == 0
    assert cal.workdays_between(D(2026, 9, 30), D(2026, 10, 7)) == 0


def test_bad_input_is_refused_with_a_message(cal: WorkCalendar) -> None:
    with pytest.raises(WorkCalendarError, match="0 or more"):
        cal.add_workdays(D(2026, 1, 5), -1)
    with pytest.raises(WorkCalendarError, match="integer"):
        cal.add_workdays(D(2026, 1, 5), 1.5)  # type: ignore[arg-type]
    with pytest.raises(WorkCalendarError, match="YYYY-MM-DD"):
        parse_date("2026-13-01")
    assert parse_date(" 2026-09-28 ") == D(2026, 9, 28)


def _brute_force_add(start: dt.date, n: int) -> dt.date:
    day, found = start, 0
    while found < n:
        day += dt.timedelta(days=1)
        found += chinese_calendar.is_workday(day)
    return day


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=D(2004, 1, 1), max_value=D(2024, 12, 31)),  # + 400 working days stays in 2026
    n=st.integers(min_value=0, max_value=400),
)
def test_arithmetic_matches_a_day_by_day_count(start: dt.date, n: int) -> None:
    cal = WorkCalendar()
    result, provisional = cal.add_workdays(start, n)
    assert result == _brute_force_add(start, n)
    assert not provisional
    assert cal.workdays_between(start, result) == n
    if n:
        assert cal.is_workday(result).workday
