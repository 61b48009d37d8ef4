"""Outage records: list, create, read and change an outage, and its transitions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from powerkam.accounts.selectors import accounts_visible_to
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import ApiDate, ApiDateTime, length
from powerkam.api.versioning import VERSIONED, ConflictOut, expected_version, optional_version, set_etag
from powerkam.core.http import request_user
from powerkam.outages import selectors as outage_selectors
from powerkam.outages import services as outage_services
from powerkam.outages.api.notices import GridFollowUpOut, NoticeOut, follow_up_out, notice_out
from powerkam.outages.models import OutageKind, PlannedOutage

router = Router()


class AffectedOut(Schema):
    customer_id: str
    name: str
    key_account: bool
    ens_kwh: float | None
    weight: float


class OutageOut(Schema):
    id: int
    version: int = Field(description="Send it back with a change (or If-Match: the ETag)")
    title: str
    kind: str
    status: str
    feeders: list[str]
    start: dt.datetime
    end: dt.datetime
    crew: str
    reason: str
    ens_kwh: float | None
    weighted_ens_kwh: float | None
    unknown_ens: list[str]
    notice_deadline: dt.datetime
    notice_state: str = Field(description="due, in_time, late (notified after the deadline) or overdue")
    notified_at: dt.datetime | None
    notice_late: bool
    affected: list[AffectedOut]
    notices: list[NoticeOut]
    follow_ups: list[GridFollowUpOut]


def _outage(o: PlannedOutage, user: Any) -> dict[str, Any]:
    """An outage as ``user`` may see it: every figure, but only the affected accounts in their scope
    (docs/permissions.md: a manager sees their own, a person without a role none)."""
    state = outage_selectors.notice_state(o)
    visible = accounts_visible_to(user)
    return {
        "id": o.pk,
        "version": o.version,
        "title": o.title,
        "kind": o.kind,
        "status": o.status,
        "feeders": o.feeder_list,
        "start": o.start,
        "end": o.end,
        "crew": o.crew,
        "reason": o.reason,
        "ens_kwh": o.ens_kwh,
        "weighted_ens_kwh": o.weighted_ens_kwh,
        "unknown_ens": o.unknown_list,
        "notice_deadline": state.deadline,
        "notice_state": state.state,
        "notified_at": o.notified_at,
        "notice_late": o.notice_late,
        "affected": [
            {
                "customer_id": a.account.customer_id,
                "name": a.account.name,
                "key_account": a.key_account,
                "ens_kwh": a.ens_kwh,
                "weight": a.weight,
            }
            for a in o.affected.filter(account__in=visible).select_related("account")
        ],
        "notices": [notice_out(n) for n in o.notices.filter(account__in=visible).select_related("account")],
        "follow_ups": [
            follow_up_out(f) for f in o.follow_ups.filter(account__in=visible).select_related("account", "assignee")
        ],
    }


@router.get(
    "/outages",
    response=list[OutageOut],
    summary="Outage records (cancelled ones on request)",
    operation_id="powerkam_grid_api_outages",
)
def outages(
    request: HttpRequest, first: ApiDate | None = None, last: ApiDate | None = None, include_cancelled: bool = False
) -> list[dict[str, Any]]:
    return [
        _outage(o, request.user)
        for o in outage_selectors.outage_list(first=first, last=last, include_cancelled=include_cancelled)
    ]


class OutageIn(Schema):
    title: Annotated[str, length(PlannedOutage, "title")] = ""
    feeders: Annotated[str, length(PlannedOutage, "feeders", required=True)]
    start: ApiDateTime
    end: ApiDateTime
    kind: OutageKind = OutageKind.PLANNED
    crew: Annotated[str, length(PlannedOutage, "crew")] = ""
    reason: Annotated[str, length(PlannedOutage, "reason")] = ""


@router.post(
    "/outages",
    response={201: OutageOut, 400: ErrorOut},
    summary="Create a draft outage",
    operation_id="powerkam_grid_api_outage_create",
)
def outage_create(request: HttpRequest, payload: OutageIn) -> Status:
    outage = outage_services.outage_create(
        title=payload.title,
        feeders=payload.feeders,
        start=payload.start,
        end=payload.end,
        kind=payload.kind,
        crew=payload.crew,
        reason=payload.reason,
        by=request_user(request),
    )
    return Status(201, _outage(outage, request.user))


@router.get("/outages/{outage_id}", response=OutageOut, operation_id="powerkam_grid_api_outage_get")
def outage_get(request: HttpRequest, outage_id: int, response: HttpResponse) -> dict[str, Any]:
    """The outage; its ``ETag`` is its version (send it as ``If-Match`` to change it)."""
    outage = get_object_or_404(PlannedOutage, pk=outage_id)
    set_etag(response, outage)
    return _outage(outage, request.user)


class OutagePatchIn(Schema):
    title: Annotated[str, length(PlannedOutage, "title")] | None = None
    feeders: Annotated[str, length(PlannedOutage, "feeders", required=True)] | None = None
    start: ApiDateTime | None = None
    end: ApiDateTime | None = None
    kind: OutageKind | None = None
    crew: Annotated[str, length(PlannedOutage, "crew")] | None = None
    reason: Annotated[str, length(PlannedOutage, "reason")] | None = None
    version: int | None = Field(None, ge=1, description="The version you edited (or send it as If-Match)")


@router.patch(
    "/outages/{outage_id}",
    response={200: OutageOut, 400: ErrorOut, **VERSIONED},
    summary="Change a draft or scheduled outage (send the version you edited; a stale one answers 409)",
    operation_id="powerkam_grid_api_outage_patch",
)
def outage_patch(request: HttpRequest, outage_id: int, payload: OutagePatchIn, response: HttpResponse) -> Any:
    outage = get_object_or_404(PlannedOutage, pk=outage_id)
    fields = payload.dict(exclude_unset=True)
    fields.pop("version", None)
    version = expected_version(request, payload.version)
    outage = outage_services.outage_update(outage=outage, by=request_user(request), version=version, **fields)
    set_etag(response, outage)
    return _outage(outage, request.user)


@router.post(
    "/outages/{outage_id}/{action}",
    response={200: OutageOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="schedule · notify · done · cancel (If-Match: the version seen, optional)",
    operation_id="powerkam_grid_api_outage_action",
)
def outage_action(
    request: HttpRequest, outage_id: int, action: Literal["schedule", "notify", "done", "cancel"]
) -> dict[str, Any]:
    outage = get_object_or_404(PlannedOutage, pk=outage_id)
    user = request_user(request)
    version = optional_version(request)
    if action == "schedule":
        outage = outage_services.outage_schedule(outage=outage, by=user, version=version)
    elif action == "notify":
        outage = outage_services.outage_notify(
            outage=outage, by=user, ack_base_url=request.build_absolute_uri("/"), version=version
        )
    elif action == "done":
        outage = outage_services.outage_complete(outage=outage, by=user, version=version)
    elif action == "cancel":
        outage = outage_services.outage_cancel(outage=outage, by=user, version=version)
    else:
        raise HttpError(404, _("Unknown action %(action)s.") % {"action": action})
    return _outage(outage, request.user)
