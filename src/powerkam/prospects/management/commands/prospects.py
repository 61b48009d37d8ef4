"""``powerkam prospects``: the prospect pipeline's scheduled jobs and reports from the command line.

powerkam prospects release-expired [--date D] [--enqueue]   release reservations past their date, tell managers
powerkam prospects report [--date D] [--send] [--xlsx F] [--pdf F] [--enqueue]
powerkam prospects headroom [--all]                          feeders with prospects and their headroom
powerkam prospects sync                                      record stage changes made by imports
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.prospects import report as weekly
from powerkam.prospects import selectors, services


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(_("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": value}) from None


class Command(PowerKAMCommand):
    help = "Prospects: release expired reservations, the weekly report, feeder headroom, stage log sync."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        # Also accept --format after the action (`powerkam prospects report --format json`).
        fmt = CommandParser(add_help=False)
        fmt.add_argument("--format", choices=["text", "json"], default=argparse.SUPPRESS, help="Output format.")
        release = sub.add_parser(
            "release-expired", parents=[fmt], help="Release reservations past their last valid day."
        )
        release.add_argument("--date", default=None, help="As of this day (YYYY-MM-DD); default today.")
        release.add_argument("--enqueue", action="store_true", help="Queue the task for `powerkam worker` instead.")
        report = sub.add_parser("report", parents=[fmt], help="The weekly progress report of approved prospects.")
        report.add_argument("--date", default=None, help="Report day (YYYY-MM-DD); the week starts on its Monday.")
        report.add_argument("--send", action="store_true", help="Mail it to the supervisors (workbook and PDF).")
        report.add_argument("--xlsx", default=None, help="Also write the workbook to this file.")
        report.add_argument("--pdf", default=None, help="Also write the PDF to this file.")
        report.add_argument("--enqueue", action="store_true", help="Queue the mailing for `powerkam worker`.")
        headroom = sub.add_parser("headroom", parents=[fmt], help="Feeders with prospects and their headroom.")
        headroom.add_argument("--all", action="store_true", help="Every feeder, not only those with prospects.")
        sub.add_parser("sync", parents=[fmt], help="Record stage changes that imports made, with their dates.")

    def run(self, *args: Any, **options: Any) -> Any:
        action = options["action"]
        if action == "release-expired":
            day = _date(options["date"])
            if options["enqueue"]:
                from powerkam.prospects.tasks import release_expired_reservations

                result = release_expired_reservations.enqueue(today=day.isoformat() if day else None)
                return {"action": action, "queued": str(result.id)}
            return {"action": action, **services.reservations_release_expired(today=day).as_dict()}
        if action == "report":
            day = _date(options["date"])
            if options["enqueue"]:
                from powerkam.prospects.tasks import weekly_report

                result = weekly_report.enqueue(as_of=(day or timezone.localdate()).isoformat())
                return {"action": action, "queued": str(result.id)}
            built = weekly.build_weekly_report(as_of=day)
            if options["xlsx"]:
                Path(options["xlsx"]).write_bytes(weekly.report_xlsx(built))
            if options["pdf"]:
                Path(options["pdf"]).write_bytes(weekly.report_pdf(built))
            recipients: list[str] = []
            if options["send"]:
                recipients = weekly.weekly_report_send(as_of=day).recipients
            return {
                "action": action,
                "week_start": built.week_start,
                "as_of": built.as_of,
                "projects": [
                    {
                        "project_id": r.project.project_id,
                        "name": r.project.name,
                        "stage": r.project.stage,
                        "days_in_stage": r.days_in_stage,
                        "done": r.done,
                        "next_steps": r.next_steps,
                        "blockers": r.blockers,
                        "reservations": r.reservations,
                    }
                    for r in built.rows
                ],
                "mailed_to": recipients,
                "text": weekly.report_text(built),
            }
        if action == "headroom":
            return {
                "action": action,
                "feeders": [
                    {
                        "feeder_id": row.feeder.feeder_id,
                        "substation_id": row.feeder.substation.substation_id,
                        "rated_kva": row.headroom.rated_kva,
                        "peak_kw": row.headroom.peak_kw,
                        "reserved_kva": row.headroom.reserved_kva,
                        "available_kw": row.headroom.available_kw,
                        "available_kva": row.headroom.available_kva,
                        "projects": [p.project_id for p in row.projects],
                    }
                    for row in selectors.prospects_by_feeder(all_feeders=options["all"])
                ],
            }
        return {"action": action, "recorded": services.stage_log_sync()}

    def render_text(self, result: Any) -> str:
        action = result["action"]
        if "queued" in result:
            return _("Queued as task %(id)s.") % {"id": result["queued"]}
        if action == "release-expired":
            return _("%(released)s reservations released; %(notified)s notes, %(emails)s emails.") % result
        if action == "report":
            text = str(result["text"])
            if result["mailed_to"]:
                text += "\n\n" + _("Mailed to %(to)s.") % {"to": ", ".join(result["mailed_to"])}
            return text
        if action == "headroom":
            lines = []
            for f in result["feeders"]:
                lines.append(
                    f"{f['feeder_id']} ({f['substation_id']}): "
                    + _("available %(kw)s kW (%(kva)s kVA); reserved %(reserved)s kVA; projects: %(projects)s")
                    % {
                        "kw": services.fmt_number(f["available_kw"]),
                        "kva": services.fmt_number(f["available_kva"]),
                        "reserved": services.fmt_number(f["reserved_kva"]),
                        "projects": ", ".join(f["projects"]) or "—",
                    }
                )
            return "\n".join(lines) or _("No feeder has prospects yet.")
        return _("%(n)s stage changes recorded.") % {"n": result["recorded"]}
