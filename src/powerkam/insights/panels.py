"""Tariff advice on the account 360 page: the panel loads its figures with HTMX after the page,
so reading 12 months of bills never slows the page itself."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.web.panels import Panel, register


def _tariff(request: HttpRequest, account: Account) -> dict[str, Any]:
    return {"customer_id": account.customer_id}


def register_panels() -> None:
    register("account", Panel("tariff", _("Tariff advice"), "insights/_panel_tariff.html", _tariff, order=60))
