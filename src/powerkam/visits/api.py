"""/api/v1/visits: what is due, the plan, moving a planned visit, visit records and follow-ups.

Authentication is the API-wide one (bearer token or session). A manager sees the accounts they
manage; supervisors and the office roles see all. Domain errors answer 400 in the API's error
shape (docs/api.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from powerkam.accounts.models import Account, Contact
from powerkam.accounts.selectors import AccountNotVisible, account_get
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import MAX_ID, USERNAME, ApiDate, length
from powerkam.api.versioning import ConflictOut, optional_version
from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.visits import selectors, services
from powerkam.visits.models import FollowUp, PlannedVisit, Visit

router = Router(tags=["visits"])


class DueOut(Schema):
    customer_id: str
    name: str
    grade: str
    username: str | None = Field(description="The manager who visits (primary, else secondary); null: none")
    last_visit_on: dt.date | None
    due_on: dt.date
    overdue: bool
    district: str


class DueFilters(Schema):
    as_of: ApiDate | None = None
    manager: str = ""


class PlannedOut(Schema):
    id: int
    customer_id: str
    name: str
    username: str | None
    planned_on: dt.date | None
    due_on: dt.date
    grade: str
    district: str
    late: bool
    reason: str = Field(description="overdue, no_capacity, no_workday, unassigned, moved — or empty when on time")
    occurrence: int
    moved_by_hand: bool
    provisional: bool = Field(
        description="The planned day is in a year without a holiday notice: statutory holidays and weekends only "
        "(docs/rules.md §3); it may move once the notice is entered"
    )
    status: str
    plan_id: int
    version: int = Field(description="Send it back with a move (or If-Match: the ETag)")


class PlanFilters(Schema):
    first_day: ApiDate = Field(alias="from")
    last_day: ApiDate = Field(alias="to")
    manager: str = ""


class VisitsPlanIn(Schema):
    first_day: ApiDate = Field(alias="from")
    last_day: ApiDate = Field(alias="to")


class PlanOut(Schema):
    id: int
    first_day: dt.date
    last_day: dt.date
    visits: int
    late: int
    unassigned: int
    provisional: int = Field(description="Visits on days of a year without a holiday notice (docs/rules.md §3)")


class MoveIn(Schema):
    day: ApiDate
    username: Annotated[str, USERNAME] | None = Field(None, description="Another manager; default: the one planned")
    version: int | None = Field(None, ge=1, description="The version you saw (or If-Match); a stale one answers 409")


class VisitOut(Schema):
    id: int
    customer_id: str
    visited_on: dt.date
    username: str | None
    source: str
    topics: str
    needs: list[str]
    satisfaction: int | None
    attendees: list[str]
    summary: str


class VisitFilters(Schema):
    customer_id: str = ""
    first_day: ApiDate | None = Field(None, alias="from")
    last_day: ApiDate | None = Field(None, alias="to")
    limit: int = Field(100, ge=1, le=1000)


class NeedIn(Schema):
    text: Annotated[str, length(FollowUp, "need", required=True)]
    owner: Annotated[str, USERNAME] | None = Field(None, description="Username of the follow-up's owner")
    due_on: ApiDate | None = None


class VisitIn(Schema):
    customer_id: Annotated[str, length(Account, "customer_id", required=True)]
    visited_on: ApiDate
    topics: Annotated[str, length(Visit, "topics")] = ""
    needs: list[NeedIn] = Field([], max_length=50)
    satisfaction: int | None = Field(None, ge=1, le=5)
    attendee_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        [], max_length=100, description="Contact ids of the account"
    )
    summary: Annotated[str, length(Visit, "summary")] = ""
    planned_id: int | None = None
    client_key: uuid.UUID | None = Field(
        None, description="Idempotency key made by the client: a visit sent again with it is recorded once"
    )


class VisitsFollowUpOut(Schema):
    id: int
    customer_id: str
    need: str
    owner: str
    due_on: dt.date
    status: str
    done_at: dt.datetime | None
    visit_id: int | None
    version: int = Field(description="Send it back with a change (or If-Match: the ETag)")


class FollowUpFilters(Schema):
    status: str = "open"
    scope: str = Field("mine", description="mine (I own them) or all (every one I may see)")
    customer_id: str = ""


class VisitsCloseIn(Schema):
    note: Annotated[str, Field(max_length=10_000)] = ""
    cancel: bool = False
    version: int | None = Field(None, ge=1, description="The version you saw (or If-Match); a stale one answers 409")


def _planned(p: PlannedVisit, provisional: set[dt.date] | None = None) -> dict[str, Any]:
    if provisional is None:
        provisional = selectors.provisional_days([p.planned_on])
    return {
        "id": p.pk,
        "customer_id": p.account.customer_id,
        "name": p.account.name,
        "username": p.manager.get_username() if p.manager else None,
        "planned_on": p.planned_on,
        "due_on": p.due_on,
        "grade": p.grade,
        "district": p.district,
        "late": p.late,
        "reason": p.reason,
        "occurrence": p.occurrence,
        "moved_by_hand": p.moved_by_hand,
        "provisional": p.planned_on in provisional,
        "status": p.status,
        "plan_id": p.plan_id,
        "version": p.version,
    }


def _visit(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "customer_id": v.account.customer_id,
        "visited_on": v.visited_on,
        "username": v.staff.get_username() if v.staff else None,
        "source": v.source,
        "topics": v.topics,
        "needs": v.need_list,
        "satisfaction": v.satisfaction,
        "attendees": [c.name for c in v.attendees.all()],
        "summary": v.summary,
    }


def _followup(f: FollowUp) -> dict[str, Any]:
    return {
        "id": f.pk,
        "customer_id": f.account.customer_id,
        "need": f.need,
        "owner": f.owner.get_username(),
        "due_on": f.due_on,
        "status": f.status,
        "done_at": f.done_at,
        "visit_id": f.visit_id,
        "version": f.version,
    }


def _account(request: HttpRequest, customer_id: str) -> Account:
    try:
        return account_get(user=request.user, customer_id=customer_id)
    except (Account.DoesNotExist, AccountNotVisible):
        raise HttpError(404, _("No such account (or you may not see it).")) from None


@router.get("/due", response=list[DueOut], summary="The next visit due of every key account I may see")
def due(request: HttpRequest, filters: Query[DueFilters]) -> list[dict[str, Any]]:
    rows = selectors.visits_due(user=request.user, as_of=filters.as_of, manager=filters.manager)
    return [r.as_dict() for r in rows]


@router.get("/plan", response=list[PlannedOut], summary="Planned visits in a period (active plans)")
def plan(request: HttpRequest, filters: Query[PlanFilters]) -> list[dict[str, Any]]:
    rows = list(
        selectors.planned_in_period(
            user=request.user, first_day=filters.first_day, last_day=filters.last_day, manager=filters.manager
        )
    )
    provisional = selectors.provisional_days([p.planned_on for p in rows])
    return [_planned(p, provisional) for p in rows]


@router.post("/plan", response={201: PlanOut, 400: ErrorOut, 403: ErrorOut}, summary="Make and save a plan")
def make_plan(request: HttpRequest, payload: VisitsPlanIn) -> Status[dict[str, Any]]:
    user = request_user(request)
    # 403 unless the user may make the plan (visits.make_plan)
    made = services.plan_generate(first_day=payload.first_day, last_day=payload.last_day, by=user)
    counts = selectors.plan_counts(made)
    return Status(
        201,
        {
            "id": made.pk,
            "first_day": made.first_day,
            "last_day": made.last_day,
            "visits": counts.visits,
            "late": counts.late,
            "unassigned": counts.unassigned,
            "provisional": counts.provisional,
        },
    )


@router.post(
    "/planned/{planned_id}/move",
    response={200: PlannedOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Move one planned visit (refused onto a non-working day, past capacity, to an unknown manager)",
)
def move(request: HttpRequest, planned_id: int, payload: MoveIn) -> dict[str, Any]:
    try:
        planned = selectors.planned_visits_visible_to(request.user).get(pk=planned_id)
    except PlannedVisit.DoesNotExist:
        raise HttpError(404, _("No such planned visit (or you may not see it).")) from None
    moved = services.planned_visit_move(
        planned=planned,
        day=payload.day,
        username=payload.username,
        by=request_user(request),
        version=optional_version(request, payload.version),
    )
    return _planned(moved)


@router.get("/visits", response=list[VisitOut], summary="Visit records I may see, newest first")
def visits(request: HttpRequest, filters: Query[VisitFilters]) -> list[dict[str, Any]]:
    records = selectors.visit_list(
        user=request.user, customer_id=filters.customer_id, first_day=filters.first_day, last_day=filters.last_day
    ).prefetch_related("attendees")
    return [_visit(v) for v in records[: filters.limit]]


@router.post("/visits", response={201: VisitOut, 400: ErrorOut, 404: ErrorOut}, summary="Record a visit")
def record_visit(request: HttpRequest, payload: VisitIn) -> Status[dict[str, Any]]:
    user = request_user(request)
    account = _account(request, payload.customer_id)
    attendees = list(Contact.objects.filter(pk__in=payload.attendee_ids))
    if len(attendees) != len(set(payload.attendee_ids)):
        raise ApplicationError(_("Some attendees are not known contacts."))
    owners = {
        u.get_username(): u for u in User.objects.filter(username__in=[n.owner for n in payload.needs if n.owner])
    }
    needs = []
    for n in payload.needs:
        if n.owner and n.owner not in owners:
            raise ApplicationError(_("There is no user %(name)r.") % {"name": n.owner})
        needs.append(services.NeedInput(text=n.text, owner=owners.get(n.owner or ""), due_on=n.due_on))
    planned = None
    if payload.planned_id:
        planned = selectors.planned_visits_visible_to(user).filter(pk=payload.planned_id).first()
        if planned is None:
            raise HttpError(404, _("No such planned visit (or you may not see it)."))
    visit = services.visit_record(
        account=account,
        visited_on=payload.visited_on,
        by=user,
        attendees=attendees,
        topics=payload.topics,
        needs=needs,
        satisfaction=payload.satisfaction,
        summary=payload.summary,
        planned=planned,
        client_key=payload.client_key,
    )
    return Status(201, _visit(visit))


@router.get("/followups", response=list[VisitsFollowUpOut], summary="Follow-ups: mine, or all I may see")
def followups(request: HttpRequest, filters: Query[FollowUpFilters]) -> list[dict[str, Any]]:
    items = selectors.followup_list(
        user=request.user,
        mine_only=filters.scope != "all",
        status="" if filters.status == "all" else filters.status,
        customer_id=filters.customer_id,
    )
    return [_followup(f) for f in items[:1000]]


@router.post(
    "/followups/{followup_id}/close",
    response={200: VisitsFollowUpOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Done",
)
def close_followup(request: HttpRequest, followup_id: int, payload: VisitsCloseIn) -> dict[str, Any]:
    found = selectors.followups_visible_to(request.user).filter(pk=followup_id).first()
    if found is None:
        raise HttpError(404, _("No such follow-up (or you may not see it)."))
    return _followup(
        services.followup_close(
            followup=found,
            by=request_user(request),
            note=payload.note,
            cancel=payload.cancel,
            version=optional_version(request, payload.version),
        )
    )
