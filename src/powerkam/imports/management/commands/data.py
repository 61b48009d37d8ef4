"""``powerkam data summary``: what has been imported, in row counts per kind."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from powerkam.core.commands import PowerKAMCommand
from powerkam.imports.selectors import data_summary


class Command(PowerKAMCommand):
    help = "Facts about the imported data. Subcommand: summary (row counts per kind)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["summary"])

    def run(self, *args: Any, **options: Any) -> dict[str, int]:
        return data_summary()

    def render_text(self, result: dict[str, int]) -> str:
        width = max(len(k) for k in result)
        return "\n".join(f"{k:<{width}}  {v:>12,}" for k, v in result.items())
