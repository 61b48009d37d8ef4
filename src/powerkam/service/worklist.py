"""Service requests a user owns (open or paused) on the shared work list, due on their working-day clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from powerkam.service.models import Ticket, TicketStatus
from powerkam.web.worklist import Task, TaskSource, register

LABEL = _("Service request")


def _tasks(user: Any, today: dt.date) -> Iterator[Task]:
    rows = Ticket.objects.filter(owner_id=user.pk, status__in=[TicketStatus.OPEN, TicketStatus.PAUSED])
    for t in rows.select_related("account").order_by("due_on", "pk"):
        yield Task(
            kind="service_request",
            kind_label=LABEL,
            title=f"#{t.pk} {t.title}",
            subject=t.account.name if t.account else "",
            due_on=None if t.status == TicketStatus.PAUSED else t.due_on,
            url=reverse("service:ticket", args=[t.pk]),
            customer_id=t.account.customer_id if t.account else "",
        )


def register_tasks() -> None:
    register(TaskSource("service_request", LABEL, _tasks, order=20))
