"""The calendar other apps work on."""

from __future__ import annotations

import datetime as dt

import pytest

from powerkam.core.errors import ApplicationError
from powerkam.workdays import selectors, services
from powerkam.workdays.models import CalendarOverride

D = dt.date
pytestmark = pytest.mark.django_db


def test_rules_md_example() -> None:
    result = selectors.workdays_add(start=D(2026, 9, 28), n=10)
    assert result.as_dict() == {"date": "2026-10-16", "provisional": False}


def test_a_2027_date_is_provisional_with_a_warning_naming_the_year() -> None:
    result = selectors.workdays_add(start=D(2026, 12, 24), n=10)
    assert result.provisional
    assert "2027" in result.warning
    assert result.as_dict()["warning"] == result.warning


def test_strict_refuses_a_2027_date() -> None:
    with pytest.raises(ApplicationError, match="2027"):
        selectors.workdays_add(start=D(2026, 12, 24), n=10, strict=True)


def test_negative_n_is_refused() -> None:
    with pytest.raises(ApplicationError, match="0 or more"):
        selectors.workdays_add(start=D(2026, 1, 5), n=-1)


def test_the_calendar_is_cached_until_an_entry_changes() -> None:
    first = selectors.work_calendar()
    assert selectors.work_calendar() is first
    services.calendar_override_set(date=D(2026, 3, 2), is_workday=False)
    second = selectors.work_calendar()
    assert second is not first
    assert not second.is_workday(D(2026, 3, 2)).workday
    # A change made behind the services' back (admin site, another process) is seen too.
    CalendarOverride.objects.filter(date=D(2026, 3, 2)).update(is_workday=True, updated_at=dt.datetime.now(dt.UTC))
    assert selectors.work_calendar().is_workday(D(2026, 3, 2)).workday


def test_status_names_the_unknown_years() -> None:
    status = selectors.calendar_status(today=D(2026, 11, 27))
    assert status["library_years"] == [2004, 2026]
    assert status["needs_attention"] == [2027]
    by_year = {y.year: y for y in status["years"]}
    assert by_year[2026].known
    assert by_year[2026].source == "library"
    assert not by_year[2027].known


def test_year_grid_marks_national_day_2026() -> None:
    months = selectors.calendar_year_grid(year=2026)
    october = months[9]
    days = {d.date: d for week in october.weeks for d in week if d}
    assert len(days) == 31
    assert days[D(2026, 10, 1)].kind == "holiday"
    assert days[D(2026, 10, 10)].kind == "adjusted_workday"
    assert days[D(2026, 10, 11)].kind == "weekend"
    assert october.weeks[0][0] is None  # October 2026 starts on a Thursday


def test_holiday_labels_are_translated() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        assert selectors.holiday_label("Spring Festival") == "春节"
        assert selectors.holiday_label("Local holiday") == "Local holiday"
