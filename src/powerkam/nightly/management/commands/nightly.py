"""``powerkam nightly``: the nightly pipeline in one command (import pick-up, settle, grade, health
snapshot, overview figures, backup), with a line per step on stderr and the run's report.

Exit code: 0 when every step is done or had nothing to do; 1 when a step failed (or could not run
because one it needs failed); 2 when all ran but something needs a look (a file rejected, grading
held). ``--format json`` prints the report (docs/deployment.md, "The nightly run").
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.nightly.services import NightlyReport, nightly_run, step_line

EXIT = {"succeeded": 0, "failed": 1, "problems": 2}


class Command(PowerKAMCommand):
    help = (
        "The nightly pipeline: import the files waiting in the incoming folder, settle, grade the latest "
        "complete period, take the health snapshot, prepare the overview figures and back up (if on)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", help="the day to run for, YYYY-MM-DD (default: today); grading takes the last month before it"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

    def run(self, *args: Any, **options: Any) -> NightlyReport:
        day = None
        if options.get("today"):
            try:
                day = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise ApplicationError(_("--today must be a date, YYYY-MM-DD.")) from exc

        def progress(line: str) -> None:
            self.stderr.write(line)
            self.stderr.flush()

        return nightly_run(day=day, progress=None if options["quiet"] else progress)

    def emit(self, result: Any, fmt: str) -> None:
        super().emit(result.as_dict() if fmt == "json" else result, fmt)
        self.stdout.flush()
        code = EXIT.get(result.status, 1)
        if code:
            sys.exit(code)

    def render_text(self, result: NightlyReport) -> str:
        lines = [
            _("Nightly run #%(run)s for %(day)s: %(status)s in %(seconds).1f s")
            % {"run": result.run, "day": result.day, "status": _status_word(result.status), "seconds": result.seconds}
        ]
        for index, step in enumerate(result.steps, start=1):
            lines.append(step_line(step, index))
            lines += [f"    {p}" for p in step.problems]
            lines += [f"    {n}" for n in step.notes]
        return "\n".join(lines)


def _status_word(status: str) -> str:
    return {
        "succeeded": _("succeeded"),
        "problems": _("finished with problems"),
        "failed": _("failed"),
    }.get(status, status)
