"""``powerkam escalate``: tell owners and supervisors about tickets due soon or breached.

The schedule runs it for you (``powerkam worker``): working-day tickets daily at 07:00, round-the-clock
tickets (fault repair) every 5 minutes. Without a worker, run ``powerkam escalate --clock workdays``
daily and ``powerkam escalate --clock hours`` every few minutes from cron. Each ticket, milestone,
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
        parser.add_argument(
            "--clock",
            choices=["all", "workdays", "hours"],
            default="all",
            help="Only the working-day tickets, or only the round-the-clock ones (fault repair); default all.",
        )

    def run(self, *args: Any, **options: Any) -> Any:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise ApplicationError(
                    _("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": options["date"]}
                ) from None
        clock_kind = "" if options["clock"] == "all" else options["clock"]
        if options["enqueue"]:
            from powerkam.service.tasks import escalate, escalate_round_the_clock

            if clock_kind == "hours":
                result = escalate_round_the_clock.enqueue()
            else:
                result = escalate.enqueue(today=day.isoformat() if day else None)
            return {"queued": str(result.id)}
        return escalate_tickets(today=day, clock_kind=clock_kind).as_dict()

    def render_text(self, result: Any) -> str:
        if "queued" in result:
            return _("Queued as task %(id)s.") % {"id": result["queued"]}
        return _("%(checked)s running tickets checked; %(notified)s notifications, %(emails)s emails.") % result
