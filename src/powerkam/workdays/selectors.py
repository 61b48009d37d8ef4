"""Reads of the working-day calendar for the rest of PowerKAM.

:func:`work_calendar` is what visits, outages and service tickets call: the official calendar
from the library plus the administrator's entries, built once per process and rebuilt only when
the entries change (checked with one cheap query, so every process — web server, worker —
sees a change at once).
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from powerkam.analytics.workcal import (
    CalendarNotKnownError,
    DateAnswer,
    DayInfo,
    Override,
    WorkCalendar,
    WorkCalendarError,
    unknown_years,
)
from powerkam.core.errors import ApplicationError
from powerkam.workdays.models import CalendarOverride, CalendarYear

_lock = threading.Lock()
_cache: dict[tuple[Any, ...], WorkCalendar] = {}


def _fingerprint() -> tuple[Any, ...]:
    o = CalendarOverride.objects.aggregate(n=Count("id"), t=Max("updated_at"), i=Max("id"))
    y = CalendarYear.objects.aggregate(n=Count("id"), t=Max("updated_at"), i=Max("id"))
    return (o["n"], o["t"], o["i"], y["n"], y["t"], y["i"])


def work_calendar(*, strict: bool = False) -> WorkCalendar:
    """The calendar PowerKAM works on: library + active overrides + declared complete years."""
    key = (strict, *_fingerprint())
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    overrides = [
        Override(date=o.date, is_workday=o.is_workday, name=o.name)
        for o in CalendarOverride.objects.filter(archived=False).only("date", "is_workday", "name")
    ]
    declared = CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
    built = WorkCalendar(overrides, declared_years=list(declared), strict=strict)
    with _lock:
        _cache.clear()  # older fingerprints are stale for good
        _cache[key] = built
    return built


def calendar_error_message(exc: WorkCalendarError) -> str:
    if isinstance(exc, CalendarNotKnownError):
        return not_known_message(exc.year)
    return str(exc)


def not_known_message(year: int) -> str:
    return _(
        "The working-day calendar for %(year)s is not known yet: the State Council's holiday notice for "
        "%(year)s has not been entered. An administrator can import the year on the calendar page or with "
        "'powerkam calendar import-year FILE'."
    ) % {"year": year}


def provisional_warning(years: list[int]) -> str:
    return _(
        "Provisional: the holiday notice for %(years)s is not known yet, so only the statutory holidays of the "
        "national regulation and the weekends were counted as days off; adjusted working days are not known. "
        "The date may move once an administrator enters the notice."
    ) % {"years": ", ".join(str(y) for y in years)}


@dataclass(frozen=True)
class WorkdaysResult:
    start: dt.date
    n: int
    date: dt.date
    provisional: bool
    warning: str

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"date": self.date.isoformat(), "provisional": self.provisional}
        if self.warning:
            data["warning"] = self.warning
        return data


def workdays_add(*, start: dt.date, n: int, strict: bool = False) -> WorkdaysResult:
    """The n-th working day strictly after ``start`` (docs/rules.md §3), with a warning when provisional."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ApplicationError(_("The number of working days must be a whole number."))
    if n < 0:
        raise ApplicationError(_("The number of working days must be 0 or more, not %(n)s.") % {"n": n})
    cal = work_calendar()
    try:
        answer: DateAnswer = cal.add_workdays(start, n, strict=strict)
    except WorkCalendarError as exc:
        raise ApplicationError(calendar_error_message(exc)) from None
    warning = ""
    if answer.provisional:
        warning = provisional_warning(unknown_years(cal, start + dt.timedelta(days=1), answer.date))
    return WorkdaysResult(start, n, answer.date, answer.provisional, warning)


@dataclass(frozen=True)
class DayStatus:
    date: dt.date
    workday: bool
    provisional: bool
    kind: str
    name: str
    source: str
    warning: str

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "date": self.date.isoformat(),
            "is_workday": self.workday,
            "provisional": self.provisional,
            "kind": self.kind,
            "name": self.name,
            "source": self.source,
        }
        if self.warning:
            data["warning"] = self.warning
        return data


def workday_status(*, day: dt.date, strict: bool = False) -> DayStatus:
    cal = work_calendar()
    try:
        cal.is_workday(day, strict=strict)
    except WorkCalendarError as exc:
        raise ApplicationError(calendar_error_message(exc)) from None
    info = cal.day_info(day)
    warning = provisional_warning([day.year]) if info.provisional else ""
    return DayStatus(day, info.workday, info.provisional, info.kind, info.name, info.source, warning)


#: Holiday names as the library spells them → translated names for people.
def holiday_label(name: str) -> str:
    labels = {
        "New Year's Day": pgettext("holiday", "New Year's Day"),
        "Spring Festival": pgettext("holiday", "Spring Festival"),
        "Tomb-sweeping Day": pgettext("holiday", "Tomb-sweeping Day"),
        "Labour Day": pgettext("holiday", "Labour Day"),
        "Dragon Boat Festival": pgettext("holiday", "Dragon Boat Festival"),
        "National Day": pgettext("holiday", "National Day"),
        "Mid-autumn Festival": pgettext("holiday", "Mid-autumn Festival"),
        "Anti-Fascist 70th Day": pgettext("holiday", "Anti-Fascist 70th Day"),
    }
    return labels.get(name, name)


@dataclass(frozen=True)
class YearStatus:
    year: int
    known: bool
    source: str
    overrides: int
    source_note: str
    declared_by: str
    declared_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "known": self.known,
            "source": self.source,
            "overrides": self.overrides,
            "source_note": self.source_note,
            "declared_by": self.declared_by,
            "declared_at": self.declared_at.isoformat() if self.declared_at else None,
        }


def calendar_status(*, today: dt.date | None = None) -> dict[str, Any]:
    """Which years are known and from where; which years ahead still need the administrator."""
    cal = work_calendar()
    today = today or timezone.localdate()
    known = cal.known_years()
    counts = dict(
        CalendarOverride.objects.filter(archived=False)
        .values_list("year")
        .annotate(n=Count("id"))
        .values_list("year", "n")
    )
    declared = {y.year: y for y in CalendarYear.objects.select_related("declared_by")}
    years = sorted(set(known) | set(counts) | set(declared) | {today.year, today.year + 1})
    rows = []
    for year in years:
        entry = declared.get(year)
        source = known.get(year, "overrides only" if counts.get(year) else "")
        rows.append(
            YearStatus(
                year=year,
                known=year in known,
                source=source,
                overrides=counts.get(year, 0),
                source_note=entry.source_note if entry else "",
                declared_by=entry.declared_by.get_username() if entry and entry.declared_by else "",
                declared_at=entry.declared_at if entry else None,
            )
        )
    library_years = [y for y, s in known.items() if "library" in s]
    missing_ahead = [y for y in (today.year, today.year + 1) if y not in known]
    return {
        "library_years": [min(library_years), max(library_years)] if library_years else [],
        "years": rows,
        "needs_attention": missing_ahead,
    }


@dataclass(frozen=True)
class MonthGrid:
    year: int
    month: int
    weeks: list[list[DayInfo | None]]


def calendar_year_grid(*, year: int) -> list[MonthGrid]:
    """Twelve month grids (weeks Monday → Sunday) for the year view."""
    cal = work_calendar()
    months = []
    for month in range(1, 13):
        weeks = [
            [cal.day_info(day) if day.month == month else None for day in week]
            for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        months.append(MonthGrid(year, month, weeks))
    return months


def overrides_for_year(*, year: int) -> list[CalendarOverride]:
    return list(CalendarOverride.objects.filter(year=year).order_by("date"))
