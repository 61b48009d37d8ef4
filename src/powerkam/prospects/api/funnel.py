"""The funnel (conversion and time in stage) and the expected demand by quarter and by group."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from powerkam.prospects import funnel as funnel_math
from powerkam.prospects import selectors, services
from powerkam.prospects.api.common import visible
from powerkam.prospects.models import Stage

router = Router()


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


@router.get(
    "/funnel", response=FunnelsOut, summary="Conversion and time in stage, overall, by district and by industry"
)
def funnel(request: HttpRequest) -> dict[str, Any]:
    visible(request)
    services.stage_log_sync()
    paths = selectors.funnel_paths()
    return {
        "overall": _funnel(funnel_math.funnel(paths, "")),
        "by_district": [_funnel(f) for f in funnel_math.funnels_by(paths, "district")],
        "by_industry": [_funnel(f) for f in funnel_math.funnels_by(paths, "industry")],
    }


@router.get("/demand/quarters", response=list[QuarterOut], summary="Expected new load (kVA, kWh/yr) by quarter")
def demand_quarters(request: HttpRequest) -> list[dict[str, Any]]:
    visible(request)
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
    visible(request)
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
