"""The official PRC working-day calendar (docs/rules.md §3), pure Python.

Working days come from the State Council's holiday notices: public holidays are off, adjusted
(调休) weekend days are worked. The ``chinese_calendar`` library carries the notices it knows
(2004–2026 in 1.11.0); an administrator extends the calendar with *overrides* (a date and whether
it is worked) and by *declaring* a year complete once its notice has been entered (the next
year's notice appears each November).

A year is **known** when the library knows it or an administrator declared it. A day in an
unknown year is never silently treated as known: it is computed from the national holiday
regulation (docs/rules.md §3: the statutory rest days of 《全国年节及纪念日放假办法》 as revised in
2024 — :func:`statutory_rest_days`, lunar dates from ``lunardate``, the Qingming solar term from
``chinese_calendar``) plus the weekends, and marked *provisional* — the adjusted working days (调休)
are unknown until the notice is entered — or, in strict mode, refused with
:class:`CalendarNotKnownError`.

"N working days after D" (:meth:`WorkCalendar.add_workdays`) counts the working days strictly
after D; the N-th one is the result. Example from docs/rules.md: 2026-09-28 + 10 → 2026-10-16.

The calendar keeps one table per year (a flag per day and running counts), built once and
reused, so visit planning and outage windows can ask it millions of questions cheaply.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

import chinese_calendar
from chinese_calendar.solar_terms import SolarTerms
from lunardate import LunarDate

DayKind = Literal["workday", "weekend", "holiday", "adjusted_workday"]
DayType = Literal["working", "non-working"]
YearSource = Literal["library", "administrator", "library+administrator"]

#: Saturday and Sunday: days off unless a notice makes them adjusted working days.
_WEEKEND = (5, 6)

#: The first year of the national holiday regulation as revised in 2024 (国务院令第798号), in force
#: from 1 January 2025 (docs/rules.md §3). Before it, the library's notices are the only source.
STATUTORY_FIRST_YEAR = 2025
#: The last year whose lunar dates ``lunardate`` knows (its table ends with 2099).
STATUTORY_LAST_YEAR = 2099

#: Holiday names as ``chinese_calendar`` spells them, so one translation table serves both.
NEW_YEAR = "New Year's Day"
SPRING_FESTIVAL = "Spring Festival"
QINGMING = "Tomb-sweeping Day"
LABOUR_DAY = "Labour Day"
DRAGON_BOAT = "Dragon Boat Festival"
MID_AUTUMN = "Mid-autumn Festival"
NATIONAL_DAY = "National Day"


class WorkCalendarError(ValueError):
    """A question the calendar cannot answer (bad input, or a date beyond the known calendar)."""


class CalendarNotKnownError(WorkCalendarError):
    """Strict mode: the answer depends on a year whose holiday notice is not known yet."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"The working-day calendar for {year} is not known yet: the State Council's holiday notice "
            f"for {year} has not been entered. An administrator can import the year "
            f"(powerkam calendar import-year FILE) or declare it on the calendar page."
        )


@dataclass(frozen=True)
class Override:
    """An administrator's statement about one date: worked or not, and why (holiday name)."""

    date: dt.date
    is_workday: bool
    name: str = ""


class DayAnswer(NamedTuple):
    workday: bool
    provisional: bool


class DateAnswer(NamedTuple):
    date: dt.date
    provisional: bool


class CountAnswer(NamedTuple):
    workdays: int
    provisional: bool


@dataclass(frozen=True)
class DayInfo:
    """Everything the year view shows about one day."""

    date: dt.date
    workday: bool
    kind: DayKind
    name: str
    provisional: bool
    #: "regulation": a statutory rest day computed from the national regulation (docs/rules.md §3)
    source: Literal["library", "administrator", "regulation", "weekend rule"]


class _YearTable:
    """Working-day flags of one year plus running counts for O(log n) arithmetic."""

    __slots__ = ("cumulative", "flags", "known", "overridden", "workday_ordinals", "year")

    def __init__(self, year: int, flags: list[bool], known: bool, overridden: list[int]) -> None:
        self.year = year
        #: sorted day-of-year indices that an administrator stated individually
        self.overridden = overridden
        self.flags = flags
        self.known = known
        running = 0
        cumulative = []
        for flag in flags:
            running += flag
            cumulative.append(running)
        #: cumulative[i] = working days among days 0..i of the year
        self.cumulative = cumulative
        #: day-of-year indices (0-based) of the working days, in order
        self.workday_ordinals = [i for i, flag in enumerate(flags) if flag]

    @property
    def total(self) -> int:
        return self.cumulative[-1]

    def count_through(self, index: int) -> int:
        """Working days among days 0..index (index −1 → 0)."""
        return self.cumulative[index] if index >= 0 else 0


def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@functools.lru_cache(maxsize=128)
def statutory_rest_days(year: int) -> dict[dt.date, str]:
    """The statutory rest days of ``year`` under the national regulation (docs/rules.md §3).

    《全国年节及纪念日放假办法》 as revised in 2024: 元旦 1 day (1 January); 春节 4 days (农历除夕 and
    正月初一 to 初三); 清明 1 day (the day of the solar term); 劳动节 2 days (1–2 May); 端午 1 day
    (农历五月初五); 中秋 1 day (农历八月十五); 国庆 3 days (1–3 October). 11 days, fixed by law for
    any year; the yearly notice only adds the bridging days and the adjusted working days.

    Empty before 2025 (the regulation's earlier versions are not modelled: the library's notices
    cover those years) and after 2099 (beyond the lunar tables).
    """
    if not STATUTORY_FIRST_YEAR <= year <= STATUTORY_LAST_YEAR:
        return {}
    return regulation_days(year)


def regulation_days(year: int) -> dict[dt.date, str]:
    """The days of the 2024 regulation computed for any year the lunar tables know (1900–2099).

    :func:`statutory_rest_days` applies them from 2025; this function is also what tests compare
    with the library's notices of earlier years (the festivals fall inside their holidays). When two
    fall on one day (中秋 on 3 October 2028) the day is named once, as National Day.
    """
    days: dict[dt.date, str] = {dt.date(year, 1, 1): NEW_YEAR}
    new_year = LunarDate(year, 1, 1).to_solar_date()  # 正月初一
    for offset in range(-1, 3):  # 除夕 (the day before, whether the 12th month has 29 or 30 days) … 初三
        days[new_year + dt.timedelta(days=offset)] = SPRING_FESTIVAL
    terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
    qingming = [d for d, name in terms if name == SolarTerms.pure_brightness.value[1]]
    days[qingming[0]] = QINGMING
    days[dt.date(year, 5, 1)] = LABOUR_DAY
    days[dt.date(year, 5, 2)] = LABOUR_DAY
    days[LunarDate(year, 5, 5).to_solar_date()] = DRAGON_BOAT
    days[LunarDate(year, 8, 15).to_solar_date()] = MID_AUTUMN
    for day in (1, 2, 3):
        days[dt.date(year, 10, day)] = NATIONAL_DAY
    return dict(sorted(days.items()))


def statutory_days_not_off(
    year: int, days_off: Iterable[dt.date], workdays: Iterable[dt.date]
) -> list[tuple[dt.date, str]]:
    """The statutory rest days of ``year`` that a notice's entries would leave as working days.

    A notice must give every statutory day off (docs/rules.md §3): one listed as a working day, or
    a weekday not listed at all, is missing. A statutory day on a weekend that is not listed is a
    day off anyway (the weekend), so it is not missing.
    """
    off, worked = set(days_off), set(workdays)
    return [
        (day, name)
        for day, name in statutory_rest_days(year).items()
        if day in worked or (day not in off and day.weekday() not in _WEEKEND)
    ]


def _check_date(value: object, what: str = "date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise WorkCalendarError(f"{what} must be a date, not {value!r}")
    return value


class WorkCalendar:
    """The working-day calendar: library data + administrator overrides + declared years.

    ``strict=False`` (default): days in unknown years follow the statutory rest days and weekends and every
    answer that depends on one is marked provisional. ``strict=True``: such questions raise
    :class:`CalendarNotKnownError`. Each method also takes ``strict=`` to decide per call.
    """

    def __init__(
        self,
        overrides: Iterable[Override] = (),
        declared_years: Iterable[int] = (),
        *,
        strict: bool = False,
    ) -> None:
        self._overrides: dict[dt.date, Override] = {}
        for override in overrides:
            self._overrides[_check_date(override.date)] = override
        self._declared = frozenset(declared_years)
        self.strict = strict
        self._tables: dict[int, _YearTable] = {}
        self._library_years: dict[int, bool] = {}

    # -- what is known ---------------------------------------------------------------------

    def library_knows(self, year: int) -> bool:
        if year not in self._library_years:
            self._library_years[year] = _library_knows(year)
        return self._library_years[year]

    def is_known_year(self, year: int) -> bool:
        return year in self._declared or self.library_knows(year)

    def known_years(self) -> dict[int, YearSource]:
        """Every known year and where its calendar comes from."""
        years: dict[int, YearSource] = {}
        library_first = min(chinese_calendar.holidays).year
        library_last = max(chinese_calendar.holidays).year
        for year in range(library_first, library_last + 1):
            years[year] = "library"
        for year in self._declared:
            years[year] = "library+administrator" if year in years else "administrator"
        return dict(sorted(years.items()))

    def overrides_in(self, year: int) -> list[Override]:
        return sorted((o for d, o in self._overrides.items() if d.year == year), key=lambda o: o.date)

    # -- one day ---------------------------------------------------------------------------

    def day_info(self, day: dt.date) -> DayInfo:
        day = _check_date(day)
        weekend = day.weekday() in _WEEKEND
        override = self._overrides.get(day)
        if override is not None:
            if override.is_workday:
                kind: DayKind = "adjusted_workday" if weekend else "workday"
            else:
                kind = "holiday" if (override.name or not weekend) else "weekend"
            return DayInfo(day, override.is_workday, kind, override.name, False, "administrator")
        if self.library_knows(day.year):
            off, name = chinese_calendar.get_holiday_detail(day)
            workday = not off
            if name:
                kind = "holiday" if off else ("adjusted_workday" if weekend else "workday")
            else:
                kind = "weekend" if off else "workday"
            return DayInfo(day, workday, kind, name or "", False, "library")
        known = day.year in self._declared
        statutory = statutory_rest_days(day.year).get(day)
        if statutory:
            return DayInfo(day, False, "holiday", statutory, not known, "regulation")
        return DayInfo(day, not weekend, "weekend" if weekend else "workday", "", not known, "weekend rule")

    def is_workday(self, day: dt.date, *, strict: bool | None = None) -> DayAnswer:
        day = _check_date(day)
        table = self._table(day.year)
        provisional = not table.known and day not in self._overrides
        if provisional:
            self._refuse_if_strict(day.year, strict)
        return DayAnswer(table.flags[day.timetuple().tm_yday - 1], provisional)

    def day_type(self, day: dt.date, *, strict: bool | None = None) -> DayType:
        """'working' or 'non-working' — the day types of the typical load profiles (docs/rules.md §4)."""
        return "working" if self.is_workday(day, strict=strict).workday else "non-working"

    # -- arithmetic ------------------------------------------------------------------------

    def add_workdays(self, start: dt.date, n: int, *, strict: bool | None = None) -> DateAnswer:
        """The n-th working day strictly after ``start`` (n = 0 → ``start`` itself)."""
        start = _check_date(start)
        if isinstance(n, bool) or not isinstance(n, int):
            raise WorkCalendarError(f"the number of working days must be an integer, not {n!r}")
        if n < 0:
            raise WorkCalendarError(f"the number of working days must be 0 or more, not {n}")
        if n == 0:
            return DateAnswer(start, False)
        year = start.year
        index = start.timetuple().tm_yday - 1  # days after this index count
        provisional = False
        remaining = n
        while True:
            table = self._table(year)
            available = table.total - table.count_through(index)
            if available >= remaining:
                # The remaining-th working day after `index` in this year.
                target = table.workday_ordinals[table.count_through(index) + remaining - 1]
                result = dt.date(year, 1, 1) + dt.timedelta(days=target)
                provisional = provisional or self._span_provisional(table, index + 1, target, strict)
                return DateAnswer(result, provisional)
            provisional = provisional or self._span_provisional(table, index + 1, len(table.flags) - 1, strict)
            remaining -= available
            year += 1
            index = -1
            if year > dt.MAXYEAR - 1:
                raise WorkCalendarError("the result lies beyond the last date the calendar can represent")

    def count_workdays(self, start: dt.date, end: dt.date, *, strict: bool | None = None) -> CountAnswer:
        """Working days in (start, end] — negative, counted the same way, when end < start.

        So ``count_workdays(d, add_workdays(d, n).date) == n`` and an overdue ticket has a
        negative number of working days left.
        """
        start = _check_date(start)
        end = _check_date(end)
        if end < start:
            backwards, provisional = self.count_workdays(end, start, strict=strict)
            return CountAnswer(-backwards, provisional)
        total = 0
        provisional = False
        year = start.year
        first = start.timetuple().tm_yday  # index of the day after start
        while year <= end.year:
            table = self._table(year)
            last = end.timetuple().tm_yday - 1 if year == end.year else len(table.flags) - 1
            if first <= last:
                total += table.count_through(last) - table.count_through(first - 1)
                provisional = provisional or self._span_provisional(table, first, last, strict)
            year += 1
            first = 0
        return CountAnswer(total, provisional)

    def workdays_between(self, start: dt.date, end: dt.date, *, strict: bool | None = None) -> int:
        """Working days in (start, end]; negative when end < start. See :meth:`count_workdays`."""
        return self.count_workdays(start, end, strict=strict).workdays

    def workdays_in(self, first: dt.date, last: dt.date, *, strict: bool | None = None) -> list[dt.date]:
        """The working days in [first, last], in order."""
        first = _check_date(first)
        last = _check_date(last)
        days = []
        day = first
        while day <= last:
            if self.is_workday(day, strict=strict).workday:
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    # -- internals -------------------------------------------------------------------------

    def _refuse_if_strict(self, year: int, strict: bool | None) -> None:
        if self.strict if strict is None else strict:
            raise CalendarNotKnownError(year)

    def _span_provisional(self, table: _YearTable, first: int, last: int, strict: bool | None) -> bool:
        """Does any day in [first, last] of this year rest on the regulation and weekends alone?"""
        if table.known or first > last:
            return False
        # Provisional unless every day of the span was individually stated by an administrator.
        stated = bisect.bisect_right(table.overridden, last) - bisect.bisect_left(table.overridden, first)
        if stated == last - first + 1:
            return False
        self._refuse_if_strict(table.year, strict)
        return True

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            if not dt.MINYEAR <= year <= dt.MAXYEAR:
                raise WorkCalendarError(f"year {year} is outside the calendar")
            first = dt.date(year, 1, 1)
            length = (dt.date(year + 1, 1, 1) - first).days if year < dt.MAXYEAR else 365
            flags = [self.day_info(first + dt.timedelta(days=i)).workday for i in range(length)]
            overridden = sorted((d - first).days for d in self._overrides if d.year == year)
            table = _YearTable(year, flags, self.is_known_year(year), overridden)
            self._tables[year] = table
        return table


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` strictly, with a message a user understands."""
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise WorkCalendarError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def unknown_years(calendar: WorkCalendar, first: dt.date, last: dt.date) -> list[int]:
    """The years in [first, last] whose calendar is not known — for warnings that name them."""
    return [y for y in range(first.year, last.year + 1) if not calendar.is_known_year(y)]


__all__ = [
    "CalendarNotKnownError",
    "CountAnswer",
    "DateAnswer",
    "DayAnswer",
    "DayInfo",
    "Override",
    "WorkCalendar",
    "WorkCalendarError",
    "parse_date",
    "regulation_days",
    "statutory_days_not_off",
    "statutory_rest_days",
    "unknown_years",
]
