"""Planning an outage: who a window interrupts and its ENS, the least harmful windows, the month plan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from powerkam.analytics.outages import Window
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import ApiDate, ApiDateTime, length
from powerkam.api.schemas import mirrors
from powerkam.outages import selectors as outage_selectors
from powerkam.outages.api.grid import visible_ids
from powerkam.outages.models import PlannedOutage
from powerkam.staff import permissions

router = Router()


#: The longest single outage a request may describe or look for (a week).
MAX_OUTAGE_HOURS = 24 * 7


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
    scope = None if permissions.scope_of(request.user) is permissions.Scope.WHOLE_BASE else visible_ids(request)
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


@mirrors(Window)
class WindowOut(Schema):
    pass


@mirrors(outage_selectors.SuggestionReport)
class SuggestOut(Schema):
    windows: list[WindowOut]


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
