"""``powerkam import KIND PATH``: load one extract, all of it or nothing."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import translation
from django.utils.translation import gettext

from powerkam.analytics.io.contract import KINDS
from powerkam.core.commands import PowerKAMCommand, to_json
from powerkam.imports.messages import line, problem_rows, refusal_message, report_warnings
from powerkam.imports.services import ImportRefused, ImportReport, import_file

MAX_PRINTED_ERRORS = 50


def language_from_env() -> str:
    """zh-hans when the locale (LC_ALL, LC_MESSAGES, LANG) is Chinese, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


class Command(PowerKAMCommand):
    help = "Import an extract (CSV, XLSX or Parquet) of one kind of the data contract. All rows land, or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS, help="what the file holds")
        parser.add_argument("path", type=Path, help="the file (.csv, .xlsx or .parquet)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        parser.add_argument(
            "--replace-missing",
            action="store_true",
            help="clear the fields of contract columns the file does not have (default: they keep their values)",
        )
        parser.add_argument(
            "--lang",
            choices=["zh-hans", "en"],
            default=None,
            help="language of the messages (default: from the locale, LANG)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options.get("lang") or language_from_env()):
            super().handle(*args, **options)

    def run(self, *args: Any, **options: Any) -> ImportReport:
        progress = None
        bar = None
        if not options["no_progress"] and options["format"] == "text" and sys.stderr.isatty():
            from rich.progress import Progress

            bar = Progress(transient=True)
            task = bar.add_task(str(options["path"].name), total=1.0)
            bar.start()

            def progress(stage: str, fraction: float) -> None:
                bar.update(task, completed=fraction, description=f"{options['path'].name}: {stage}")

        try:
            return import_file(
                kind=options["kind"],
                path=options["path"],
                progress=progress,
                replace_missing=options["replace_missing"],
            )
        except ImportRefused as exc:
            self._report_refusal(exc, options["format"])
            sys.exit(1)
        finally:
            if bar is not None:
                bar.stop()

    def _report_refusal(self, exc: ImportRefused, fmt: str) -> None:
        headline = refusal_message(exc)
        problems = problem_rows(exc.errors)
        if fmt == "json":
            self.stdout.write(
                to_json(
                    {
                        "error": headline,
                        "code": exc.code,
                        "params": exc.params,
                        "error_count": exc.error_count,
                        "errors": [
                            e.as_dict() | {"message": p["reason"]} for e, p in zip(exc.errors, problems, strict=True)
                        ],
                    }
                )
            )
        self.stderr.write(self.style.ERROR(headline))
        for problem in problems[:MAX_PRINTED_ERRORS]:
            self.stderr.write("  " + line(problem))
        if exc.error_count > MAX_PRINTED_ERRORS:
            self.stderr.write(
                "  "
                + gettext("… and {count} more (use --format json for the list)").format(
                    count=exc.error_count - MAX_PRINTED_ERRORS
                )
            )

    def emit(self, result: Any, fmt: str) -> None:
        if fmt == "json":
            self.stdout.write(to_json(result.as_dict() | {"notices": report_warnings(result)}))
        else:
            self.stdout.write(self.render_text(result))

    def render_text(self, result: ImportReport) -> str:
        lines = [
            gettext(
                "Imported {kind} from {file}: {rows} rows — {inserted} new, {updated} changed, {unchanged} unchanged."
            ).format(
                kind=result.kind,
                file=result.file,
                rows=result.rows,
                inserted=result.inserted,
                updated=result.updated,
                unchanged=result.unchanged,
            )
        ]
        if result.ignored_columns:
            lines.append(
                gettext("Ignored columns (not in the data contract):") + " " + ", ".join(result.ignored_columns)
            )
        lines += [gettext("Warning: {warning}").format(warning=w) for w in report_warnings(result)]
        lines += [gettext("Warning: {warning}").format(warning=w) for w in result.warnings]
        return "\n".join(lines)
