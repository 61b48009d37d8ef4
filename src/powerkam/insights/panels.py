"""Health, churn risk and tariff advice on the account 360 page, accounts at risk on "My work":
each panel loads its figures with HTMX after the page, so reading the store never slows the page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.web.panels import Panel, register

CSS = ("insights/insights.css",)


def _customer(request: HttpRequest, account: Account) -> dict[str, Any]:
    return {"customer_id": account.customer_id}


def _mine(request: HttpRequest, user: object) -> dict[str, Any]:
    return {}


def register_panels() -> None:
    register(
        "account",
        Panel("health", _("Health and churn risk"), "insights/_panel_health.html", _customer, order=15, css=CSS),
    )
    register(
        "account", Panel("tariff", _("Tariff advice"), "insights/_panel_tariff.html", _customer, order=60, css=CSS)
    )
    register(
        "home", Panel("at-risk", _("My accounts at risk"), "insights/_panel_my_risk.html", _mine, order=30, css=CSS)
    )
