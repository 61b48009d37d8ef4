"""/api/v1/calendar: the working-day calendar for other systems and the web UI's scripts."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from powerkam.api.errors import ErrorOut
from powerkam.api.fields import ApiDate
from powerkam.api.versioning import VERSIONED, expected_version, optional_version, set_etag
from powerkam.staff import permissions
from powerkam.workdays import selectors, services
from powerkam.workdays.models import CalendarOverride

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


class OverrideOut(Schema):
    date: dt.date
    is_workday: bool
    name: str
    note: str
    archived: bool
    version: int = Field(description="Send it back when you change the entry (or If-Match: the ETag)")


class OverrideIn(Schema):
    is_workday: bool
    name: str = Field("", max_length=100)
    note: str = Field("", max_length=300)
    version: int | None = Field(
        None, ge=1, description="The version of the entry you edited (or If-Match); needed once the date has one"
    )


@router.get(
    "/overrides/{day}",
    response={200: OverrideOut, 404: ErrorOut},
    summary="The administrator's entry for one date (ETag: its version)",
)
def get_override(request: HttpRequest, day: dt.date, response: HttpResponse) -> CalendarOverride:
    entry = CalendarOverride.objects.filter(date=day).first()
    if entry is None:
        raise HttpError(404, _("No entry for %(date)s.") % {"date": day.isoformat()})
    set_etag(response, entry)
    return entry


@router.put(
    "/overrides/{day}",
    response={200: OverrideOut, 400: ErrorOut, 403: ErrorOut, **VERSIONED},
    summary="State a date as a day off or an adjusted working day (administrators)",
)
def put_override(request: HttpRequest, day: dt.date, payload: OverrideIn, response: HttpResponse) -> CalendarOverride:
    """Replacing an existing entry needs its version (``version`` or ``If-Match``); a stale one answers 409."""
    if not permissions.can(request.user, "workdays.change_calendar"):
        raise PermissionDenied(_("Only an administrator can change the calendar."))
    exists = CalendarOverride.objects.filter(date=day).exists()
    version = expected_version(request, payload.version) if exists else optional_version(request, payload.version)
    entry = services.calendar_override_set(
        date=day,
        is_workday=payload.is_workday,
        name=payload.name,
        note=payload.note,
        by=request.user,  # type: ignore[arg-type]
        version=version,
    )
    set_etag(response, entry)
    return entry
