"""``powerkam data summary``: what has been imported, in row counts per kind.

``powerkam data rebuild``: settle every bill again over its payments (the derived ``settlements``
dataset the grading reads). The importer does it after every billing or payments import; this
is for safety, e.g. after the store's files were replaced by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from powerkam.analytics.settlement import build_settlements
from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.imports.selectors import data_summary


class Command(PowerKAMCommand):
    help = (
        "Facts about the imported data. Subcommands: summary (row counts per kind); "
        "rebuild (settle every bill again over its payments, for the grading)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["summary", "rebuild"])

    def run(self, *args: Any, **options: Any) -> dict[str, int]:
        if options["action"] == "rebuild":
            rows = build_settlements(Path(settings.ANALYTICS_DIR))
            if rows is None:
                raise ApplicationError("There is no billing data to settle yet; import a billing file first.")
            return {"settlements": rows}
        return data_summary()

    def render_text(self, result: dict[str, int]) -> str:
        width = max(len(k) for k in result)
        return "\n".join(f"{k:<{width}}  {v:>12,}" for k, v in result.items())
