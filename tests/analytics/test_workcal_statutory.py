"""The calendar beyond the notice: the statutory rest days of the national regulation (docs/rules.md §3).

《全国年节及纪念日放假办法》 as revised in 2024: 元旦 1, 春节 4 (除夕 … 初三), 清明 1, 劳动节 2, 端午 1,
中秋 1, 国庆 3. For a year without a notice these days and the weekends are rest days, every other
weekday a working day, all provisional.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from powerkam.analytics.workcal import (
    Override,
    WorkCalendar,
    regulation_days,
    statutory_days_not_off,
    statutory_rest_days,
)

D = dt.date


# ---- the worked examples of docs/rules.md §3 -------------------------------------------------------


def test_rules_md_new_years_day_2027_is_a_provisional_rest_day() -> None:
    cal = WorkCalendar()
    assert D(2027, 1, 1).weekday() == 4  # a Friday
    assert cal.is_workday(D(2027, 1, 1)) == (False, True)
    info = cal.day_info(D(2027, 1, 1))
    assert (info.kind, info.name, info.provisional, info.source) == ("holiday", "New Year's Day", True, "regulation")


def test_rules_md_spring_festival_2027_starts_on_new_years_eve() -> None:
    cal = WorkCalendar()
    assert D(2027, 2, 5).weekday() == 4  # 除夕 is a Friday
    for day in (D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)):
        assert cal.is_workday(day) == (False, True), day
        assert cal.day_info(day).name == "Spring Festival"
    assert cal.is_workday(D(2027, 2, 4)) == (True, True)  # Thursday: a provisional working day
    assert cal.is_workday(D(2027, 2, 9)) == (True, True)  # 初四: the regulation stops at 初三


def test_national_day_2027_is_a_provisional_rest_day() -> None:
    """`powerkam calendar is-workday 2027-10-01` said "working day" (issue 19)."""
    cal = WorkCalendar()
    for day in (D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)):
        assert cal.is_workday(day) == (False, True)
    assert cal.is_workday(D(2027, 10, 4)) == (True, True)  # no notice, no bridging days


# ---- the regulation's days ----------------------------------------------------------------------


def test_the_statutory_days_of_2027() -> None:
    assert statutory_rest_days(2027) == {
        D(2027, 1, 1): "New Year's Day",
        D(2027, 2, 5): "Spring Festival",  # 除夕
        D(2027, 2, 6): "Spring Festival",  # 正月初一
        D(2027, 2, 7): "Spring Festival",
        D(2027, 2, 8): "Spring Festival",  # 初三
        D(2027, 4, 5): "Tomb-sweeping Day",  # 清明 (solar term)
        D(2027, 5, 1): "Labour Day",
        D(2027, 5, 2): "Labour Day",
        D(2027, 6, 9): "Dragon Boat Festival",  # 五月初五
        D(2027, 9, 15): "Mid-autumn Festival",  # 八月十五
        D(2027, 10, 1): "National Day",
        D(2027, 10, 2): "National Day",
        D(2027, 10, 3): "National Day",
    }


def test_eleven_days_a_year_and_twelve_months_of_29_days_are_handled() -> None:
    for year in range(2025, 2100):
        days = statutory_rest_days(year)
        # 13 dates; one fewer when 中秋 falls on 1–3 October (2028-10-03, …)
        assert len(days) in (12, 13), year
        spring = sorted(d for d, name in days.items() if name == "Spring Festival")
        assert len(spring) == 4, year
        assert (spring[-1] - spring[0]).days == 3, year


def test_mid_autumn_on_national_day_is_one_rest_day() -> None:
    assert statutory_rest_days(2028)[D(2028, 10, 3)] == "National Day"
    assert "Mid-autumn Festival" not in statutory_rest_days(2028).values()


def test_before_the_revision_and_beyond_the_lunar_tables_nothing_is_computed() -> None:
    assert statutory_rest_days(2024) == {}
    assert statutory_rest_days(2100) == {}
    cal = WorkCalendar()
    assert cal.is_workday(D(2100, 1, 1)) == (True, True)  # a Friday, weekends only


def test_the_regulation_agrees_with_the_notices_the_library_knows() -> None:
    """2025 and 2026 follow the revised regulation: every statutory day is a holiday of the notice."""
    for year in (2025, 2026):
        for day, name in statutory_rest_days(year).items():
            off, library_name = chinese_calendar.get_holiday_detail(day)
            assert off, day
            if day.weekday() < 5:
                assert library_name in (name, "National Day", "Mid-autumn Festival"), (day, library_name)


@pytest.mark.parametrize("year", range(2008, 2027))
def test_lunar_and_solar_term_dates_match_every_known_notice(year: int) -> None:
    """正月初一–初三, 清明, 端午 and 中秋 computed from the lunar tables fall on the notices' holidays."""
    computed = regulation_days(year)
    new_year_eve = min(d for d, name in computed.items() if name == "Spring Festival")
    for day in (new_year_eve + dt.timedelta(days=i) for i in (1, 2, 3)):
        assert chinese_calendar.get_holiday_detail(day) == (True, "Spring Festival"), day
    for day, name in computed.items():
        if name in ("Tomb-sweeping Day", "Dragon Boat Festival", "Mid-autumn Festival"):
            off, library_name = chinese_calendar.get_holiday_detail(day)
            assert off, (day, name)
            if library_name is not None:  # the library leaves some weekend days of a holiday unnamed
                assert library_name in (name, "National Day", "Anti-Fascist 70th Day"), (day, name, library_name)


# ---- arithmetic and provisional answers -----------------------------------------------------------


def test_adding_working_days_skips_provisional_holidays() -> None:
    cal = WorkCalendar()
    # 2027-02-04 (Thu) + 1 → Tue 02-09: 除夕 (Fri), the weekend and 初三 (Mon) are off
    assert cal.add_workdays(D(2027, 2, 4), 1) == (D(2027, 2, 9), True)
    # 2027-09-30 (Thu) + 1 → Mon 10-04: National Day 10-01..03
    assert cal.add_workdays(D(2027, 9, 30), 1) == (D(2027, 10, 4), True)
    assert cal.count_workdays(D(2027, 1, 1), D(2027, 12, 31)).provisional


def test_working_days_of_a_provisional_year() -> None:
    cal = WorkCalendar()
    weekdays = sum(1 for i in range(365) if (D(2027, 1, 1) + dt.timedelta(days=i)).weekday() < 5)
    statutory_on_weekdays = sum(1 for d in statutory_rest_days(2027) if d.weekday() < 5)
    assert (weekdays, statutory_on_weekdays) == (261, 7)  # 01-01, 02-05, 02-08, 04-05, 06-09, 09-15, 10-01
    assert cal.count_workdays(D(2026, 12, 31), D(2027, 12, 31)) == (254, True)


def test_a_declared_year_keeps_the_statutory_days_even_without_entries() -> None:
    cal = WorkCalendar(declared_years=[2027])
    assert cal.is_workday(D(2027, 1, 1)) == (False, False)
    assert cal.day_info(D(2027, 6, 9)).source == "regulation"


def test_an_administrators_entry_wins_over_the_regulation() -> None:
    cal = WorkCalendar([Override(D(2027, 6, 9), True, "Correction")])
    assert cal.is_workday(D(2027, 6, 9)) == (True, False)


# ---- a notice must cover the statutory days --------------------------------------------------------


def test_a_notice_that_leaves_a_statutory_weekday_worked_is_incomplete() -> None:
    off = [d for d in statutory_rest_days(2027) if d != D(2027, 2, 5)]
    assert statutory_days_not_off(2027, off, []) == [(D(2027, 2, 5), "Spring Festival")]
    # the weekend statutory days (02-06, 02-07, 05-01, 05-02, 10-02, 10-03) need no row
    weekdays_only = [d for d in statutory_rest_days(2027) if d.weekday() < 5]
    assert statutory_days_not_off(2027, weekdays_only, []) == []
    # … but may not be listed as worked
    assert statutory_days_not_off(2027, weekdays_only, [D(2027, 5, 1)]) == [(D(2027, 5, 1), "Labour Day")]
