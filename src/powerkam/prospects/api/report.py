"""The weekly progress report of approved prospects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from powerkam.api.fields import ApiDate
from powerkam.api.schemas import mirrors
from powerkam.prospects import report as weekly
from powerkam.prospects.api.common import visible

router = Router()


@mirrors(weekly.GreenStep, exclude={"project_id", "project_name", "state_label"})
class GreenStepOut(Schema):
    pass


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


@router.get("/report", response=ReportOut, summary="The weekly progress report of approved prospects")
def report(request: HttpRequest, date: ApiDate | None = None) -> dict[str, Any]:
    visible(request)
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
                "green_steps": r.green_steps,  # read as GreenStepOut: the fields it mirrors
            }
            for r in built.rows
        ],
    }
