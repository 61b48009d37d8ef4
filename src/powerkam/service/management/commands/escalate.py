"""``powerkam escalate``: tell owners and supervisors about tickets due soon or breached.

Run it daily (cron / systemd timer), or ``--enqueue`` it for ``powerkam worker``. Each ticket,
state and person is told once, so running it more often is harmless.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.service.escalation import escalate_tickets


class Command(PowerKAMCommand):
    help = "Notify owners and supervisors of tickets that are due soon or breached (in the app and by email)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default=None, help="Evaluate as of this day (YYYY-MM-DD); default today.")
        parser.add_argument("--enqueue", action="store_true", help="Queue the task for `powerkam worker` instead.")

    def run(self, *args: Any, **options: Any) -> Any:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise ApplicationError(
                    _("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": options["date"]}
                ) from None
        if options["enqueue"]:
            from powerkam.service.tasks import escalate

            result = escalate.enqueue(today=day.isoformat() if day else None)
            return {"queued": str(result.id)}
        return escalate_tickets(today=day).as_dict()

    def render_text(self, result: Any) -> str:
        if "queued" in result:
            return _("Queued as task %(id)s.") % {"id": result["queued"]}
        return _("%(checked)s running tickets checked; %(notified)s notifications, %(emails)s emails.") % result
