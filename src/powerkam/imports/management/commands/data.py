"""``powerkam data summary``: what has been imported, in row counts per kind.

``powerkam data rebuild``: rebuild the derived datasets — settle every bill again over its payments
(``settlements``, which the grading reads) and every customer's typical load again from its
readings (``typical_loads``, which outage windows read). The importer does it after every billing,
payments or loads import; this is for safety, e.g. after the store's files were replaced by hand.

``powerkam data versions KIND``: the kept versions of a store dataset, one per landing.
``powerkam data rollback KIND --to RUN``: put the version run RUN produced back in place (logged,
and itself a version). ``powerkam data check``: find imports killed half-way, mark them
interrupted, repair stale derived data, say what was done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils import timezone

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.imports.selectors import data_summary

# The run log, the settlement and the typical loads import DuckDB and PyArrow's compute: only the
# actions that need them import them (``data summary`` answers in about a second).


class Command(PowerKAMCommand):
    help = (
        "Facts about the imported data. Subcommands: summary (row counts per kind); "
        "rebuild (settle every bill again over its payments, for the grading; every customer's typical "
        "load again from its readings, for outage windows); versions KIND (the kept versions of a store "
        "dataset); rollback KIND --to RUN (put the version of import run RUN back in place); "
        "check (find interrupted imports and repair stale derived data)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["summary", "rebuild", "versions", "rollback", "check"])
        parser.add_argument("kind", nargs="?", help="versions, rollback: the store kind (customers, billing …)")
        parser.add_argument("--to", type=int, metavar="RUN", help="rollback: the import run whose version to restore")

    def run(self, *args: Any, **options: Any) -> Any:
        action = options["action"]
        self.action = action
        if action == "summary":
            return data_summary()
        from powerkam.imports import runs

        if action in {"versions", "rollback"} and not options["kind"]:
            raise ApplicationError(f"powerkam data {action} KIND: name the kind ({', '.join(runs.VERSIONED_KINDS)}).")
        if action == "versions":
            return [v.as_dict() for v in runs.versions(options["kind"])]
        if action == "rollback":
            if options["to"] is None:
                raise ApplicationError(
                    "powerkam data rollback KIND --to RUN: name the run (see powerkam data versions KIND)."
                )
            run = runs.rollback(kind=options["kind"], to=options["to"])
            return {
                "run": run.pk,
                "kind": run.kind,
                "status": run.status,
                "restored_from": run.restored_from_id,
                "dataset_rows": run.dataset_rows,
                "version": run.version,
                "warnings": run.warnings,
            }
        if action == "check":
            return runs.check().as_dict()
        if action == "rebuild":
            from powerkam.analytics.settlement import build_settlements
            from powerkam.outages.services import typical_loads_refresh

            rows = build_settlements(Path(settings.ANALYTICS_DIR))
            profiles = typical_loads_refresh(force=True)
            if rows is None and profiles is None:
                raise ApplicationError(
                    "There is nothing to rebuild yet; import a billing file first (or a loads file)."
                )
            built = {"settlements": rows, "typical_loads": profiles}
            return {kind: n for kind, n in built.items() if n is not None}
        return data_summary()

    def render_text(self, result: Any) -> str:
        if self.action == "versions":
            return self._versions_text(result)
        if self.action == "rollback":
            lines = [
                f"Run {result['run']}: {result['kind']} rolled back to the version of run {result['restored_from']} "
                f"({result['dataset_rows']:,} rows)."
            ]
            return "\n".join(lines + [f"Warning: {w}" for w in result["warnings"]])
        if self.action == "check":
            lines = result["interrupted"] + result["repaired"] + result["running"]
            return "\n".join(lines) or "All imports finished; the derived data is current."
        width = max(len(k) for k in result)
        return "\n".join(f"{k:<{width}}  {v:>12,}" for k, v in result.items())

    def _versions_text(self, result: list[dict[str, Any]]) -> str:
        if not result:
            return "No versions kept yet."
        lines = [f"{'run':>6}  {'date':<16}  {'by':<12}  {'rows':>12}  {'dataset':>12}  {'sha256':<12}  file"]
        for v in result:
            mark = "*" if v["current"] else (" " if v["available"] else "-")
            dataset_rows = "" if v["dataset_rows"] is None else f"{v['dataset_rows']:,}"
            lines.append(
                f"{v['run']:>5}{mark}  {timezone.localtime(v['date']):%Y-%m-%d %H:%M}  {v['by']:<12}  "
                f"{v['rows']:>12,}  {dataset_rows:>12}  {v['sha256'][:12]:<12}  {v['file']}"
                + (f" (rollback to {v['restored_from']})" if v["restored_from"] else "")
            )
        lines.append("* in place now; - pruned (no longer kept)")
        return "\n".join(lines)
