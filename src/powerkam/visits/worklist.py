"""Open visit follow-ups (customer needs raised on visits) on the shared work list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.visits.models import FollowUp, FollowUpStatus
from powerkam.web.worklist import Task, TaskSource, register

LABEL = _("Visit follow-up")


def _tasks(user: Any, today: dt.date) -> Iterator[Task]:
    rows = FollowUp.objects.filter(owner_id=user.pk, status=FollowUpStatus.OPEN).select_related("account")
    for f in rows.order_by("due_on", "pk"):
        yield Task(
            kind="visit_followup",
            kind_label=LABEL,
            title=f.need.splitlines()[0] if f.need else "",
            subject=f.account.name,
            due_on=f.due_on,
            url=reverse("accounts:detail", args=[f.account.customer_id]) + "#followups",
            customer_id=f.account.customer_id,
        )


def register_tasks() -> None:
    register(TaskSource("visit_followup", LABEL, _tasks, order=10, models=(FollowUp, Account)))
