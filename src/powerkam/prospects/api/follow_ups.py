"""A project's follow-up tasks and its contact log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from powerkam.api.errors import ErrorOut
from powerkam.api.fields import USERNAME, ApiDate, length
from powerkam.api.versioning import ConflictOut, optional_version
from powerkam.core.http import request_user
from powerkam.prospects import services
from powerkam.prospects.api.common import project_of, staff, username, visible
from powerkam.prospects.models import Channel, ContactEntry, FollowUp, Party

router = Router()


class ProspectsFollowUpOut(Schema):
    id: int
    title: str
    due_on: dt.date | None
    assignee: str | None
    blocker: bool
    status: str
    done_on: dt.date | None
    outcome: str
    version: int


class ProspectsContactOut(Schema):
    id: int
    on: dt.date
    party: str
    organisation: str
    person: str
    channel: str
    summary: str
    by: str | None


class FollowUpIn(Schema):
    title: Annotated[str, length(FollowUp, "title", required=True)]
    due_on: ApiDate | None = None
    assignee: Annotated[str, USERNAME] | None = None
    blocker: bool = False


class FollowUpDoneIn(Schema):
    on: ApiDate | None = None
    outcome: Annotated[str, length(FollowUp, "outcome")] = ""
    version: int | None = Field(None, ge=1, description="The version you saw (or If-Match); a stale one answers 409")


class ContactIn(Schema):
    on: ApiDate
    party: Party = Field(description="government, owner or other")
    summary: Annotated[str, length(ContactEntry, "summary", required=True)]
    organisation: Annotated[str, length(ContactEntry, "organisation")] = ""
    person: Annotated[str, length(ContactEntry, "person")] = ""
    channel: Channel = Channel.MEETING


def follow_up_out(t: FollowUp) -> dict[str, Any]:
    return {
        "id": t.pk,
        "title": t.title,
        "due_on": t.due_on,
        "assignee": username(t.assignee),
        "blocker": t.blocker,
        "status": t.status,
        "done_on": t.done_on,
        "outcome": t.outcome,
        "version": t.version,
    }


def contact_out(c: ContactEntry) -> dict[str, Any]:
    return {
        "id": c.pk,
        "on": c.on,
        "party": c.party,
        "organisation": c.organisation,
        "person": c.person,
        "channel": c.channel,
        "summary": c.summary,
        "by": username(c.by),
    }


@router.post("/projects/{project_id}/follow-ups", response={201: ProspectsFollowUpOut, 400: ErrorOut, 404: ErrorOut})
def add_follow_up(request: HttpRequest, project_id: str, payload: FollowUpIn) -> Status[dict[str, Any]]:
    project = project_of(request, project_id)
    task = services.follow_up_create(
        project=project,
        by=request_user(request),
        title=payload.title,
        due_on=payload.due_on,
        assignee=staff(payload.assignee),
        blocker=payload.blocker,
    )
    return Status(201, follow_up_out(task))


@router.post(
    "/follow-ups/{task_id}/done", response={200: ProspectsFollowUpOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut}
)
def finish_follow_up(request: HttpRequest, task_id: int, payload: FollowUpDoneIn) -> dict[str, Any]:
    visible(request)
    task = FollowUp.objects.filter(pk=task_id).first()
    if task is None:
        raise HttpError(404, _("No such task."))
    return follow_up_out(
        services.follow_up_done(
            follow_up=task,
            by=request_user(request),
            on=payload.on,
            outcome=payload.outcome,
            version=optional_version(request, payload.version),
        )
    )


@router.post("/projects/{project_id}/contacts", response={201: ProspectsContactOut, 400: ErrorOut, 404: ErrorOut})
def log_contact(request: HttpRequest, project_id: str, payload: ContactIn) -> Status[dict[str, Any]]:
    project = project_of(request, project_id)
    entry = services.contact_log_add(project=project, by=request_user(request), **payload.dict())
    return Status(201, contact_out(entry))
