"""Service notifications (transfers, escalations before a breach) in the shared inbox."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from powerkam.service.messages import notification_text
from powerkam.service.selectors import notifications_for
from powerkam.web.inbox import InboxSource, Message, register

LABEL = _("Service")


def _recent(user: Any, limit: int) -> list[Message]:
    rows = notifications_for(user=user, unread_only=False).order_by("-created_at", "-pk")[:limit]
    return [
        Message(
            "service",
            LABEL,
            notification_text(n),
            n.created_at,
            n.read_at is not None,
            reverse("service:ticket", args=[n.ticket_id]),
        )
        for n in rows
    ]


def register_inbox() -> None:
    register(
        InboxSource(
            "service",
            LABEL,
            unread=lambda user: notifications_for(user=user).count(),
            recent=_recent,
            mark_read=lambda user: notifications_for(user=user).update(read_at=timezone.now()),
        )
    )
