"""``powerkam tickets close|transfer ROW…``: the ticket list's bulk actions on the command line.

Each ROW is a ticket number, ``12:3`` with the version the person saw (``GET /api/v1/service/tickets/12``
answers it): the same service as the web's bulk bar and the API (``services.tickets_close`` /
``tickets_transfer``), all or nothing — if one ticket is refused (changed since its version, already
closed, not the acting person's), nothing is changed and every refused ticket is named. A number
without a version is taken as it is now. ``--by USERNAME`` is the person acting (their permissions
apply, as on the web).
"""

from __future__ import annotations

import argparse
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from powerkam.core.bulk import BulkRefused, parse_rows
from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.service import selectors, services
from powerkam.service.models import Ticket


def user_named(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ApplicationError(_("There is no user '%(username)s'.") % {"username": username})
    return user


class Command(PowerKAMCommand):
    help = "Close or transfer several tickets at once, all or nothing (ROW: NUMBER or NUMBER:VERSION)."

    def add_arguments(self, parser: CommandParser) -> None:
        action = self.subcommands(parser)

        def sub(name: str, help_text: str) -> argparse.ArgumentParser:
            p = action(name, help_text)
            p.add_argument("--by", required=True, metavar="USERNAME", help="The person acting (their rights apply).")
            p.add_argument("rows", nargs="+", metavar="ROW", help="A ticket number, or NUMBER:VERSION as seen.")
            return p

        close = sub("close", "Close the tickets (each as the ticket page would).")
        close.add_argument("--resolution", default="", help="How the requests were resolved.")
        transfer = sub("transfer", "Ask a colleague to take the tickets over (they accept each).")
        transfer.add_argument("--to", required=True, metavar="USERNAME", help="The colleague asked.")
        transfer.add_argument("--note", default="", help="A note for the colleague.")

    def run(self, *args: Any, **options: Any) -> Any:
        by = user_named(options["by"])
        rows = parse_rows(options["rows"])
        bad = [key for key in rows if not key.isdigit()]
        if bad:
            raise ApplicationError(_("Not a ticket number: %(ids)s.") % {"ids": ", ".join(bad)})
        found = {str(t.pk): t for t in selectors.tickets_visible_to(by).filter(pk__in=[int(k) for k in rows])}
        missing = [k for k in rows if k not in found]
        if missing:
            raise ApplicationError(_("No such ticket (or you may not see it): %(ids)s.") % {"ids": ", ".join(missing)})
        tickets = [found[k] for k in rows]
        try:
            if options["action"] == "close":
                services.tickets_close(tickets=tickets, by=by, resolution=options["resolution"], versions=rows)
            else:
                services.tickets_transfer(
                    tickets=tickets, to_user=user_named(options["to"]), by=by, note=options["note"], versions=rows
                )
        except BulkRefused as exc:
            raise exc.with_rows() from None
        now = dict(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("pk", "version"))
        return {
            "action": options["action"],
            "done": len(tickets),
            "tickets": [{"id": t.pk, "version": now[t.pk]} for t in tickets],
        }

    def render_text(self, result: Any) -> str:
        if result["action"] == "close":
            return _("%(n)d tickets closed.") % {"n": result["done"]}
        return _(
            "Transfer of %(n)d tickets requested: %(user)s must accept each; until then the owners stay responsible."
        ) % {"n": result["done"], "user": self._to}

    def handle(self, *args: Any, **options: Any) -> None:
        self._to = options.get("to") or ""
        super().handle(*args, **options)
