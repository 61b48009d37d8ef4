"""Risk alerts (a key account moved to a higher churn risk) in the shared inbox."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from powerkam.insights.health import risk_alerts_for
from powerkam.web.inbox import register, table_source

RISK_LABELS = {"low": _("low risk"), "medium": _("medium risk"), "high": _("high risk")}


def alert_text(alert: Any) -> str:
    """A risk alert worded in the reader's language."""
    return gettext("%(name)s: %(before)s → %(now)s (score %(a)s → %(b)s)") % {
        "name": alert.account.name,
        "before": RISK_LABELS.get(alert.risk_before, alert.risk_before),
        "now": RISK_LABELS.get(alert.risk_now, alert.risk_now),
        "a": f"{alert.score_before:.0f}",
        "b": f"{alert.score_now:.0f}",
    }


def register_inbox() -> None:
    register(
        table_source(
            "risk",
            _("Churn risk"),
            lambda user, unread_only: risk_alerts_for(user=user, unread_only=unread_only),
            text=alert_text,
            url=lambda a: reverse("accounts:detail", args=[a.account.customer_id]) + "#health",
        )
    )
