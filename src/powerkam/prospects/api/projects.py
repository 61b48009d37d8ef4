"""The project aggregate: list, register, read and change a project, its "1+1" managers and its stage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from powerkam.api.errors import ErrorOut
from powerkam.api.fields import ANNUAL_KWH, CAPACITY, VOLTAGE, ApiDate, length
from powerkam.api.versioning import VERSIONED, expected_version
from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.grid.models import Feeder
from powerkam.prospects import selectors, services
from powerkam.prospects.api.common import project_of, username, visible
from powerkam.prospects.api.follow_ups import ProspectsContactOut, ProspectsFollowUpOut, contact_out, follow_up_out
from powerkam.prospects.api.reservations import ReservationOut, reservation_out
from powerkam.prospects.models import Project

router = Router()


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


class ProspectsListFilters(Schema):
    q: str = ""
    stage: str = Field("", description="A stage, 'open' (not energised or lost) or empty for all")
    district: str = ""
    industry: str = ""
    mine: bool = False
    green: bool = False


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
        "primary_manager": username(p.primary_manager),
        "secondary_manager": username(p.secondary_manager),
        "feeder_id": p.feeder.feeder_id if p.feeder else None,
        "customer_id": p.account.customer_id if p.account else None,
        "case_id": p.case_id,
        "lost_reason": p.lost_reason,
        "version": p.version,
    }


def project_detail(request: HttpRequest, project_id: str) -> dict[str, Any]:
    p = project_of(request, project_id)
    return {
        **_project(p),
        "stage_changes": [
            {
                "from_stage": c.from_stage,
                "to_stage": c.to_stage,
                "on": c.on,
                "by": username(c.by),
                "note": c.note,
                "source": c.source,
            }
            for c in selectors.stage_changes(p)
        ],
        "follow_ups": [follow_up_out(t) for t in selectors.follow_ups(p)],
        "contacts": [contact_out(c) for c in selectors.contact_log(p)],
        "reservations": [reservation_out(r) for r in selectors.reservations_for(p)],
    }


@router.get("/projects", response=list[ProjectOut], summary="The pipeline, filtered")
def list_projects(
    request: HttpRequest, filters: Query[ProspectsListFilters], sort: str = "project_id"
) -> list[dict[str, Any]]:
    visible(request)
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
    visible(request)
    data = payload.dict()
    project = services.project_create(
        by=request_user(request),
        project_id=data.pop("project_id"),
        name=data.pop("name"),
        stage=data.pop("stage"),
        on=data.pop("on"),
        **data,
    )
    return Status(201, project_detail(request, project.project_id))


@router.get("/projects/{project_id}", response={200: ProjectDetailOut, 404: ErrorOut})
def get_project(request: HttpRequest, project_id: str, response: HttpResponse) -> dict[str, Any]:
    """The project; its ``ETag`` is its version (send it as ``If-Match`` to change it)."""
    detail = project_detail(request, project_id)
    response["ETag"] = f'"{detail["version"]}"'
    return detail


@router.patch("/projects/{project_id}", response={200: ProjectDetailOut, 400: ErrorOut, 404: ErrorOut, **VERSIONED})
def update_project(request: HttpRequest, project_id: str, payload: ProjectPatchIn, response: HttpResponse) -> Any:
    """Change the project. Send the version you edited (``version`` or ``If-Match``); a stale one answers 409."""
    project = project_of(request, project_id)
    fields = payload.dict(exclude_unset=True)
    fields.pop("version", None)
    version = expected_version(request, payload.version)
    if "feeder_id" in fields:
        feeder_id = fields.pop("feeder_id")
        fields["feeder"] = Feeder.objects.filter(feeder_id=feeder_id).first() if feeder_id else None
        if feeder_id and fields["feeder"] is None:
            raise ApplicationError(_("There is no feeder %(id)r.") % {"id": feeder_id})
    services.project_update(project=project, by=request_user(request), version=version, **fields)
    detail = project_detail(request, project_id)
    response["ETag"] = f'"{detail["version"]}"'
    return detail
