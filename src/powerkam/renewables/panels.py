"""The account 360 page's renewables panel (loaded after the page): the year's quota figures and the
monthly generation / self-use / export chart; absent for an account with no renewable data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.web.panels import Panel, register


def _context(request: HttpRequest, account: Account) -> dict[str, Any] | None:
    from powerkam.renewables import charts, selectors

    year = selectors.check_year(None)
    item = selectors.account_renewables_many([account], year)[0]
    months = selectors.monthly_generation(account)
    if not item.figures.has_renewables and not months:
        return None
    return {
        "item": item,
        "figures": selectors.as_dict(item),
        "chart": charts.generation_chart(months) if months else None,
    }


def register_panels() -> None:
    register(
        "account",
        Panel("renewables", _("Renewable energy"), "renewables/_panel.html", _context, order=65, lazy=True),
    )
