"""/api/v1/calendar: the working-day calendar for other systems and the web UI's scripts."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from powerkam.api.errors import ErrorOut
from powerkam.api.fields import ApiDate
from powerkam.workdays import selectors

#: Ten years of working days: further than any time limit or plan reaches.
MAX_WORKDAYS = 2_500

router = Router(tags=["calendar"])  # authentication: the API-wide AUTH (token or session)


class AddWorkdaysIn(Schema):
    date: ApiDate
    n: int = Field(ge=0, le=MAX_WORKDAYS, description="Working days to add")
    strict: bool = False


class AddWorkdaysOut(Schema):
    date: dt.date
    provisional: bool
    warning: str = ""


class DayOut(Schema):
    date: dt.date
    is_workday: bool
    provisional: bool
    kind: str
    name: str
    source: str
    warning: str = ""


class YearOut(Schema):
    year: int
    known: bool
    source: str
    overrides: int
    source_note: str
    declared_by: str
    declared_at: dt.datetime | None


class StatusOut(Schema):
    library_years: list[int]
    years: list[YearOut]
    needs_attention: list[int]


@router.get(
    "/add-workdays",
    response={200: AddWorkdaysOut, 400: ErrorOut},
    summary="The N-th working day strictly after a date (docs/rules.md §3)",
)
def add_workdays(request: HttpRequest, params: Query[AddWorkdaysIn]) -> Status[object]:
    result = selectors.workdays_add(start=params.date, n=params.n, strict=params.strict)
    return Status(200, result.as_dict())


@router.get("/days/{day}", response={200: DayOut, 400: ErrorOut}, summary="Is a date a working day?")
def day_status(request: HttpRequest, day: ApiDate, strict: bool = False) -> Status[object]:
    status = selectors.workday_status(day=day, strict=strict)
    return Status(200, status.as_dict())


@router.get("/status", response=StatusOut, summary="Which years the calendar knows, and from where")
def status(request: HttpRequest) -> dict[str, object]:
    data = selectors.calendar_status()
    return {**data, "years": [y.as_dict() for y in data["years"]]}
