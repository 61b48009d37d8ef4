"""The account's grade history, with the reasons of each run, on its 360 page (loaded by HTMX)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.web.panels import Panel, register


def _history(request: HttpRequest, account: Account) -> dict[str, Any]:
    return {"customer_id": account.customer_id}


def register_panels() -> None:
    register(
        "account", Panel("grading", _("Grade and credit history"), "grading/_panel_history.html", _history, order=10)
    )
