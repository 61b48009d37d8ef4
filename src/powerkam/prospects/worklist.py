"""Open tasks on government key projects on the shared work list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from powerkam.prospects.models import FollowUp, FollowUpStatus, Project
from powerkam.web.worklist import Task, TaskSource, register

LABEL = _("Project task")


def _tasks(user: Any, today: dt.date) -> Iterator[Task]:
    rows = FollowUp.objects.filter(assignee_id=user.pk, status=FollowUpStatus.OPEN).select_related("project")
    for f in rows.order_by("due_on", "pk"):
        yield Task(
            kind="project_task",
            kind_label=LABEL,
            title=f.title,
            subject=f.project.name,
            due_on=f.due_on,
            url=reverse("prospects:detail", args=[f.project.project_id]),
        )


def register_tasks() -> None:
    register(TaskSource("project_task", LABEL, _tasks, order=30, models=(FollowUp, Project)))
