"""``powerkam import KIND PATH``: load one extract, all of it or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from powerkam.analytics.io.contract import KINDS
from powerkam.core.commands import PowerKAMCommand, to_json
from powerkam.imports.services import ImportRefused, ImportReport, import_file

MAX_PRINTED_ERRORS = 50


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
        if fmt == "json":
            self.stdout.write(
                to_json(
                    {"error": exc.message, "error_count": exc.error_count, "errors": [e.as_dict() for e in exc.errors]}
                )
            )
        self.stderr.write(self.style.ERROR(exc.message))
        for err in exc.errors[:MAX_PRINTED_ERRORS]:
            value = "" if err.value is None else f" '{err.value}'"
            self.stderr.write(f"  row {err.row}, column {err.column}{value}: {err.reason}")
        if exc.error_count > MAX_PRINTED_ERRORS:
            self.stderr.write(f"  … and {exc.error_count - MAX_PRINTED_ERRORS} more (use --format json for the list)")

    def emit(self, result: Any, fmt: str) -> None:
        self.stdout.write(to_json(result.as_dict()) if fmt == "json" else self.render_text(result))

    def render_text(self, result: ImportReport) -> str:
        lines = [
            f"Imported {result.kind} from {result.file}: {result.rows} rows — "
            f"{result.inserted} new, {result.updated} changed, {result.unchanged} unchanged."
        ]
        if result.ignored_columns:
            lines.append(f"Ignored columns (not in the data contract): {', '.join(result.ignored_columns)}")
        lines += [f"Warning: {w}" for w in result.warnings]
        return "\n".join(lines)
