"""The retention tile of the overview (web/dashboard.py): key accounts by churn risk with the
riskiest named, and the tariff savings there are to offer them."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from powerkam.insights import health, selectors
from powerkam.staff.scope import Scope
from powerkam.web.dashboard import Figures, Tile, register

#: Seconds the figures are kept: health and tariff advice of every key account cost ~0.35 ms an
#: account (24 s for 66,000).
CACHE_SECONDS = 600
#: Accounts at high risk listed by name.
TOP_AT_RISK = 5


def retention_figures(scope: Scope, today: dt.date) -> Figures:
    report = health.key_account_health(user=scope, today=today)
    high = [r for r in report.rows if r.health.risk == "high"]
    opportunities = selectors.tariff_opportunities(user=scope)
    return {
        "period": report.period,
        "assessed": len(report.rows),
        "risk": dict(report.counts),
        "at_risk": [
            {
                "customer_id": r.account.customer_id,
                "name": r.account.name,
                "score": round(r.health.score),
                "reason": (
                    {"code": r.health.reasons[0].code, "figures": r.health.reasons[0].figures}
                    if r.health.reasons
                    else None
                ),
            }
            for r in high[:TOP_AT_RISK]
        ],
        "rising": len(health.risk_rising(user=scope, today=today)),
        "rising_days": health.RISING_DAYS,
        "tariff_savings_yuan": opportunities.total_yuan,
        "tariff_accounts": len(opportunities.rows),
    }


def register_tiles() -> None:
    register(
        Tile(
            "retention",
            _("Churn risk and tariff advice"),
            "insights/_tile_retention.html",
            retention_figures,
            order=60,
            css=("insights/insights.css",),
            cache_seconds=CACHE_SECONDS,
            prepared=True,
        )
    )
