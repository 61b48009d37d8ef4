"""``powerkam outages``: planned outages from the command line (docs/rules.md §4).

powerkam outages impact --feeders "F1;F2" --start 2026-11-20T08:00 --end 2026-11-20T12:00 [--format json]
powerkam outages suggest --feeders F1 --duration-hours 4 --from 2026-11-16 --to 2026-11-29 [--hours 08:00-18:00]
powerkam outages plan JOBS.csv [--time-limit 30]     (columns: job_id,feeders,duration_hours,from,to,crew[,hours])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.outages import selectors


def _fmt(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _kwh(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} kWh"


def _read_jobs(path: Path) -> list[selectors.JobInput]:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ApplicationError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
    return selectors.read_jobs(str(path), content)


class Command(PowerKAMCommand):
    help = (
        "Planned outages: who a window interrupts and its energy not supplied, the least harmful windows, a month plan."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = self.subcommands(parser)

        impact = sub("impact", "Accounts interrupted by FEEDERS out from START to END, with energy not supplied.")
        impact.add_argument("--feeders", required=True, help='Feeder ids separated by ";" (all out together).')
        impact.add_argument("--start", required=True, help="ISO timestamp, local time (2026-11-20T08:00).")
        impact.add_argument("--end", required=True, help="ISO timestamp, local time.")

        suggest = sub(
            "suggest", "The least harmful windows for an outage of FEEDERS (least weighted ENS, earliest on ties)."
        )
        suggest.add_argument("--feeders", required=True, help='Feeder ids separated by ";".')
        suggest.add_argument("--duration-hours", required=True, help="Length of the outage in hours (e.g. 4 or 2.5).")
        suggest.add_argument("--from", dest="first", required=True, help="First allowed date (YYYY-MM-DD).")
        suggest.add_argument("--to", dest="last", required=True, help="Last allowed date (YYYY-MM-DD).")
        suggest.add_argument(
            "--hours", default="", help="Allowed hours each day, HH:MM-HH:MM (22:00-06:00 runs overnight)."
        )
        suggest.add_argument("--limit", type=int, default=5, help="How many windows to list (default 5).")

        plan = sub("plan", "A month plan of many outage jobs with OR-Tools CP-SAT.")
        plan.add_argument(
            "jobs",
            type=Path,
            metavar="JOBS.csv",
            help="job_id,feeders,duration_hours,from,to,crew[,hours] (CSV or .xlsx)",
        )
        plan.add_argument("--time-limit", type=float, default=30.0, help="Seconds the solver may take (default 30).")

    def run(self, *args: Any, **options: Any) -> Any:
        self._action = action = options["action"]
        if action == "impact":
            report = selectors.outage_impact(
                feeders=options["feeders"],
                start=selectors.parse_moment(options["start"], what="start"),
                end=selectors.parse_moment(options["end"], what="end"),
            )
            self._warn(report.warnings)
            return report.as_dict()
        if action == "suggest":
            suggestion = selectors.suggest_windows(
                feeders=options["feeders"],
                duration_hours=options["duration_hours"],
                first=selectors.parse_day(options["first"], what="from"),
                last=selectors.parse_day(options["last"], what="to"),
                hours=options["hours"] or None,
                limit=options["limit"],
            )
            self._warn(suggestion.warnings)
            return suggestion.as_dict()
        if action == "plan":
            result = selectors.plan_month(jobs=_read_jobs(options["jobs"]), time_limit_s=options["time_limit"])
            self._warn(result["warnings"])
            return result
        raise ApplicationError(_("Unknown action %(action)s.") % {"action": action})  # pragma: no cover

    def _warn(self, warnings: list[str]) -> None:
        for warning in warnings:
            self.stderr.write(self.style.WARNING(_("Warning: %(warning)s") % {"warning": warning}))

    def render_text(self, result: Any) -> str:
        action = getattr(self, "_action", "")
        lines: list[str] = []
        if action == "impact":
            lines.append(
                _("Feeders %(feeders)s out %(start)s – %(end)s: %(count)d account(s) interrupted, ENS %(ens)s.")
                % {
                    "feeders": ";".join(result["feeders"]),
                    "start": _fmt(result["start"]),
                    "end": _fmt(result["end"]),
                    "count": len(result["interrupted"]),
                    "ens": _kwh(result["ens_kwh"]),
                }
            )
            for row in result["interrupted"]:
                dual = f"  [{_('dual supply')}]" if row["dual_supply"] else ""
                lines.append(f"  {row['customer_id']:<10} {row['name']:<24} {_kwh(row['ens_kwh']):>16}{dual}")
            if result["riding_through"]:
                named = [f"{r['name']} ({r['customer_id']})" for r in result["riding_through_accounts"]]
                lines.append(_("Riding through on another feeder: %(ids)s") % {"ids": ", ".join(named)})
        elif action == "suggest":
            lines.append(
                _("Best windows for %(feeders)s (%(count)d candidate starts):")
                % {"feeders": ";".join(result["feeders"]), "count": result["candidates"]}
            )
            for i, w in enumerate(result["windows"], 1):
                lines.append(f"  {i}. {_fmt(w['start'])} – {_fmt(w['end'])}  {_kwh(w['ens_kwh'])}")
        elif action == "plan":
            lines.append(
                _("Plan %(status)s: weighted ENS %(ens)s, bound %(bound)s, gap %(gap).2f %%.")
                % {
                    "status": result["status"],
                    "ens": _kwh(result["weighted_ens_kwh"]),
                    "bound": _kwh(result["bound_weighted_ens_kwh"]),
                    "gap": result["gap"] * 100,
                }
            )
            if "naive" in result:
                lines.append(
                    _("Earliest-start plan for comparison: %(ens)s.")
                    % {"ens": _kwh(result["naive"]["weighted_ens_kwh"])}
                )
            for job in result["jobs"]:
                lines.append(
                    f"  {job['job_id']:<8} {job['crew']:<10} {_fmt(job['start'])} – {_fmt(job['end'])}  {_kwh(job['ens_kwh'])}"
                )
        return "\n".join(lines)
