"""The service desk's panels on the account 360 page and on "My work"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from powerkam.accounts.models import Account
from powerkam.core.stamps import tables_stamp
from powerkam.service import selectors
from powerkam.service.models import ClockPause, HourLimit, Ticket, TimeLimit, Transfer
from powerkam.staff.models import StaffProfile
from powerkam.web.panels import Panel, register
from powerkam.workdays.models import CalendarOverride, CalendarYear


def _account_tickets(request: HttpRequest, account: Account) -> dict[str, Any]:
    return {
        "rows": selectors.tickets_for_account(account=account),
        "empty_text": _("No service request for this account yet."),
        "new_url": reverse("service:ticket-new") + "?" + urlencode({"customer_id": account.customer_id}),
    }


def _account_workorders(request: HttpRequest, account: Account) -> dict[str, Any]:
    from powerkam.service.workorders import workorders_for_account

    rows = workorders_for_account(account=account)
    return {
        "rows": rows,
        "repeated": sum(1 for r in rows if r.repeated),
        "empty_text": _("No 95598 work order for this account."),
    }


def _my_tickets(request: HttpRequest, user: Any) -> dict[str, Any] | None:
    rows = selectors.my_tickets(user=user)
    return {
        "rows": rows[:10],
        # a round-the-clock ticket's minutes left move with the clock: kept only for the minute
        "live": any(r.ticket.round_the_clock for r in rows[:10]),
        "empty_text": _("No open ticket: nothing waits on you."),
        "new_url": reverse("service:ticket-new"),
        "all_url": reverse("service:mine"),
    }


def _my_tickets_stamp(user: Any, today: dt.date) -> str:
    """Everything the tickets panel reads: tickets, their pauses and transfers, the accounts, the staff,
    the limits and the calendar of working days (one query)."""
    return tables_stamp(
        Ticket, ClockPause, Transfer, Account, StaffProfile, HourLimit, TimeLimit, CalendarYear, CalendarOverride
    )


def register_panels() -> None:
    register(
        "account",
        Panel(
            "tickets",
            gettext_lazy("Service tickets"),
            "service/_panel_tickets.html",
            _account_tickets,
            order=40,
            lazy=True,
        ),
    )
    register(
        "account",
        Panel(
            "workorders",
            gettext_lazy("95598 work orders"),
            "service/_panel_workorders.html",
            _account_workorders,
            order=41,
            lazy=True,
        ),
    )
    register(
        "home",
        Panel(
            "tickets",
            gettext_lazy("My tickets by urgency"),
            "service/_panel_tickets.html",
            _my_tickets,
            order=20,
            stamp=_my_tickets_stamp,
        ),
    )
