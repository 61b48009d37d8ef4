"""``powerkam calendar``: the official working-day calendar from the command line.

powerkam calendar add-workdays 2026-09-28 10 --format json   → {"date": "2026-10-16", "provisional": false}
powerkam calendar is-workday 2026-10-10
powerkam calendar status
powerkam calendar import-year holidays-2027.csv [--source "国办发明电…"]
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.workdays import selectors, services


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ApplicationError(_("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": text}) from None


def _count(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ApplicationError(_("%(value)r is not a whole number of working days.") % {"value": text}) from None


class Command(PowerKAMCommand):
    help = "The official working-day calendar: add working days, check a day, see and extend the known years."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = self.subcommands(parser)

        add = sub("add-workdays", "The N-th working day strictly after DATE (docs/rules.md §3).")
        add.add_argument("date", metavar="DATE", help="YYYY-MM-DD")
        add.add_argument("n", metavar="N", help="number of working days (0 or more)")
        add.add_argument(
            "--strict", action="store_true", help="Refuse instead of answering provisionally beyond the known calendar."
        )

        day = sub("is-workday", "Is DATE a working day on the official calendar?")
        day.add_argument("date", metavar="DATE", help="YYYY-MM-DD")
        day.add_argument("--strict", action="store_true", help="Refuse a day in a year that is not known yet.")

        sub("status", "Which years the calendar knows, and from where.")

        imp = sub(
            "import-year", "Enter a year's holidays and adjusted working days from a CSV file (date,is_workday,name)."
        )
        imp.add_argument("file", metavar="FILE", type=Path)
        imp.add_argument("--year", type=int, default=None, help="The year the file is for (checked against its dates).")
        imp.add_argument("--source", default="", help="Which notice the dates come from.")

    def run(self, *args: Any, **options: Any) -> Any:
        action = options["action"]
        self._action = action
        if action == "add-workdays":
            result = selectors.workdays_add(
                start=_date(options["date"]), n=_count(options["n"]), strict=options["strict"]
            )
            if result.provisional:
                self.stderr.write(self.style.WARNING(result.warning))
            return result.as_dict()
        if action == "is-workday":
            status = selectors.workday_status(day=_date(options["date"]), strict=options["strict"])
            if status.provisional:
                self.stderr.write(self.style.WARNING(status.warning))
            return status.as_dict()
        if action == "status":
            status_data = selectors.calendar_status()
            return {**status_data, "years": [y.as_dict() for y in status_data["years"]]}
        if action == "import-year":
            try:
                report = services.calendar_year_import_file(
                    path=options["file"], year=options["year"], source_note=options["source"]
                )
            except ApplicationError as exc:
                for err in exc.extra.get("errors", []):
                    self.stderr.write(_("row %(row)s, %(column)s = %(value)r: %(reason)s") % err)
                raise
            return report.as_dict()
        raise ApplicationError(_("Unknown action %(action)s.") % {"action": action})  # pragma: no cover

    def render_text(self, result: Any) -> str:
        action = getattr(self, "_action", "")
        if action == "add-workdays":
            return result["date"] + (f"  ({_('provisional')})" if result["provisional"] else "")
        if action == "is-workday":
            verdict = _("working day") if result["is_workday"] else _("day off")
            name = f" · {selectors.holiday_label(result['name'])}" if result["name"] else ""
            suffix = f"  ({_('provisional')})" if result["provisional"] else ""
            return f"{result['date']}: {verdict}{name}{suffix}"
        if action == "status":
            lines = []
            first_last = result["library_years"]
            if first_last:
                lines.append(
                    _("Library (chinese_calendar) knows %(first)s–%(last)s.")
                    % {"first": first_last[0], "last": first_last[1]}
                )
            this_year = timezone.localdate().year
            for y in result["years"]:
                if y["source"] == "library" and y["year"] < this_year:
                    continue  # summarised by the line above
                state = _("known") + f" ({y['source']})" if y["known"] else _("NOT KNOWN — answers are provisional")
                extra = []
                if y["overrides"]:
                    extra.append(_("%(n)s entries") % {"n": y["overrides"]})
                if y["source_note"]:
                    extra.append(y["source_note"])
                lines.append(f"{y['year']}: {state}" + (f"  [{'; '.join(extra)}]" if extra else ""))
            for year in result["needs_attention"]:
                lines.append(_("Enter the holiday notice for %(year)s.") % {"year": year})
            return "\n".join(lines)
        if action == "import-year":
            return (
                _(
                    "%(year)s imported and declared known: %(holidays)s days off, %(adjusted_workdays)s adjusted working "
                    "days (%(created)s new, %(updated)s changed, %(archived)s withdrawn)."
                )
                % result
            )
        return super().render_text(result)
