"""Service notifications (transfers, escalations before a breach) in the shared inbox."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from powerkam.service.messages import notification_text
from powerkam.service.selectors import notifications_for
from powerkam.web.inbox import register, table_source


def register_inbox() -> None:
    register(
        table_source(
            "service",
            _("Service"),
            lambda user, unread_only: notifications_for(user=user, unread_only=unread_only),
            text=notification_text,
            url=lambda n: reverse("service:ticket", args=[n.ticket_id]),
        )
    )
