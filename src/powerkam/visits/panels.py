"""Visits on the account 360 page (open follow-ups) and on "My work" (this week's visits)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.staff import permissions
from powerkam.visits import selectors
from powerkam.web.panels import Panel, register

CSS = ("visits/visits.css",)


def _account_followups(request: HttpRequest, account: Account) -> dict[str, Any]:
    return {
        "followups": selectors.open_followups_for_account(account),
        "today": timezone.localdate(),
        "can_close": permissions.can(request.user, "visits.change_visits", account),
    }


def _my_work(request: HttpRequest, user: Any) -> dict[str, Any]:
    return {"work": selectors.my_visits_and_followups(user, timezone.localdate())}


def register_panels() -> None:
    register(
        "account",
        Panel(
            "followups",
            _("Open follow-ups"),
            "visits/_panel_followups.html",
            _account_followups,
            order=30,
            css=CSS,
            lazy=True,
        ),
    )
    register(
        "home",
        Panel(
            "visits",
            _("My visits and follow-ups"),
            "visits/_my_work.html",
            _my_work,
            order=10,
            css=CSS,
            stamp=selectors.my_work_stamp,
        ),
    )
