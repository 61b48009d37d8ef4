"""/api/v1/prospects: government key projects, their stages, "1+1" managers, tasks, contacts,
capacity reservations and headroom, the funnel, the demand by quarter and the weekly report.

Authentication is the API-wide one (bearer token or session). Domain errors answer 400 in the API's error
shape (docs/api.md); a refused reservation also carries its numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from powerkam.accounts.models import Account
from powerkam.analytics.headroom import Headroom
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import ANNUAL_KWH, CAPACITY, MAX_CAPACITY_KVA, USERNAME, VOLTAGE, ApiDate, digits, length
from powerkam.api.versioning import VERSIONED, ConflictOut, expected_version, optional_version
from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.grid.models import Feeder, Substation
from powerkam.prospects import funnel as funnel_math
from powerkam.prospects import report as weekly
from powerkam.prospects import selectors, services
from powerkam.prospects.models import Channel, ContactEntry, FollowUp, Party, Project, Reservation, Stage, StageChange

router = Router(tags=["prospects"])


class ReservationOut(Schema):
    id: int
    project_id: str
    feeder_id: str | None
    substation_id: str | None
    kva: Decimal
    reserved_on: dt.date
    valid_until: dt.date
    status: str
    released_on: dt.date | None
    release_reason: str


class ProjectOut(Schema):
    project_id: str
    name: str
    stage: str
    stage_label: str
    stage_since: dt.date | None
    days_in_stage: int | None
    industry: str
    district: str
    expected_capacity_kva: Decimal | None
    expected_annual_kwh: Decimal | None
    expected_energize_on: dt.date | None
    supply_voltage_kv: Decimal | None
    dual_supply: bool
    green_channel: bool
    government_contact: str
    owner_name: str
    owner_contact: str
    primary_manager: str | None = Field(description="Username of the primary (business) manager")
    secondary_manager: str | None = Field(description="Username of the secondary (technical) manager")
    feeder_id: str | None
    customer_id: str | None = Field(description="The account opened when the project applied for connection")
    case_id: int | None
    lost_reason: str
    version: int = Field(description="Send it back when you change the project (or If-Match: the ETag)")


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    on: dt.date
    by: str | None
    note: str
    source: str


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


class ProjectDetailOut(ProjectOut):
    stage_changes: list[StageChangeOut]
    follow_ups: list[ProspectsFollowUpOut]
    contacts: list[ProspectsContactOut]
    reservations: list[ReservationOut]


class ProjectIn(Schema):
    project_id: Annotated[str, length(Project, "project_id", required=True)]
    name: Annotated[str, length(Project, "name", required=True)]
    stage: Literal["planned", "approved"] = Field("planned", description="planned or approved")
    on: ApiDate | None = Field(None, description="When it was planned / approved (default today)")
    industry: Annotated[str, length(Project, "industry")] = ""
    district: Annotated[str, length(Project, "district")] = ""
    expected_capacity_kva: Annotated[Decimal, CAPACITY] | None = None
    expected_annual_kwh: Annotated[Decimal, ANNUAL_KWH] | None = None
    expected_energize_on: ApiDate | None = None
    supply_voltage_kv: Annotated[Decimal, VOLTAGE] | None = None
    dual_supply: bool = False
    green_channel: bool = False
    government_contact: Annotated[str, length(Project, "government_contact")] = ""
    owner_name: Annotated[str, length(Project, "owner_name")] = ""
    owner_contact: Annotated[str, length(Project, "owner_contact")] = ""


class ProjectPatchIn(Schema):
    name: Annotated[str, length(Project, "name", required=True)] | None = None
    industry: Annotated[str, length(Project, "industry")] | None = None
    district: Annotated[str, length(Project, "district")] | None = None
    expected_capacity_kva: Annotated[Decimal, CAPACITY] | None = None
    expected_annual_kwh: Annotated[Decimal, ANNUAL_KWH] | None = None
    expected_energize_on: ApiDate | None = None
    supply_voltage_kv: Annotated[Decimal, VOLTAGE] | None = None
    dual_supply: bool | None = None
    green_channel: bool | None = None
    government_contact: Annotated[str, length(Project, "government_contact")] | None = None
    owner_name: Annotated[str, length(Project, "owner_name")] | None = None
    owner_contact: Annotated[str, length(Project, "owner_contact")] | None = None
    feeder_id: Annotated[str, length(Feeder, "feeder_id")] | None = None
    notes: Annotated[str, length(Project, "notes")] | None = None
    version: int | None = Field(None, ge=1, description="The version you edited (or send it as If-Match)")


class ManagersIn(Schema):
    primary: Annotated[str, USERNAME] | None = Field(None, description="Username, or null to leave the role empty")
    secondary: Annotated[str, USERNAME] | None = None
    version: int | None = Field(None, ge=1, description="The version you edited (or send it as If-Match)")


class StageIn(Schema):
    to_stage: Stage = Field(description="The next stage, or lost")
    on: ApiDate | None = None
    note: Annotated[str, length(StageChange, "note")] = ""
    lost_reason: Annotated[str, length(Project, "lost_reason")] = ""
    customer_id: Annotated[str, length(Account, "customer_id")] = Field(
        "", description="applied: the customer id the billing system assigned"
    )
    tariff: Annotated[str, length(Account, "tariff")] = "large_industrial"
    voltage_kv: Annotated[Decimal, VOLTAGE] | None = None
    capacity_kva: Annotated[Decimal, CAPACITY] | None = None
    version: int | None = Field(None, ge=1, description="Optional: the version you saw (or If-Match)")


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


class ReservationIn(Schema):
    feeder_id: Annotated[str, length(Feeder, "feeder_id")] | None = None
    substation_id: Annotated[str, length(Substation, "substation_id")] | None = None
    kva: Annotated[Decimal, digits(Reservation, "kva", ge=0, le=MAX_CAPACITY_KVA)]
    valid_until: ApiDate


class ReleaseIn(Schema):
    reason: Annotated[str, length(Reservation, "release_reason")] = ""


class HeadroomOut(Schema):
    known: bool
    rated_kva: Decimal | None
    rated_kw: Decimal | None
    peak_kw: Decimal | None
    reserved_kva: Decimal
    available_kw: Decimal | None
    available_kva: Decimal | None


class ProspectsFeederOut(Schema):
    feeder_id: str
    name: str
    substation_id: str
    headroom: HeadroomOut
    projects: list[str]
    expected_unreserved_kva: Decimal
    fits_expected: bool | None


class StageFunnelOut(Schema):
    stage: str
    reached: int
    moved_on: int
    conversion: float | None = Field(description="Percent of those that reached the stage and went on")
    lost: int
    now: int
    mean_days: float | None
    median_days: float | None


class FunnelOut(Schema):
    key: str
    stages: list[StageFunnelOut]


class FunnelsOut(Schema):
    overall: FunnelOut
    by_district: list[FunnelOut]
    by_industry: list[FunnelOut]


class QuarterOut(Schema):
    quarter: str
    projects: int
    capacity_kva: dict[str, Decimal]
    annual_kwh: dict[str, Decimal]
    total_kva: Decimal
    total_kwh: Decimal


class DemandGroupOut(Schema):
    district: str
    industry: str
    count: int
    capacity_kva: Decimal
    annual_kwh: Decimal
    projects: list[str]


class GreenStepOut(Schema):
    step: str
    accepted_on: dt.date
    limit_days: int
    due_on: dt.date
    closed_on: dt.date | None
    state: str
    days_left: int | None
    provisional: bool


class ReportRowOut(Schema):
    project_id: str
    name: str
    stage: str
    days_in_stage: int | None
    primary_manager: str
    secondary_manager: str
    done: list[str]
    next_steps: list[str]
    blockers: list[str]
    reservations: list[str]
    green_steps: list[GreenStepOut]


class ReportOut(Schema):
    title: str
    week_start: dt.date
    as_of: dt.date
    rows: list[ReportRowOut]


class ProspectsListFilters(Schema):
    q: str = ""
    stage: str = Field("", description="A stage, 'open' (not energised or lost) or empty for all")
    district: str = ""
    industry: str = ""
    mine: bool = False
    green: bool = False


def _visible(request: HttpRequest) -> None:
    if not selectors.user_sees_prospects(request.user):
        raise HttpError(403, _("Prospects are for PowerKAM staff."))


def _get(request: HttpRequest, project_id: str) -> Project:
    _visible(request)
    try:
        return selectors.project_get(user=request.user, project_id=project_id)
    except Project.DoesNotExist:
        raise HttpError(404, _("No such project.")) from None


def _username(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def _staff(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ApplicationError(_("There is no user %(name)r.") % {"name": username})
    return user


def _reservation(r: Reservation) -> dict[str, Any]:
    return {
        "id": r.pk,
        "project_id": r.project.project_id,
        "feeder_id": r.feeder.feeder_id if r.feeder else None,
        "substation_id": r.substation.substation_id if r.substation else None,
        "kva": r.kva,
        "reserved_on": r.reserved_on,
        "valid_until": r.valid_until,
        "status": r.status,
        "released_on": r.released_on,
        "release_reason": r.release_reason,
    }


def _project(p: Project) -> dict[str, Any]:
    return {
        "project_id": p.project_id,
        "name": p.name,
        "stage": p.stage,
        "stage_label": str(p.get_stage_display()),
        "stage_since": p.stage_since,
        "days_in_stage": selectors.days_in_stage(p),
        "industry": p.industry,
        "district": p.district,
        "expected_capacity_kva": p.expected_capacity_kva,
        "expected_annual_kwh": p.expected_annual_kwh,
        "expected_energize_on": p.expected_energize_on,
        "supply_voltage_kv": p.supply_voltage_kv,
        "dual_supply": p.dual_supply,
        "green_channel": p.green_channel,
        "government_contact": p.government_contact,
        "owner_name": p.owner_name,
        "owner_contact": p.owner_contact,
        "primary_manager": _username(p.primary_manager),
        "secondary_manager": _username(p.secondary_manager),
        "feeder_id": p.feeder.feeder_id if p.feeder else None,
        "customer_id": p.account.customer_id if p.account else None,
        "case_id": p.case_id,
        "lost_reason": p.lost_reason,
        "version": p.version,
    }


def _follow_up(t: FollowUp) -> dict[str, Any]:
    return {
        "id": t.pk,
        "title": t.title,
        "due_on": t.due_on,
        "assignee": _username(t.assignee),
        "blocker": t.blocker,
        "status": t.status,
        "done_on": t.done_on,
        "outcome": t.outcome,
        "version": t.version,
    }


def _detail(request: HttpRequest, project_id: str) -> dict[str, Any]:
    p = _get(request, project_id)
    return {
        **_project(p),
        "stage_changes": [
            {
                "from_stage": c.from_stage,
                "to_stage": c.to_stage,
                "on": c.on,
                "by": _username(c.by),
                "note": c.note,
                "source": c.source,
            }
            for c in selectors.stage_changes(p)
        ],
        "follow_ups": [_follow_up(t) for t in selectors.follow_ups(p)],
        "contacts": [
            {
                "id": c.pk,
                "on": c.on,
                "party": c.party,
                "organisation": c.organisation,
                "person": c.person,
                "channel": c.channel,
                "summary": c.summary,
                "by": _username(c.by),
            }
            for c in selectors.contact_log(p)
        ],
        "reservations": [_reservation(r) for r in selectors.reservations_for(p)],
    }


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


def _headroom(h: Headroom) -> dict[str, Any]:
    return {
        "known": h.known,
        "rated_kva": _q(h.rated_kva),
        "rated_kw": _q(h.rated_kw),
        "peak_kw": _q(h.peak_kw),
        "reserved_kva": _q(h.reserved_kva),
        "available_kw": _q(h.available_kw),
        "available_kva": _q(h.available_kva),
    }


def _funnel(f: funnel_math.Funnel) -> dict[str, Any]:
    return {
        "key": f.key,
        "stages": [
            {
                "stage": s.stage,
                "reached": s.reached,
                "moved_on": s.moved_on,
                "conversion": s.conversion,
                "lost": s.lost,
                "now": s.now,
                "mean_days": s.mean_days,
                "median_days": s.median_days,
            }
            for s in f.stages
        ],
    }


# -- projects ------------------------------------------------------------------------------------------


@router.get("/projects", response=list[ProjectOut], summary="The pipeline, filtered")
def list_projects(
    request: HttpRequest, filters: Query[ProspectsListFilters], sort: str = "project_id"
) -> list[dict[str, Any]]:
    _visible(request)
    query = selectors.project_list(
        user=request.user,
        filters=selectors.ProjectFilters(
            q=filters.q,
            stage=filters.stage,
            district=filters.district,
            industry=filters.industry,
            mine=filters.mine,
            green=filters.green,
        ),
        sort=sort,
    ).select_related("account")
    return [_project(p) for p in query]


@router.post("/projects", response={201: ProjectDetailOut, 400: ErrorOut}, summary="Register a project by hand")
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[dict[str, Any]]:
    _visible(request)
    data = payload.dict()
    project = services.project_create(
        by=request_user(request),
        project_id=data.pop("project_id"),
        name=data.pop("name"),
        stage=data.pop("stage"),
        on=data.pop("on"),
        **data,
    )
    return Status(201, _detail(request, project.project_id))


@router.get("/projects/{project_id}", response={200: ProjectDetailOut, 404: ErrorOut})
def get_project(request: HttpRequest, project_id: str, response: HttpResponse) -> dict[str, Any]:
    """The project; its ``ETag`` is its version (send it as ``If-Match`` to change it)."""
    detail = _detail(request, project_id)
    response["ETag"] = f'"{detail["version"]}"'
    return detail


@router.patch("/projects/{project_id}", response={200: ProjectDetailOut, 400: ErrorOut, 404: ErrorOut, **VERSIONED})
def update_project(request: HttpRequest, project_id: str, payload: ProjectPatchIn, response: HttpResponse) -> Any:
    """Change the project. Send the version you edited (``version`` or ``If-Match``); a stale one answers 409."""
    project = _get(request, project_id)
    fields = payload.dict(exclude_unset=True)
    fields.pop("version", None)
    version = expected_version(request, payload.version)
    if "feeder_id" in fields:
        feeder_id = fields.pop("feeder_id")
        fields["feeder"] = Feeder.objects.filter(feeder_id=feeder_id).first() if feeder_id else None
        if feeder_id and fields["feeder"] is None:
            raise ApplicationError(_("There is no feeder %(id)r.") % {"id": feeder_id})
    services.project_update(project=project, by=request_user(request), version=version, **fields)
    detail = _detail(request, project_id)
    response["ETag"] = f'"{detail["version"]}"'
    return detail


@router.put(
    "/projects/{project_id}/managers",
    response={200: ProjectDetailOut, 400: ErrorOut, 404: ErrorOut, **VERSIONED},
    summary='Name the "1+1" managers',
)
def set_managers(request: HttpRequest, project_id: str, payload: ManagersIn) -> dict[str, Any]:
    project = _get(request, project_id)
    services.project_managers_set(
        project=project,
        by=request_user(request),
        primary=_staff(payload.primary),
        secondary=_staff(payload.secondary),
        version=expected_version(request, payload.version),
    )
    return _detail(request, project_id)


@router.post(
    "/projects/{project_id}/stage",
    response={200: ProjectDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Move the project to its next stage (or to lost)",
)
def change_stage(request: HttpRequest, project_id: str, payload: StageIn) -> dict[str, Any]:
    project = _get(request, project_id)
    connection = None
    if payload.to_stage == Stage.APPLIED:
        connection = services.Connection(
            customer_id=payload.customer_id,
            tariff=payload.tariff,
            voltage_kv=payload.voltage_kv,
            capacity_kva=payload.capacity_kva,
        )
    services.project_advance(
        project=project,
        to_stage=payload.to_stage,
        by=request_user(request),
        on=payload.on,
        note=payload.note,
        lost_reason=payload.lost_reason,
        connection=connection,
        version=optional_version(request, payload.version),
    )
    return _detail(request, project_id)


@router.post("/projects/{project_id}/follow-ups", response={201: ProspectsFollowUpOut, 400: ErrorOut, 404: ErrorOut})
def add_follow_up(request: HttpRequest, project_id: str, payload: FollowUpIn) -> Status[dict[str, Any]]:
    project = _get(request, project_id)
    task = services.follow_up_create(
        project=project,
        by=request_user(request),
        title=payload.title,
        due_on=payload.due_on,
        assignee=_staff(payload.assignee),
        blocker=payload.blocker,
    )
    return Status(201, _follow_up(task))


@router.post(
    "/follow-ups/{task_id}/done", response={200: ProspectsFollowUpOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut}
)
def finish_follow_up(request: HttpRequest, task_id: int, payload: FollowUpDoneIn) -> dict[str, Any]:
    _visible(request)
    task = FollowUp.objects.filter(pk=task_id).first()
    if task is None:
        raise HttpError(404, _("No such task."))
    return _follow_up(
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
    project = _get(request, project_id)
    entry = services.contact_log_add(project=project, by=request_user(request), **payload.dict())
    return Status(
        201,
        {
            "id": entry.pk,
            "on": entry.on,
            "party": entry.party,
            "organisation": entry.organisation,
            "person": entry.person,
            "channel": entry.channel,
            "summary": entry.summary,
            "by": _username(entry.by),
        },
    )


# -- reservations and headroom ----------------------------------------------------------------------------


@router.post(
    "/projects/{project_id}/reservations",
    response={201: ReservationOut, 400: ErrorOut, 404: ErrorOut},
    summary="Hold capacity on a feeder or a substation (refused beyond headroom, with the numbers)",
)
def reserve(request: HttpRequest, project_id: str, payload: ReservationIn) -> Status[dict[str, Any]]:
    project = _get(request, project_id)
    feeder = substation = None
    if payload.feeder_id:
        feeder = Feeder.objects.filter(feeder_id=payload.feeder_id).first()
        if feeder is None:
            raise ApplicationError(_("There is no feeder %(id)r.") % {"id": payload.feeder_id})
    if payload.substation_id:
        substation = Substation.objects.filter(substation_id=payload.substation_id).first()
        if substation is None:
            raise ApplicationError(_("There is no substation %(id)r.") % {"id": payload.substation_id})
    reservation = services.reservation_create(
        project=project,
        by=request_user(request),
        kva=payload.kva,
        valid_until=payload.valid_until,
        feeder=feeder,
        substation=substation,
    )
    return Status(201, _reservation(reservation))


@router.get("/reservations", response=list[ReservationOut], summary="Reservations (active by default)")
def list_reservations(request: HttpRequest, status: str = "active") -> list[dict[str, Any]]:
    _visible(request)
    return [_reservation(r) for r in selectors.reservation_list(status=status)]


@router.post("/reservations/{reservation_id}/release", response={200: ReservationOut, 400: ErrorOut, 404: ErrorOut})
def release(request: HttpRequest, reservation_id: int, payload: ReleaseIn) -> dict[str, Any]:
    _visible(request)
    reservation = (
        Reservation.objects.select_related("project", "feeder", "substation").filter(pk=reservation_id).first()
    )
    if reservation is None:
        raise HttpError(404, _("No such reservation."))
    return _reservation(
        services.reservation_release(reservation=reservation, by=request_user(request), reason=payload.reason)
    )


@router.get("/feeders", response=list[ProspectsFeederOut], summary="Feeders with prospects (or all) and their headroom")
def feeders(request: HttpRequest, all: bool = False) -> list[dict[str, Any]]:
    _visible(request)
    return [
        {
            "feeder_id": row.feeder.feeder_id,
            "name": row.feeder.name,
            "substation_id": row.feeder.substation.substation_id,
            "headroom": _headroom(row.headroom),
            "projects": [p.project_id for p in row.projects],
            "expected_unreserved_kva": row.expected_unreserved_kva,
            "fits_expected": row.fits_expected,
        }
        for row in selectors.prospects_by_feeder(all_feeders=all)
    ]


# -- funnel, demand, report -----------------------------------------------------------------------------------


@router.get(
    "/funnel", response=FunnelsOut, summary="Conversion and time in stage, overall, by district and by industry"
)
def funnel(request: HttpRequest) -> dict[str, Any]:
    _visible(request)
    services.stage_log_sync()
    paths = selectors.funnel_paths()
    return {
        "overall": _funnel(funnel_math.funnel(paths, "")),
        "by_district": [_funnel(f) for f in funnel_math.funnels_by(paths, "district")],
        "by_industry": [_funnel(f) for f in funnel_math.funnels_by(paths, "industry")],
    }


@router.get("/demand/quarters", response=list[QuarterOut], summary="Expected new load (kVA, kWh/yr) by quarter")
def demand_quarters(request: HttpRequest) -> list[dict[str, Any]]:
    _visible(request)
    return [
        {
            "quarter": q.quarter,
            "projects": q.projects,
            "capacity_kva": q.capacity_kva,
            "annual_kwh": q.annual_kwh,
            "total_kva": q.total_kva,
            "total_kwh": q.total_kwh,
        }
        for q in funnel_math.load_by_quarter(selectors.expected_loads())
    ]


@router.get("/demand/groups", response=list[DemandGroupOut], summary="Planned projects by district and industry")
def demand_groups(request: HttpRequest, stage: Stage = Stage.PLANNED) -> list[dict[str, Any]]:
    _visible(request)
    return [
        {
            "district": g.district,
            "industry": g.industry,
            "count": g.count,
            "capacity_kva": g.capacity_kva,
            "annual_kwh": g.annual_kwh,
            "projects": [p.project_id for p in g.projects],
        }
        for g in selectors.demand_groups(stages=[stage])
    ]


@router.get("/report", response=ReportOut, summary="The weekly progress report of approved prospects")
def report(request: HttpRequest, date: ApiDate | None = None) -> dict[str, Any]:
    _visible(request)
    built = weekly.build_weekly_report(as_of=date)
    return {
        "title": built.title,
        "week_start": built.week_start,
        "as_of": built.as_of,
        "rows": [
            {
                "project_id": r.project.project_id,
                "name": r.project.name,
                "stage": r.project.stage,
                "days_in_stage": r.days_in_stage,
                "primary_manager": r.primary,
                "secondary_manager": r.secondary,
                "done": r.done,
                "next_steps": r.next_steps,
                "blockers": r.blockers,
                "reservations": r.reservations,
                "green_steps": [
                    {
                        "step": s.step,
                        "accepted_on": s.accepted_on,
                        "limit_days": s.limit_days,
                        "due_on": s.due_on,
                        "closed_on": s.closed_on,
                        "state": s.state,
                        "days_left": s.days_left,
                        "provisional": s.provisional,
                    }
                    for s in r.green_steps
                ],
            }
            for r in built.rows
        ],
    }
