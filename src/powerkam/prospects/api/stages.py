"""The "1+1" managers of a project and its stage changes (paper §3(三); the rules in
:mod:`powerkam.prospects.services.stages`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from powerkam.accounts.models import Account
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import CAPACITY, USERNAME, VOLTAGE, ApiDate, length
from powerkam.api.versioning import VERSIONED, ConflictOut, expected_version, optional_version
from powerkam.core.http import request_user
from powerkam.prospects import services
from powerkam.prospects.api.common import project_of, staff
from powerkam.prospects.api.projects import ProjectDetailOut, project_detail
from powerkam.prospects.models import Project, Stage, StageChange

router = Router()


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


@router.put(
    "/projects/{project_id}/managers",
    response={200: ProjectDetailOut, 400: ErrorOut, 404: ErrorOut, **VERSIONED},
    summary='Name the "1+1" managers',
)
def set_managers(request: HttpRequest, project_id: str, payload: ManagersIn) -> dict[str, Any]:
    project = project_of(request, project_id)
    services.project_managers_set(
        project=project,
        by=request_user(request),
        primary=staff(payload.primary),
        secondary=staff(payload.secondary),
        version=expected_version(request, payload.version),
    )
    return project_detail(request, project_id)


@router.post(
    "/projects/{project_id}/stage",
    response={200: ProjectDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Move the project to its next stage (or to lost)",
)
def change_stage(request: HttpRequest, project_id: str, payload: StageIn) -> dict[str, Any]:
    project = project_of(request, project_id)
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
    return project_detail(request, project_id)
