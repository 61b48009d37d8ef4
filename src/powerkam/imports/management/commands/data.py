"""``powerkam data summary``: what has been imported, in row counts per kind.

``powerkam data rebuild``: rebuild the derived datasets — settle every bill again over its payments
(``settlements``, which the grading reads) and every customer's typical load again from its
readings (``typical_loads``, which outage windows read). The importer does it after every billing,
payments or loads import; this is for safety, e.g. after the store's files were replaced by hand.
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
from powerkam.outages.services import typical_loads_refresh


class Command(PowerKAMCommand):
    help = (
        "Facts about the imported data. Subcommands: summary (row counts per kind); "
        "rebuild (settle every bill again over its payments, for the grading; every customer's typical "
        "load again from its readings, for outage windows)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["summary", "rebuild"])

    def run(self, *args: Any, **options: Any) -> dict[str, int]:
        if options["action"] == "rebuild":
            rows = build_settlements(Path(settings.ANALYTICS_DIR))
            profiles = typical_loads_refresh(force=True)
            if rows is None and profiles is None:
                raise ApplicationError(
                    "There is nothing to rebuild yet; import a billing file first (or a loads file)."
                )
            built = {"settlements": rows, "typical_loads": profiles}
            return {kind: n for kind, n in built.items() if n is not None}
        return data_summary()

    def render_text(self, result: dict[str, int]) -> str:
        width = max(len(k) for k in result)
        return "\n".join(f"{k:<{width}}  {v:>12,}" for k, v in result.items())
