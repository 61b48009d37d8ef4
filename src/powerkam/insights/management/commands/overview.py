"""``powerkam overview``: the Insights overview's figures, one block per area (docs/overview.md).

powerkam overview [--user USERNAME] [--tiles portfolio,arrears] [--format json]

Without ``--user`` the figures cover the whole base (as a supervisor sees it).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.web import dashboard


class Command(PowerKAMCommand):
    help = "The overview of the key-account portfolio: each area's headline figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="", help="Figures in this user's scope (default: the whole base).")
        parser.add_argument("--tiles", default="", help="Comma-separated tile keys (default: all).")

    def run(self, *args: Any, **options: Any) -> Any:
        user: Any = None
        if options["user"]:
            try:
                user = User.objects.get(username=options["user"])
            except User.DoesNotExist:
                raise ApplicationError(_("No user %(name)s.") % {"name": options["user"]}) from None
        else:
            user = User(username="-", is_superuser=True)  # sees every account, saves nothing
        keys = [k.strip() for k in options["tiles"].split(",") if k.strip()] or None
        unknown = sorted(set(keys or []) - {t.key for t in dashboard.tiles()})
        if unknown:
            raise ApplicationError(
                _("Unknown tile %(keys)s; known: %(known)s.")
                % {"keys": ", ".join(unknown), "known": ", ".join(t.key for t in dashboard.tiles())}
            )
        return dashboard.figures_for(user, timezone.localdate(), keys=keys)

    def render_text(self, result: Any) -> str:
        lines = []
        for key, figures in result.items():
            lines.append(f"[{key}]")
            for name, value in figures.items():
                if isinstance(value, list):
                    lines.append(f"  {name}: {len(value)} rows")
                else:
                    lines.append(f"  {name}: {value}")
        return "\n".join(lines)
