"""Supply reliability and planned outages on the account 360 page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError
from powerkam.outages import network, selectors
from powerkam.web.panels import Panel, register


def _account_reliability(request: HttpRequest, account: Account) -> dict[str, Any]:
    # the outages of its fault repairs are on its record too (docs/service.md)
    faults = network.recent_fault_interruptions(account=account, limit=10)
    try:
        reliability = network.account_reliability(account=account) if account.feeders or faults else None
    except ApplicationError as exc:  # e.g. no outage history imported yet
        reliability, problem = None, exc.message
    else:
        problem = ""
    outages = selectors.outages_affecting(account=account, limit=10)
    return {"reliability": reliability, "problem": problem, "outages": outages, "faults": faults}


def register_panels() -> None:
    register(
        "account",
        Panel(
            "reliability",
            _("Reliability and outages"),
            "outages/_panel_reliability.html",
            _account_reliability,
            order=50,
            lazy=True,
        ),
    )
