"""/api/v1/grid: topology, reliability, upgrade candidates, connection priority, outage impact,
suggested windows, the month plan, outage records with their transitions, notices and follow-ups.

Authentication is the API-wide one (bearer token or session). Domain errors answer 400 in the API's error
shape (docs/api.md); account lists follow the account visibility rule (a manager sees their accounts).
"""

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
from powerkam.outages import network
from powerkam.outages import selectors as outage_selectors
from powerkam.outages import services as outage_services
from powerkam.outages.models import OutageFollowUp, OutageKind, OutageNotice, PlannedOutage
from powerkam.staff import permissions

#: The /api/v1/grid endpoints: the network pages' figures and the outage records. They moved here from the
#: grid app; each keeps the operation id it had there, so generated clients do not change.
router = Router(tags=["grid"])

#: The longest single outage a request may describe or look for (a week).
MAX_OUTAGE_HOURS = 24 * 7


def _visible(request: HttpRequest) -> set[str]:
    return set(accounts_visible_to(request.user).values_list("customer_id", flat=True))


# -- topology and reliability ------------------------------------------------------------------------


class GridFeederOut(Schema):
    feeder_id: str
    name: str
    voltage_kv: float
    rated_capacity_kva: float | None
    peak_load_kw: float | None
    headroom_kw: float | None
    accounts: list[str] = Field(description="Customer ids of the (key) accounts it supplies")
    dual_supply: list[str] = Field(description="Those of them with two or more feeders")


class SubstationOut(Schema):
    substation_id: str
    name: str
    district: str
    feeders: list[GridFeederOut]


@router.get(
    "/topology",
    response=list[SubstationOut],
    summary="Substations → feeders → key accounts",
    operation_id="powerkam_grid_api_topology",
)
def topology(request: HttpRequest, all_accounts: bool = False) -> list[dict[str, Any]]:
    visible = _visible(request)
    result = []
    for node in network.topology(key_only=not all_accounts):
        feeders = []
        for f in node.feeders:
            accounts = [a for a in f.accounts if a.customer_id in visible]
            feeders.append(
                {
                    "feeder_id": f.feeder.feeder_id,
                    "name": f.feeder.name,
                    "voltage_kv": float(f.feeder.voltage_kv),
                    "rated_capacity_kva": None
                    if f.feeder.rated_capacity_kva is None
                    else float(f.feeder.rated_capacity_kva),
                    "peak_load_kw": None if f.feeder.peak_load_kw is None else float(f.feeder.peak_load_kw),
                    "headroom_kw": None if f.headroom_kw is None else round(f.headroom_kw, 1),
                    "accounts": [a.customer_id for a in accounts],
                    "dual_supply": [a.customer_id for a in accounts if a.multiple_supply],
                }
            )
        result.append(
            {
                "substation_id": node.substation.substation_id,
                "name": node.substation.name,
                "district": node.substation.district,
                "feeders": feeders,
            }
        )
    return result


class ReliabilityOut(Schema):
    customer_id: str
    feeders: list[str]
    since: dt.datetime
    until: dt.datetime
    interruptions: int
    hours: float
    planned_interruptions: int
    planned_hours: float
    unplanned_interruptions: int
    unplanned_hours: float


@router.get(
    "/reliability",
    response=list[ReliabilityOut],
    summary="Interruptions per key account, last 12 months",
    operation_id="powerkam_grid_api_reliability",
)
def reliability(request: HttpRequest) -> list[dict[str, Any]]:
    visible = _visible(request)
    return [r.as_dict() for r in network.reliability_table() if r.customer_id in visible]


class CandidateOut(Schema):
    kind: str = Field(description="account or feeder")
    subject_id: str
    name: str
    reasons: list[list[Any]] = Field(
        description="[interruptions, n, limit], [hours, h, limit], [single_supply, grade, feeders], "
        "[headroom, headroom_kw, needed_kw]"
    )


@router.get(
    "/upgrades",
    response=list[CandidateOut],
    summary="Grid-upgrade candidates with their reasons",
    operation_id="powerkam_grid_api_upgrades",
)
def upgrades(request: HttpRequest) -> list[dict[str, Any]]:
    visible = _visible(request)
    return [
        {"kind": c.kind, "subject_id": c.subject_id, "name": c.name, "reasons": [list(r) for r in c.reasons]}
        for c in network.upgrade_candidates()
        if c.kind == "feeder" or c.subject_id in visible
    ]


class PriorityOut(Schema):
    rank: int
    customer_id: str
    name: str
    district: str
    same_district: bool
    distance_km: float | None
    needs_second_supply: bool
    interruptions: int
    hours: float
    feeders: list[str]


@router.get(
    "/priority",
    response=list[PriorityOut],
    summary="Key accounts to connect first to a new source",
    operation_id="powerkam_grid_api_priority",
)
def priority(
    request: HttpRequest,
    substation_id: str = "",
    district: str = "",
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None,
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None,
    max_distance_km: Annotated[float, Field(ge=0, le=10_000)] | None = None,
) -> list[dict[str, Any]]:
    source = network.source_of(substation_id=substation_id) if substation_id else {}
    visible = _visible(request)
    ranking = network.connection_priority(
        district=district or source.get("district", ""),
        latitude=latitude if latitude is not None else source.get("latitude"),
        longitude=longitude if longitude is not None else source.get("longitude"),
        max_distance_km=max_distance_km,
        source_id=source.get("source_id", ""),
    )
    return [{**e.__dict__, "feeders": list(e.feeders)} for e in ranking if e.customer_id in visible]


# -- impact, suggestion, plan -------------------------------------------------------------------------


class ImpactIn(Schema):
    feeders: Annotated[str, length(PlannedOutage, "feeders", required=True)] = Field(
        description='Feeder ids separated by ";" — all out together'
    )
    start: ApiDateTime
    end: ApiDateTime


class InterruptedOut(Schema):
    customer_id: str
    name: str
    feeders: list[str]
    dual_supply: bool
    key_account: bool
    grade: str
    important_grade: str
    weight: float
    ens_kwh: float | None = Field(description="null: no interval data, ENS unknown (never a silent zero)")
    weighted_ens_kwh: float | None


class RidingThroughOut(Schema):
    customer_id: str
    name: str
    feeders: list[str]
    key_account: bool
    grade: str
    important_grade: str


class ImpactOut(Schema):
    feeders: list[str]
    start: dt.datetime
    end: dt.datetime
    hours: float
    interrupted: list[InterruptedOut]
    riding_through: list[str] = Field(description="Customer ids of the accounts that keep supply on another feeder")
    riding_through_accounts: list[RidingThroughOut] = Field(description="The same accounts, named")
    ens_kwh: float
    weighted_ens_kwh: float
    unknown: list[str]
    warnings: list[str]
    provisional: bool


@router.post(
    "/impact",
    response={200: ImpactOut, 400: ErrorOut},
    summary="Who a window interrupts and its ENS",
    operation_id="powerkam_grid_api_impact",
)
def impact(request: HttpRequest, payload: ImpactIn) -> dict[str, Any]:
    scope = None if permissions.scope_of(request.user) is permissions.Scope.WHOLE_BASE else _visible(request)
    return (
        outage_selectors.outage_impact(
            feeders=payload.feeders,
            start=outage_selectors.to_aware(payload.start),
            end=outage_selectors.to_aware(payload.end),
        )
        .within(scope)
        .as_dict()
    )


class SuggestIn(Schema):
    feeders: Annotated[str, length(PlannedOutage, "feeders", required=True)]
    duration_hours: float = Field(gt=0, le=MAX_OUTAGE_HOURS)
    first: ApiDate = Field(alias="from")
    last: ApiDate = Field(alias="to")
    hours: str = Field(
        "",
        max_length=11,
        description="Allowed hours each day, HH:MM-HH:MM (an end before the start runs overnight)",
    )
    limit: int = Field(5, ge=1, le=50)


class WindowOut(Schema):
    start: dt.datetime
    end: dt.datetime
    ens_kwh: float
    weighted_ens_kwh: float


class SuggestOut(Schema):
    feeders: list[str]
    windows: list[WindowOut]
    interrupted: list[str]
    unknown: list[str]
    candidates: int
    warnings: list[str]


@router.post(
    "/suggest",
    response={200: SuggestOut, 400: ErrorOut},
    summary="Least harmful windows, best first",
    operation_id="powerkam_grid_api_suggest",
)
def suggest(request: HttpRequest, payload: SuggestIn) -> dict[str, Any]:
    return outage_selectors.suggest_windows(
        feeders=payload.feeders,
        duration_hours=payload.duration_hours,
        first=payload.first,
        last=payload.last,
        hours=payload.hours or None,
        limit=payload.limit,
    ).as_dict()


class JobIn(Schema):
    job_id: str = Field(min_length=1, max_length=100)
    feeders: Annotated[str, length(PlannedOutage, "feeders", required=True)]
    duration_hours: float = Field(gt=0, le=MAX_OUTAGE_HOURS)
    first: ApiDate = Field(alias="from")
    last: ApiDate = Field(alias="to")
    crew: Annotated[str, length(PlannedOutage, "crew")] = ""
    hours: str = Field("", max_length=11)


class GridPlanIn(Schema):
    jobs: list[JobIn] = Field(max_length=200)
    time_limit_s: float = Field(30.0, gt=0, le=600)


@router.post(
    "/plan",
    response={200: dict, 400: ErrorOut},
    summary="Month plan of outage jobs (OR-Tools CP-SAT)",
    operation_id="powerkam_grid_api_plan",
)
def plan(request: HttpRequest, payload: GridPlanIn) -> dict[str, Any]:
    jobs = [
        outage_selectors.JobInput(j.job_id, j.feeders, j.duration_hours, j.first, j.last, j.crew, j.hours)
        for j in payload.jobs
    ]
    return outage_selectors.plan_month(jobs=jobs, time_limit_s=payload.time_limit_s)


# -- outage records -----------------------------------------------------------------------------------


class AffectedOut(Schema):
    customer_id: str
    name: str
    key_account: bool
    ens_kwh: float | None
    weight: float


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


def _follow_up(f: OutageFollowUp) -> dict[str, Any]:
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
        "notices": [
            {
                "id": n.pk,
                "customer_id": n.account.customer_id,
                "channel": n.channel,
                "recipient": n.recipient,
                "sent_at": n.sent_at,
                "late": n.late,
                "acknowledged_at": n.acknowledged_at,
                "acknowledged_by": n.acknowledged_by,
            }
            for n in o.notices.filter(account__in=visible).select_related("account")
        ],
        "follow_ups": [
            _follow_up(f) for f in o.follow_ups.filter(account__in=visible).select_related("account", "assignee")
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
    return [_follow_up(f) for f in rows]


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
    return _follow_up(f)
