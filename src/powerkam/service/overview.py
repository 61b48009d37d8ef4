"""The service tile of the overview (web/dashboard.py): time limits kept over the last three months,
tickets open and tickets already past their time limit."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from powerkam.service import selectors
from powerkam.service.models import TicketKind, TicketStatus
from powerkam.staff.scope import Scope
from powerkam.web.dashboard import Figures, Tile, register

#: Seconds the figures are kept (a supervisor's whole area: ~1 s on 100,000 accounts).
CACHE_SECONDS = 300
#: Months of closed tickets the tile counts (this one and the two before).
MONTHS = 3


def service_figures(scope: Scope, today: dt.date) -> Figures:
    first = today.replace(day=1)
    for _month in range(MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    report = selectors.sla_compliance(user=scope, first_month=first, last_month=today, today=today)
    total = report["totals"].get("*")
    open_tickets = selectors.tickets_visible_to(scope).exclude(status=TicketStatus.CLOSED)
    return {
        "first_month": report["months"][0],
        "last_month": report["months"][-1],
        "closed": total.closed if total else 0,
        "met": total.met if total else 0,
        "rate": total.rate if total else None,
        "open": open_tickets.count(),
        "open_breached": total.open_breached if total else 0,
        "green_channel_open": open_tickets.filter(green_channel=True).count(),
        "kinds": [
            {
                "kind": kind,
                "label": label,
                "closed": report["totals"][kind].closed,
                "rate": report["totals"][kind].rate,
                "open_breached": report["totals"][kind].open_breached,
            }
            for kind, label in report["kinds"]
        ],
    }


def localize_figures(figures: Figures) -> Figures:
    """The business types' labels in the reader's language: the figures are cached per scope, not per
    language, so a label kept with them would be in the language of whoever asked first."""
    return {
        **figures,
        "kinds": [{**k, "label": str(TicketKind(k["kind"]).label)} for k in figures.get("kinds", [])],
    }


def register_tiles() -> None:
    register(
        Tile(
            "service",
            _("Service time limits"),
            "service/_tile_service.html",
            service_figures,
            order=30,
            cache_seconds=CACHE_SECONDS,
            localize=localize_figures,
        )
    )
