"""``powerkam overview``: the Insights overview's figures, one block per area (docs/overview.md).

powerkam overview [--user USERNAME] [--tiles portfolio,arrears] [--format json]
powerkam overview [--user USERNAME] --xlsx FILE      the monthly report's workbook, in that scope
powerkam overview --send                             mail the monthly report to the supervisors now

Without ``--user`` the figures cover the whole base (as a supervisor sees it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.insights import report
from powerkam.staff.scope import Scope
from powerkam.web import dashboard


class Command(PowerKAMCommand):
    help = "The overview of the key-account portfolio: each area's headline figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="", help="Figures in this user's scope (default: the whole base).")
        parser.add_argument("--tiles", default="", help="Comma-separated tile keys (default: all).")
        parser.add_argument("--xlsx", default="", help="Also write the monthly report's workbook to this file.")
        parser.add_argument("--send", action="store_true", help="Mail the monthly report of the whole base now.")

    def run(self, *args: Any, **options: Any) -> Any:
        if options["send"]:
            sent = report.monthly_report_send()
            return {"sent": {"as_of": sent.as_of, "recipients": sent.recipients}}
        scope = Scope.whole_base()
        if options["user"]:
            try:
                scope = Scope.of_user(User.objects.get(username=options["user"]))
            except User.DoesNotExist:
                raise ApplicationError(_("No user %(name)s.") % {"name": options["user"]}) from None
        keys = [k.strip() for k in options["tiles"].split(",") if k.strip()] or None
        unknown = sorted(set(keys or []) - {t.key for t in dashboard.tiles()})
        if unknown:
            raise ApplicationError(
                _("Unknown tile %(keys)s; known: %(known)s.")
                % {"keys": ", ".join(unknown), "known": ", ".join(t.key for t in dashboard.tiles())}
            )
        today = timezone.localdate()
        figures = dashboard.figures_for(scope, today, keys=keys)
        if options["xlsx"]:
            try:
                Path(options["xlsx"]).write_bytes(report.report_xlsx(figures, scope=scope, as_of=today))
            except OSError as exc:
                raise ApplicationError(
                    _("Cannot write %(path)s: %(reason)s") % {"path": options["xlsx"], "reason": exc.strerror}
                ) from None
        return figures

    def render_text(self, result: Any) -> str:
        if "sent" in result:
            return f"{result['sent']['as_of']}: " + (", ".join(result["sent"]["recipients"]) or "no recipient")
        lines = []
        for key, figures in result.items():
            lines.append(f"[{key}]")
            for name, value in figures.items():
                if isinstance(value, list):
                    lines.append(f"  {name}: {len(value)} rows")
                else:
                    lines.append(f"  {name}: {value}")
        return "\n".join(lines)
