"""Entering the calendar: one date, a declared year, a whole year's file."""

from __future__ import annotations

import datetime as dt

import pytest

from powerkam.core.errors import ApplicationError
from powerkam.workdays import selectors, services
from powerkam.workdays.models import CalendarOverride, CalendarYear

D = dt.date
pytestmark = pytest.mark.django_db


def test_import_year_makes_2027_known(year_2027_csv: str) -> None:
    assert selectors.workdays_add(start=D(2027, 2, 5), n=1).provisional
    report = services.calendar_year_import(text=year_2027_csv, source_note="test notice")
    assert report.as_dict() == {
        "year": 2027,
        "holidays": 25,
        "adjusted_workdays": 3,
        "created": 28,
        "updated": 0,
        "archived": 0,
    }
    assert CalendarYear.objects.get(year=2027).complete
    result = selectors.workdays_add(start=D(2027, 2, 5), n=1)
    assert (result.date, result.provisional, result.warning) == (D(2027, 2, 15), False, "")
    # Saturday 2027-02-20 is worked; National Day off
    assert selectors.workdays_add(start=D(2027, 2, 19), n=1).date == D(2027, 2, 20)
    assert selectors.workdays_add(start=D(2027, 9, 30), n=1).date == D(2027, 10, 8)
    assert selectors.work_calendar().known_years()[2027] == "administrator"


def test_reimport_replaces_the_year_and_keeps_history(year_2027_csv: str) -> None:
    services.calendar_year_import(text=year_2027_csv)
    # The notice's National Day week shrinks to the statutory days (10-01 … 10-03).
    dropped = ("2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07", "2027-10-09")
    shorter = "\n".join(line for line in year_2027_csv.splitlines() if not line.startswith(dropped))
    shorter = shorter.replace("2027-02-20,1,", "2027-02-20,0,")
    report = services.calendar_year_import(text=shorter + "\n")
    assert (report.created, report.updated, report.archived) == (0, 1, 5)
    withdrawn = CalendarOverride.objects.get(date=D(2027, 10, 4))
    assert withdrawn.archived  # kept, not deleted
    assert withdrawn.history.count() == 2
    cal = selectors.work_calendar()
    assert cal.is_workday(D(2027, 10, 4)) == (True, False)  # back to the plain rule, the year still declared
    assert cal.is_workday(D(2027, 10, 1)) == (False, False)
    assert cal.is_workday(D(2027, 2, 20)) == (False, False)


def test_a_bad_file_changes_nothing(year_2027_csv: str) -> None:
    bad = year_2027_csv + "2027-13-01,0,Bad\n2027-03-01,maybe,Odd\n2028-01-01,0,Next year\n2027-01-01,0,Twice\n"
    with pytest.raises(ApplicationError) as caught:
        services.calendar_year_import(text=bad)
    errors = caught.value.extra["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(30, "date"), (31, "is_workday"), (32, "date"), (33, "date")]
    assert "nothing was changed" in caught.value.message
    assert not CalendarOverride.objects.exists()
    assert not CalendarYear.objects.exists()


def test_a_file_without_the_columns_is_refused() -> None:
    with pytest.raises(ApplicationError, match="is_workday"):
        services.calendar_year_import(text="day,name\n2027-01-01,x\n")


def test_a_file_spanning_years_is_refused() -> None:
    with pytest.raises(ApplicationError) as caught:
        services.calendar_year_import(text="date,is_workday,name\n2027-01-01,0,a\n2027-02-01,0,b\n2028-01-01,0,c\n")
    assert caught.value.extra["errors"] == [
        {"row": 4, "column": "date", "value": "2028-01-01", "reason": "not in 2027"}
    ]


def test_one_date_overrides_and_is_withdrawn() -> None:
    override = services.calendar_override_set(date=D(2026, 3, 2), is_workday=False, name="Local holiday")
    assert selectors.work_calendar().is_workday(D(2026, 3, 2)) == (False, False)
    services.calendar_override_archive(override=override)
    assert selectors.work_calendar().is_workday(D(2026, 3, 2)) == (True, False)
    with pytest.raises(ApplicationError, match="already withdrawn"):
        services.calendar_override_archive(override=override)


def test_declaring_a_year_without_entries_is_the_administrators_call() -> None:
    services.calendar_year_declare(year=2028, source_note="no changes")
    assert not selectors.workdays_add(start=D(2028, 3, 1), n=3).provisional
    services.calendar_year_declare(year=2028, complete=False)
    assert selectors.workdays_add(start=D(2028, 3, 1), n=3).provisional


def test_implausible_year_is_refused() -> None:
    with pytest.raises(ApplicationError, match="plausible"):
        services.calendar_year_declare(year=1800)


def test_a_year_file_must_give_every_statutory_holiday_off(year_2027_csv: str) -> None:
    """docs/rules.md §3: the regulation's days are off in every notice; a file that misses one is refused."""
    # The Spring Festival as the notices before 2025 gave it: from 正月初一, without 除夕 (Friday 02-05),
    # and the Dragon Boat Festival forgotten.
    lines = [line for line in year_2027_csv.splitlines() if not line.startswith(("2027-02-05", "2027-06-09"))]
    with pytest.raises(ApplicationError) as caught:
        services.calendar_year_import(text="\n".join(lines) + "\n")
    message = caught.value.message
    assert "2027-02-05 (Spring Festival)" in message
    assert "2027-06-09 (Dragon Boat Festival)" in message
    assert "nothing was changed" in message
    assert caught.value.extra["missing"] == [
        {"date": "2027-02-05", "name": "Spring Festival"},
        {"date": "2027-06-09", "name": "Dragon Boat Festival"},
    ]
    assert not CalendarOverride.objects.exists()
    assert not CalendarYear.objects.exists()
    # A statutory day stated as worked is refused the same way.
    worked = year_2027_csv.replace("2027-09-15,0,", "2027-09-15,1,")
    with pytest.raises(ApplicationError, match="2027-09-15"):
        services.calendar_year_import(text=worked)


def test_statutory_days_on_a_weekend_need_no_row(year_2027_csv: str) -> None:
    weekend = ("2027-02-06", "2027-02-07", "2027-05-01", "2027-05-02", "2027-10-02", "2027-10-03")
    lines = [line for line in year_2027_csv.splitlines() if not line.startswith(weekend)]
    report = services.calendar_year_import(text="\n".join(lines) + "\n")
    assert report.holidays == 19
    cal = selectors.work_calendar()
    assert cal.is_workday(D(2027, 10, 2)) == (False, False)


def test_is_workday_beyond_the_notice_says_rest_day_provisional() -> None:
    status = selectors.workday_status(day=D(2027, 10, 1))
    assert status.as_dict() | {"warning": ""} == {
        "date": "2027-10-01",
        "is_workday": False,
        "provisional": True,
        "kind": "holiday",
        "name": "National Day",
        "source": "regulation",
        "warning": "",
    }
    assert "statutory holidays" in status.warning
