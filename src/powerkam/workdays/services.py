"""Use cases that change the working-day calendar: state one date, declare a year, import a year.

Every write goes through here (the admin site, the calendar page and ``powerkam calendar
import-year`` alike), so the calendar selector sees one consistent table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from powerkam.analytics.workcal import statutory_days_not_off
from powerkam.core.errors import ApplicationError, ConflictError
from powerkam.core.locking import changes_since, check, lock, refresh
from powerkam.staff import permissions
from powerkam.workdays.models import CalendarOverride, CalendarYear
from powerkam.workdays.selectors import holiday_label

#: Spellings accepted in the ``is_workday`` column of a year file.
_TRUE = {"1", "true", "yes", "y", "是", "上班", "workday", "working"}
_FALSE = {"0", "false", "no", "n", "否", "休", "休息", "holiday", "off"}

CSV_COLUMNS = ("date", "is_workday", "name")


@dataclass(frozen=True)
class YearRow:
    date: dt.date
    is_workday: bool
    name: str


@dataclass
class YearImportReport:
    year: int
    holidays: int = 0
    adjusted_workdays: int = 0
    created: int = 0
    updated: int = 0
    archived: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "holidays": self.holidays,
            "adjusted_workdays": self.adjusted_workdays,
            "created": self.created,
            "updated": self.updated,
            "archived": self.archived,
        }


def _error(row: int, column: str, value: object, reason: str) -> dict[str, object]:
    return {"row": row, "column": column, "value": value, "reason": reason}


def parse_year_csv(text: str, *, year: int | None = None) -> tuple[int, list[YearRow]]:
    """Read a year file (``date,is_workday,name``); refuse it whole, with every problem listed.

    All dates must fall in one year (``year`` when given). Row numbers count the header as row 1.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS[:2] if c not in header]
    if missing:
        raise ApplicationError(
            _("The file needs the columns date,is_workday,name; missing: %(missing)s")
            % {"missing": ", ".join(missing)},
            {"errors": [_error(1, c, "", _("missing column")) for c in missing]},
        )
    reader.fieldnames = header
    rows: list[YearRow] = []
    errors: list[dict[str, object]] = []
    seen: dict[dt.date, int] = {}
    for number, raw in enumerate(reader, start=2):
        date_text = (raw.get("date") or "").strip()
        flag_text = (raw.get("is_workday") or "").strip()
        name = (raw.get("name") or "").strip()
        if not date_text and not flag_text and not name:
            continue  # blank line
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            errors.append(_error(number, "date", date_text, _("not a date in the form YYYY-MM-DD")))
            continue
        if flag_text.lower() in _TRUE:
            workday = True
        elif flag_text.lower() in _FALSE:
            workday = False
        else:
            errors.append(_error(number, "is_workday", flag_text, _("use 1 (worked) or 0 (day off)")))
            continue
        if len(name) > 100:
            errors.append(_error(number, "name", name, _("longer than 100 characters")))
            continue
        if day in seen:
            errors.append(_error(number, "date", date_text, _("the same date is on row %(row)s") % {"row": seen[day]}))
            continue
        seen[day] = number
        rows.append(YearRow(day, workday, name))
    if year is None:
        if not rows:
            if not errors:
                raise ApplicationError(_("The file has no dates."))
        else:
            # The year most rows are in; every other row is reported against it.
            year = Counter(r.date.year for r in rows).most_common(1)[0][0]
    if year is not None:
        for r in rows:
            if r.date.year != year:
                errors.append(_error(seen[r.date], "date", r.date.isoformat(), _("not in %(year)s") % {"year": year}))
    if errors:
        errors.sort(key=lambda e: e["row"])  # type: ignore[arg-type,return-value]
        raise ApplicationError(
            _("The year file was not imported: %(count)s problem(s), nothing was changed.") % {"count": len(errors)},
            {"errors": errors},
        )
    assert year is not None
    return year, rows


def _require_editor(by: User | None) -> None:
    """``by`` None is the command line: the installation's administrator (docs/permissions.md)."""
    if by is not None:
        permissions.require(by, "workdays.change_calendar")


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ApplicationError(_("%(year)s is not a plausible calendar year.") % {"year": year})


@transaction.atomic
def calendar_override_set(
    *,
    date: dt.date,
    is_workday: bool,
    name: str = "",
    note: str = "",
    by: User | None = None,
    version: int | None = None,
) -> CalendarOverride:
    """State one date: a day off (holiday) or an adjusted working day. Replaces an earlier statement.

    ``version``: the version of the entry the person edited; if someone changed it since, nothing
    is saved (:class:`~powerkam.core.errors.ConflictError`). ``None`` replaces whatever is there.
    A new date that another administrator entered meanwhile is refused the same way.
    """
    _require_editor(by)
    _check_year(date.year)
    override = CalendarOverride.objects.select_for_update().filter(date=date).first()
    creating = override is None
    if override is None:
        override = CalendarOverride(date=date)
    else:
        check(override, version)
    override._history_user = by  # type: ignore[attr-defined]
    override.is_workday = is_workday
    override.name = name.strip()
    override.note = note.strip()
    override.archived = False
    if not creating:
        override.full_clean()
        override.save()
        return override
    # A date nobody has entered has no row to lock: two administrators entering it at once both pass
    # the read above, and the database's unique date refuses the second insert (PostgreSQL makes it wait
    # for the first to commit). That is a conflict like an edit of a stale version, not a fault.
    override.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            override.save()
    except IntegrityError:
        raise _entered_meanwhile(date) from None
    return override


def _entered_meanwhile(date: dt.date) -> ConflictError:
    """The refusal of a new entry for ``date`` because someone entered that date first (version 0: none)."""
    current = CalendarOverride.objects.get(date=date)
    who, _fields, when = changes_since(current, 0)
    params = {
        "who": _(", ").join(who) or _("someone else"),
        "date": date.isoformat(),
        "when": date_format(timezone.localtime(when), "DATETIME_FORMAT") if when else "—",
    }
    return ConflictError(
        _(
            "%(who)s entered %(date)s in the calendar while you were entering it (%(when)s). "
            "Your entry was not saved: look at theirs, and save yours again to replace it."
        )
        % params,
        current_version=current.version,
        your_version=0,
        changed_by=who,
        changed_fields=[],
        current=current,
    )


@transaction.atomic
def calendar_override_archive(
    *, override: CalendarOverride, by: User | None = None, version: int | None = None
) -> CalendarOverride:
    """Withdraw a statement: the date falls back to the library (or the weekends-only rule)."""
    _require_editor(by)
    current = lock(override, version)
    if current.archived:
        raise ApplicationError(_("The entry for %(date)s is already withdrawn.") % {"date": current.date})
    current.archived = True
    current._history_user = by  # type: ignore[attr-defined]
    current.save()
    refresh(override, current)
    return current


@transaction.atomic
def calendar_year_declare(
    *, year: int, complete: bool = True, source_note: str = "", by: User | None = None
) -> CalendarYear:
    """Declare that a year's holidays and adjusted working days are all entered (or withdraw that)."""
    _require_editor(by)
    _check_year(year)
    entry = CalendarYear.objects.select_for_update().filter(year=year).first() or CalendarYear(year=year)
    entry.complete = complete
    if source_note:
        entry.source_note = source_note.strip()
    entry.declared_by = by
    entry.declared_at = timezone.now()
    entry.full_clean()
    entry.save()
    return entry


def check_statutory_days(year: int, rows: list[YearRow]) -> None:
    """Refuse a year file that leaves a statutory rest day worked (docs/rules.md §3).

    Every notice gives the regulation's statutory days off; a file that does not is another year's,
    cut short or mistyped, and declaring it would make its gaps *known* working days.
    """
    missing = statutory_days_not_off(
        year, [r.date for r in rows if not r.is_workday], [r.date for r in rows if r.is_workday]
    )
    if not missing:
        return
    days = ", ".join(f"{day.isoformat()} ({holiday_label(name)})" for day, name in missing)
    raise ApplicationError(
        _(
            "The year file was not imported: it does not give every statutory holiday of %(year)s off. "
            "Missing as days off: %(days)s. Add them with is_workday 0; nothing was changed."
        )
        % {"year": year, "days": days},
        {"missing": [{"date": day.isoformat(), "name": name} for day, name in missing]},
    )


@transaction.atomic
def calendar_year_import(
    *,
    text: str,
    year: int | None = None,
    source_note: str = "",
    by: User | None = None,
) -> YearImportReport:
    """Enter a whole year's notice: every holiday and adjusted working day, then declare the year.

    The file replaces what was entered for that year before: dates no longer listed are archived.
    A file with any bad row, or one that leaves a statutory rest day worked
    (:func:`check_statutory_days`), changes nothing.
    """
    _require_editor(by)
    year, rows = parse_year_csv(text, year=year)
    _check_year(year)
    check_statutory_days(year, rows)
    report = YearImportReport(year=year)
    listed = {r.date for r in rows}
    existing = {o.date: o for o in CalendarOverride.objects.select_for_update().filter(year=year)}
    for r in rows:
        override = existing.get(r.date)
        if override is None:
            override = CalendarOverride(date=r.date)
            report.created += 1
        elif (override.is_workday, override.name, override.archived) != (r.is_workday, r.name, False):
            report.updated += 1
        else:
            report.holidays += not r.is_workday
            report.adjusted_workdays += r.is_workday
            continue
        override.is_workday = r.is_workday
        override.name = r.name
        override.archived = False
        override.full_clean()
        override.save()
        report.holidays += not r.is_workday
        report.adjusted_workdays += r.is_workday
    for day, override in existing.items():
        if day not in listed and not override.archived:
            override.archived = True
            override.save()
            report.archived += 1
    calendar_year_declare(year=year, source_note=source_note, by=by)
    return report


def calendar_year_import_file(
    *, path: Path, year: int | None = None, source_note: str = "", by: User | None = None
) -> YearImportReport:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ApplicationError(_("There is no file %(path)s.") % {"path": path}) from None
    except UnicodeDecodeError:
        raise ApplicationError(_("%(path)s is not a UTF-8 text file.") % {"path": path}) from None
    except OSError as exc:
        raise ApplicationError(
            _("%(path)s cannot be read: %(reason)s") % {"path": path, "reason": exc.strerror}
        ) from None
    return calendar_year_import(text=text, year=year, source_note=source_note or path.name, by=by)
