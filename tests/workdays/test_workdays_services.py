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
        "holidays": 15,
        "adjusted_workdays": 2,
        "created": 17,
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
    shorter = "\n".join(line for line in year_2027_csv.splitlines() if not line.startswith("2027-10"))
    shorter = shorter.replace("2027-02-20,1,", "2027-02-20,0,")
    report = services.calendar_year_import(text=shorter + "\n")
    assert (report.created, report.updated, report.archived) == (0, 1, 6)
    withdrawn = CalendarOverride.objects.get(date=D(2027, 10, 1))
    assert withdrawn.archived  # kept, not deleted
    assert withdrawn.history.count() == 2
    cal = selectors.work_calendar()
    assert cal.is_workday(D(2027, 10, 1)) == (True, False)  # back to the plain rule, the year still declared
    assert cal.is_workday(D(2027, 2, 20)) == (False, False)


def test_a_bad_file_changes_nothing(year_2027_csv: str) -> None:
    bad = year_2027_csv + "2027-13-01,0,Bad\n2027-03-01,maybe,Odd\n2028-01-01,0,Next year\n2027-01-01,0,Twice\n"
    with pytest.raises(ApplicationError) as caught:
        services.calendar_year_import(text=bad)
    errors = caught.value.extra["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(19, "date"), (20, "is_workday"), (21, "date"), (22, "date")]
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
