"""Follow-ups after planned outages (one per affected key account) on the shared work list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.outages.models import FollowUpStatus, OutageFollowUp, PlannedOutage
from powerkam.web.worklist import Task, TaskSource, register

LABEL = _("After an outage")


def _tasks(user: Any, today: dt.date) -> Iterator[Task]:
    rows = OutageFollowUp.objects.filter(assignee_id=user.pk, status=FollowUpStatus.OPEN).select_related(
        "outage", "account"
    )
    for f in rows.order_by("due_on", "pk"):
        yield Task(
            kind="outage_followup",
            kind_label=LABEL,
            title=gettext("Ask how the outage “%(title)s” went") % {"title": f.outage.title},
            subject=f.account.name,
            due_on=f.due_on,
            url=reverse("grid:outage", args=[f.outage_id]),
            customer_id=f.account.customer_id,
        )


def register_tasks() -> None:
    register(TaskSource("outage_followup", LABEL, _tasks, order=40, models=(OutageFollowUp, PlannedOutage, Account)))
