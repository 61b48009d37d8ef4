"""Risk alerts (a key account moved to a higher churn risk) in the shared inbox."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from powerkam.insights.health import risk_alerts_for
from powerkam.web.inbox import InboxSource, Message, register

LABEL = _("Churn risk")
RISK_LABELS = {"low": _("low risk"), "medium": _("medium risk"), "high": _("high risk")}


def _recent(user: Any, limit: int) -> list[Message]:
    rows = risk_alerts_for(user=user, unread_only=False).order_by("-created_at", "-pk")[:limit]
    return [
        Message(
            "risk",
            LABEL,
            gettext("%(name)s: %(before)s → %(now)s (score %(a)s → %(b)s)")
            % {
                "name": a.account.name,
                "before": RISK_LABELS.get(a.risk_before, a.risk_before),
                "now": RISK_LABELS.get(a.risk_now, a.risk_now),
                "a": f"{a.score_before:.0f}",
                "b": f"{a.score_now:.0f}",
            },
            a.created_at,
            a.read_at is not None,
            reverse("accounts:detail", args=[a.account.customer_id]) + "#health",
        )
        for a in rows
    ]


def register_inbox() -> None:
    register(
        InboxSource(
            "risk",
            LABEL,
            unread=lambda user: risk_alerts_for(user=user).count(),
            recent=_recent,
            mark_read=lambda user: risk_alerts_for(user=user).update(read_at=timezone.now()),
        )
    )
