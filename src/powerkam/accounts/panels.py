"""The accounts app's own lazy panel on the 360 page: the group company (集团客户) the account heads
or belongs to, with every account of the group and their last 12 months together."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from powerkam.accounts import selectors
from powerkam.accounts.models import Account
from powerkam.web.panels import Panel, register


def _group(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    group = selectors.account_group(user=request.user, account=account)
    return None if group is None else {"group": group, "current": account}


def register_panels() -> None:
    register("account", Panel("group", _("Group company"), "accounts/_panel_group.html", _group, order=5, lazy=True))
