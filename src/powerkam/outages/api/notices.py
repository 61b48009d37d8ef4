"""What follows an outage's notice: the customer's acknowledgement, and the follow-ups after the outage."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from powerkam.accounts.selectors import accounts_visible_to
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import length
from powerkam.api.versioning import ConflictOut, optional_version
from powerkam.core.http import request_user
from powerkam.outages import services as outage_services
from powerkam.outages.models import OutageFollowUp, OutageNotice
from powerkam.staff import permissions

router = Router()


class NoticeOut(Schema):
    id: int
    customer_id: str
    channel: str
    recipient: str
    sent_at: dt.datetime
    late: bool
    acknowledged_at: dt.datetime | None
    acknowledged_by: str


class GridFollowUpOut(Schema):
    id: int
    outage_id: int
    customer_id: str
    assignee: str | None
    due_on: dt.date
    status: str
    note: str
    version: int


def notice_out(n: OutageNotice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "customer_id": n.account.customer_id,
        "channel": n.channel,
        "recipient": n.recipient,
        "sent_at": n.sent_at,
        "late": n.late,
        "acknowledged_at": n.acknowledged_at,
        "acknowledged_by": n.acknowledged_by,
    }


def follow_up_out(f: OutageFollowUp) -> dict[str, Any]:
    return {
        "id": f.pk,
        "outage_id": f.outage_id,
        "customer_id": f.account.customer_id,
        "assignee": f.assignee.get_username() if f.assignee else None,
        "due_on": f.due_on,
        "status": f.status,
        "note": f.note,
        "version": f.version,
    }


class AcknowledgeIn(Schema):
    by_name: Annotated[str, length(OutageNotice, "acknowledged_by")] = Field(
        "", description="Who confirmed the receipt"
    )


@router.post(
    "/notices/{notice_id}/acknowledge",
    response={200: NoticeOut, 400: ErrorOut},
    operation_id="powerkam_grid_api_notice_acknowledge",
)
def notice_acknowledge(request: HttpRequest, notice_id: int, payload: AcknowledgeIn) -> dict[str, Any]:
    permissions.require(request.user, "outages.plan_outages")
    n = outage_services.notice_acknowledge(
        notice=get_object_or_404(OutageNotice, pk=notice_id), by_name=payload.by_name
    )
    return notice_out(n)


@router.get(
    "/follow-ups",
    response=list[GridFollowUpOut],
    summary="Follow-ups after outages (open ones by default)",
    operation_id="powerkam_grid_api_follow_ups",
)
def follow_ups(request: HttpRequest, status: str = "open") -> list[dict[str, Any]]:
    rows = OutageFollowUp.objects.select_related("account", "assignee").filter(
        account__in=accounts_visible_to(request.user)
    )
    if status != "all":
        rows = rows.filter(status=status)
    return [follow_up_out(f) for f in rows]


class GridCloseIn(Schema):
    note: Annotated[str, length(OutageFollowUp, "note")] = ""
    version: int | None = Field(None, ge=1, description="The version you saw (or If-Match); a stale one answers 409")


@router.post(
    "/follow-ups/{follow_up_id}/close",
    response={200: GridFollowUpOut, 409: ConflictOut},
    operation_id="powerkam_grid_api_follow_up_close",
)
def follow_up_close(request: HttpRequest, follow_up_id: int, payload: GridCloseIn) -> dict[str, Any]:
    f = outage_services.follow_up_close(
        follow_up=get_object_or_404(OutageFollowUp, pk=follow_up_id),
        note=payload.note,
        by=request_user(request),
        version=optional_version(request, payload.version),
    )
    return follow_up_out(f)
