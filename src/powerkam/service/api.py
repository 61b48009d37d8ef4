"""/api/v1/service: tickets with their SLA clocks, transfers, pauses, cases, limits and compliance.

Authentication is the API-wide one (bearer token or session). Domain errors answer 400 in the API's error
shape (docs/api.md); an edit based on an old ``version`` answers 409 (someone else changed the ticket).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from powerkam.accounts.models import Account, AreaClass
from powerkam.api.errors import BulkRefusedOut, ErrorOut
from powerkam.api.fields import MAX_ID, MONTH, USERNAME, ApiDate, ApiDateTime, length
from powerkam.api.versioning import ConflictOut, optional_version, set_etag
from powerkam.core.bulk import MAX_ROWS
from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.service import selectors, services
from powerkam.service.models import Case, ClockPause, FaultInterruption, Ticket, TicketKind, Transfer

router = Router(tags=["service"])


class SlaOut(Schema):
    state: str = Field(description="on_track, due_soon (≤ 2 working days left), breached, or met")
    due_on: dt.date
    provisional: bool = Field(description="The due date lies in a year whose holiday notice is not known yet")
    days_left: int | None = Field(description="Working days left (negative: overdue); null once closed")
    paused: bool
    closed: bool
    clock: str = Field(description="workdays, or hours (round the clock, 24×7: the fields below)")
    milestone: str = Field(description="Round the clock: the running milestone (arrival, restoration); '' once both")
    due_at: dt.datetime | None = Field(description="Round the clock: when the running milestone is due")
    minutes_left: int | None = Field(description="Round the clock: whole minutes left (negative: overdue)")
    limit_minutes: int | None


class TransferOut(Schema):
    id: int
    from_user: str
    to_user: str
    requested_by: str
    status: str
    note: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str


class TicketOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    description: str
    customer_id: str | None
    account_name: str | None
    case_id: int | None
    green_channel: bool
    dual_supply: bool
    accepted_on: dt.date
    limit_days: int
    paused_workdays: int
    status: str
    closed_on: dt.date | None
    resolution: str
    owner: str
    received_by: str
    version: int
    clock: str
    area_class: str
    accepted_at: dt.datetime | None
    arrived_at: dt.datetime | None
    restored_at: dt.datetime | None
    closed_at: dt.datetime | None
    arrival_minutes: int | None
    restoration_minutes: int | None
    arrival_due_at: dt.datetime | None
    restoration_due_at: dt.datetime | None
    paused_minutes: int
    contact_limit_days: int | None
    contact_due_on: dt.date | None
    contacted_on: dt.date | None
    sla: SlaOut
    pending_transfer: TransferOut | None


class OwnerOut(Schema):
    username: str
    since: dt.datetime
    via: str


class EventOut(Schema):
    kind: str
    at: dt.datetime
    by: str | None
    detail: str
    data: dict[str, Any]


class InterruptionOut(Schema):
    """A restored fault repair's outage on the account's reliability record (docs/service.md)."""

    start: dt.datetime
    end: dt.datetime
    hours: float


class TicketDetailOut(TicketOut):
    owners: list[OwnerOut]
    timeline: list[EventOut]
    interruption: InterruptionOut | None = None


class TicketIn(Schema):
    kind: TicketKind
    title: Annotated[str, length(Ticket, "title", required=True)]
    accepted_on: ApiDate | None = Field(None, description="Working-day requests: the day the input was accepted")
    accepted_at: ApiDateTime | None = Field(
        None, description="Round-the-clock requests (fault repair): when it was reported; default now"
    )
    customer_id: Annotated[str, length(Account, "customer_id")] | None = None
    description: Annotated[str, length(Ticket, "description")] = ""
    green_channel: bool = False
    dual_supply: bool = False
    owner: Annotated[str, USERNAME] | None = Field(
        None, description="Username; default: the account's primary manager, else you"
    )


class TicketPatchIn(Schema):
    version: int = Field(ge=0)
    title: Annotated[str, length(Ticket, "title", required=True)] | None = None
    description: Annotated[str, length(Ticket, "description")] | None = None
    green_channel: bool | None = None


class TransferIn(Schema):
    version: int = Field(ge=0)
    to: Annotated[str, USERNAME] = Field(description="Username of the staff member asked to take over")
    note: Annotated[str, length(Transfer, "note")] = ""


class DecisionIn(Schema):
    reason: Annotated[str, length(Transfer, "decision_note")] = ""


ON = Field(None, description="Working-day tickets: the day")
AT = Field(None, description="Round-the-clock tickets: the time (default now)")


class PauseIn(Schema):
    version: int = Field(ge=0)
    on: ApiDate | None = ON
    at: ApiDateTime | None = AT
    reason: Annotated[str, length(ClockPause, "reason", required=True)]


class ResumeIn(Schema):
    version: int = Field(ge=0)
    on: ApiDate | None = ON
    at: ApiDateTime | None = AT


class ServiceCloseIn(Schema):
    version: int = Field(ge=0)
    on: ApiDate | None = ON
    at: ApiDateTime | None = AT
    resolution: Annotated[str, length(Ticket, "resolution")] = ""


class MilestoneIn(Schema):
    version: int
    at: dt.datetime | None = AT


class HourLimitOut(Schema):
    kind: str
    label: str
    milestone: str
    area_class: str
    minutes: int
    warn_percent: int
    source: str


class AreaClassIn(Schema):
    area_class: AreaClass


class CaseIn(Schema):
    customer_id: Annotated[str, length(Account, "customer_id", required=True)]
    title: Annotated[str, length(Case, "title", required=True)]
    accepted_on: ApiDate
    dual_supply: bool = False
    green_channel: bool = False


class CaseOut(Schema):
    id: int
    title: str
    status: str
    customer_id: str
    dual_supply: bool
    green_channel: bool
    steps: list[TicketOut]
    version: int = Field(description="Send it back when opening the next step (or If-Match: the ETag)")


class NextStepIn(Schema):
    accepted_on: ApiDate
    version: int | None = Field(None, ge=1, description="The case version you saw (or If-Match); stale: 409")


class LimitOut(Schema):
    kind: str
    label: str
    supply: str
    normal: int
    green: int


class ServiceListFilters(Schema):
    scope: str = Field("mine", description="mine (owned or waiting for me, by urgency) or all (visible to me)")
    status: str = Field("open", description="open (incl. paused), paused, closed, or all")
    kind: str = ""


def _sla(row: selectors.TicketRow) -> dict[str, Any]:
    s = row.sla
    return {
        "state": str(s.state),
        "due_on": s.due_on,
        "provisional": s.provisional,
        "days_left": s.days_left,
        "paused": s.paused,
        "closed": s.closed,
        "clock": s.clock,
        "milestone": s.milestone,
        "due_at": s.due_at,
        "minutes_left": s.minutes_left,
        "limit_minutes": s.limit_minutes,
    }


def _transfer(t: Transfer | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "id": t.pk,
        "from_user": t.from_user.get_username(),
        "to_user": t.to_user.get_username(),
        "requested_by": t.requested_by.get_username(),
        "status": t.status,
        "note": t.note,
        "requested_at": t.requested_at,
        "decided_at": t.decided_at,
        "decision_note": t.decision_note,
    }


def _ticket(row: selectors.TicketRow) -> dict[str, Any]:
    t = row.ticket
    return {
        "id": t.pk,
        "kind": t.kind,
        "kind_label": t.get_kind_display(),
        "title": t.title,
        "description": t.description,
        "customer_id": t.account.customer_id if t.account else None,
        "account_name": t.account.name if t.account else None,
        "case_id": t.case_id,
        "green_channel": t.green_channel,
        "dual_supply": t.dual_supply,
        "accepted_on": t.accepted_on,
        "limit_days": t.limit_days,
        "paused_workdays": t.paused_workdays,
        "status": t.status,
        "closed_on": t.closed_on,
        "resolution": t.resolution,
        "owner": t.owner.get_username(),
        "received_by": t.received_by.get_username(),
        "version": t.version,
        "clock": t.clock,
        "area_class": t.area_class,
        "accepted_at": t.accepted_at,
        "arrived_at": t.arrived_at,
        "restored_at": t.restored_at,
        "closed_at": t.closed_at,
        "arrival_minutes": t.arrival_minutes,
        "restoration_minutes": t.restoration_minutes,
        "arrival_due_at": t.arrival_due_at,
        "restoration_due_at": t.restoration_due_at,
        "paused_minutes": t.paused_minutes,
        "contact_limit_days": t.contact_limit_days,
        "contact_due_on": t.contact_due_on,
        "contacted_on": t.contacted_on,
        "sla": _sla(row),
        "pending_transfer": _transfer(row.pending_transfer),
    }


def _row(ticket: Ticket) -> selectors.TicketRow:
    return selectors.TicketRow(ticket, selectors.ticket_sla(ticket), selectors.pending_transfer(ticket))


def _get(request: HttpRequest, ticket_id: int) -> Ticket:
    try:
        return selectors.ticket_get(user=request.user, pk=ticket_id)
    except Ticket.DoesNotExist:
        raise HttpError(404, _("No such ticket (or you may not see it).")) from None


def _detail(ticket: Ticket) -> dict[str, Any]:
    ticket.refresh_from_db()
    data = _ticket(_row(ticket))
    data["owners"] = [
        {"username": link.user.get_username(), "since": link.since, "via": link.via}
        for link in selectors.owner_chain(ticket)
    ]
    data["timeline"] = [
        {"kind": e.kind, "at": e.at, "by": e.by.get_username() if e.by else None, "detail": e.detail, "data": e.data}
        for e in selectors.ticket_timeline(ticket)
    ]
    record = FaultInterruption.objects.filter(ticket=ticket).first()
    data["interruption"] = (
        None if record is None else {"start": record.start, "end": record.end, "hours": round(record.hours, 2)}
    )
    return data


def _staff_user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ApplicationError(_("There is no user %(name)r.") % {"name": username})
    return user


def _account(customer_id: str) -> Account:
    account = Account.objects.filter(customer_id=customer_id).first()
    if account is None:
        raise ApplicationError(_("There is no account with customer id %(id)r.") % {"id": customer_id})
    return account


def _act(request: HttpRequest, ticket_id: int, action: Callable[[Ticket], object]) -> dict[str, Any]:
    """The one path of every ticket action: the ticket in the caller's view (else 404), then the service,
    which checks the permission and the version, then the ticket as it is now. The service's refusals are
    answered by the API-wide handlers (api/urls.py, api/errors.py): a stale version 409 with the current
    ticket, not allowed 403, another domain error 400."""
    ticket = _get(request, ticket_id)
    action(ticket)
    return _detail(ticket)


@router.get("/tickets", response=list[TicketOut], summary="My tickets by urgency, or every ticket I may see")
def list_tickets(request: HttpRequest, filters: Query[ServiceListFilters]) -> list[dict[str, Any]]:
    user = request.user
    if filters.scope == "all":
        rows = selectors.ticket_list(user=user, status=filters.status, kind=filters.kind)
    else:
        rows = selectors.my_tickets(user=user, include_closed=filters.status in ("all", "closed"))
        if filters.kind:
            rows = [r for r in rows if r.ticket.kind == filters.kind]
        if filters.status == "closed":
            rows = [r for r in rows if r.ticket.is_closed]
        elif filters.status == "paused":
            rows = [r for r in rows if r.ticket.is_paused]
    return [_ticket(r) for r in rows]


@router.post("/tickets", response={201: TicketDetailOut, 400: ErrorOut}, summary="Record a request")
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status[dict[str, Any]]:
    ticket = services.ticket_create(
        kind=payload.kind,
        title=payload.title,
        by=request_user(request),
        accepted_on=payload.accepted_on,
        accepted_at=payload.accepted_at,
        account=_account(payload.customer_id) if payload.customer_id else None,
        description=payload.description,
        green_channel=payload.green_channel,
        dual_supply=payload.dual_supply,
        owner=_staff_user(payload.owner) if payload.owner else None,
    )
    return Status(201, _detail(ticket))


class BulkTicketIn(Schema):
    id: int = Field(ge=1, le=MAX_ID, description="The ticket's number")
    version: int = Field(ge=0, le=MAX_ID, description="The ticket's version the client saw (GET answers it)")


class TicketsBulkIn(Schema):
    action: Literal["close", "transfer"]
    tickets: list[BulkTicketIn] = Field(min_length=1, max_length=MAX_ROWS)
    to: Annotated[str, USERNAME] | None = Field(None, description="transfer: the colleague asked to take over")
    note: Annotated[str, length(Transfer, "note")] = ""
    resolution: Annotated[str, length(Ticket, "resolution")] = ""


class BulkTicketOut(Schema):
    id: int
    version: int


class TicketsBulkOut(Schema):
    action: str
    done: int = Field(description="How many tickets were closed or asked to be taken over (all of them)")
    tickets: list[BulkTicketOut] = Field(description="Each ticket with its version now")


@router.post(
    "/tickets/bulk",
    response={200: TicketsBulkOut, 400: BulkRefusedOut, 404: ErrorOut, 409: BulkRefusedOut},
    summary="Close or transfer several tickets at once, all or nothing",
    description='The same service as the ticket list\'s bulk bar (docs/api.md, "Bulk actions"). Each ticket '
    "carries the version the client saw; if any ticket is refused — changed since that version (409), "
    "already closed, not the caller's (400) — nothing is changed and `refused` names every refused ticket.",
)
def tickets_bulk(request: HttpRequest, payload: TicketsBulkIn) -> dict[str, Any]:
    by = request_user(request)
    wanted: dict[int, int] = {}
    for row in payload.tickets:
        wanted.setdefault(row.id, row.version)
    found = {t.pk: t for t in selectors.tickets_visible_to(by).filter(pk__in=list(wanted))}
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise HttpError(404, _("No such ticket (or you may not see it): %(ids)s.") % {"ids": ", ".join(missing)})
    tickets = [found[pk] for pk in wanted]
    versions: dict[str, int | None] = {str(pk): version for pk, version in wanted.items()}
    if payload.action == "close":
        services.tickets_close(tickets=tickets, by=by, resolution=payload.resolution, versions=versions)
    else:
        if not payload.to:
            raise ApplicationError(_("Hand over to: choose who takes the tickets over."))
        services.tickets_transfer(
            tickets=tickets, to_user=_staff_user(payload.to), by=by, note=payload.note, versions=versions
        )
    now = dict(Ticket.objects.filter(pk__in=list(wanted)).values_list("pk", "version"))
    return {
        "action": payload.action,
        "done": len(tickets),
        "tickets": [{"id": pk, "version": now[pk]} for pk in wanted],
    }


@router.get(
    "/tickets/{ticket_id}",
    response={200: TicketDetailOut, 404: ErrorOut},
    summary="A ticket with its owners and timeline",
)
def get_ticket(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    return _detail(_get(request, ticket_id))


@router.patch("/tickets/{ticket_id}", response={200: TicketDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut})
def update_ticket(request: HttpRequest, ticket_id: int, payload: TicketPatchIn) -> dict[str, Any]:
    return _act(
        request,
        ticket_id,
        lambda ticket: services.ticket_update(
            ticket=ticket,
            version=payload.version,
            by=request_user(request),
            title=payload.title,
            description=payload.description,
            green_channel=payload.green_channel,
        ),
    )


@router.post(
    "/tickets/{ticket_id}/transfer",
    response={201: TransferOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Ask a colleague to take the ticket over (they must accept)",
)
def request_transfer(request: HttpRequest, ticket_id: int, payload: TransferIn) -> Status[dict[str, Any] | None]:
    transfer = services.ticket_transfer_request(
        ticket=_get(request, ticket_id),
        version=payload.version,
        to_user=_staff_user(payload.to),
        by=request_user(request),
        note=payload.note,
    )
    return Status(201, _transfer(transfer))


def _transfer_for(request: HttpRequest, transfer_id: int) -> Transfer:
    transfer = get_object_or_404(
        Transfer.objects.select_related("to_user", "from_user", "requested_by"), pk=transfer_id
    )
    if transfer.to_user_id != request.user.pk:
        _get(request, transfer.ticket_id)  # visible to the requester side, else 404
    return transfer


@router.post("/transfers/{transfer_id}/accept", response={200: TicketDetailOut, 400: ErrorOut, 404: ErrorOut})
def accept_transfer(request: HttpRequest, transfer_id: int) -> dict[str, Any]:
    ticket = services.ticket_transfer_accept(transfer=_transfer_for(request, transfer_id), by=request_user(request))
    return _detail(ticket)


@router.post("/transfers/{transfer_id}/decline", response={200: TransferOut, 400: ErrorOut, 404: ErrorOut})
def decline_transfer(request: HttpRequest, transfer_id: int, payload: DecisionIn) -> dict[str, Any] | None:
    transfer = services.ticket_transfer_decline(
        transfer=_transfer_for(request, transfer_id), by=request_user(request), reason=payload.reason
    )
    return _transfer(transfer)


@router.post("/transfers/{transfer_id}/cancel", response={200: TransferOut, 400: ErrorOut, 404: ErrorOut})
def cancel_transfer(request: HttpRequest, transfer_id: int) -> dict[str, Any] | None:
    transfer = services.ticket_transfer_cancel(transfer=_transfer_for(request, transfer_id), by=request_user(request))
    return _transfer(transfer)


@router.post(
    "/tickets/{ticket_id}/pause", response={200: TicketDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut}
)
def pause_ticket(request: HttpRequest, ticket_id: int, payload: PauseIn) -> dict[str, Any]:
    return _act(
        request,
        ticket_id,
        lambda ticket: services.ticket_pause(
            ticket=ticket,
            version=payload.version,
            by=request_user(request),
            on=payload.on,
            at=payload.at,
            reason=payload.reason,
        ),
    )


@router.post(
    "/tickets/{ticket_id}/resume", response={200: TicketDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut}
)
def resume_ticket(request: HttpRequest, ticket_id: int, payload: ResumeIn) -> dict[str, Any]:
    return _act(
        request,
        ticket_id,
        lambda ticket: services.ticket_resume(
            ticket=ticket, version=payload.version, by=request_user(request), on=payload.on, at=payload.at
        ),
    )


@router.post(
    "/tickets/{ticket_id}/close", response={200: TicketDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut}
)
def close_ticket(request: HttpRequest, ticket_id: int, payload: ServiceCloseIn) -> dict[str, Any]:
    return _act(
        request,
        ticket_id,
        lambda ticket: services.ticket_close(
            ticket=ticket,
            version=payload.version,
            by=request_user(request),
            on=payload.on,
            at=payload.at,
            resolution=payload.resolution,
        ),
    )


class ServiceContactIn(Schema):
    version: int
    on: ApiDate | None = Field(None, description="Default today")


@router.post(
    "/tickets/{ticket_id}/contact",
    response={200: TicketDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Complaint: record the first contact with the customer",
)
def contact_ticket(request: HttpRequest, ticket_id: int, payload: ServiceContactIn) -> dict[str, Any]:
    return _act(
        request,
        ticket_id,
        lambda ticket: services.ticket_contact(
            ticket=ticket, version=payload.version, by=request_user(request), on=payload.on
        ),
    )


@router.post(
    "/tickets/{ticket_id}/arrive",
    response={200: TicketDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Fault repair: record the arrival on site (the restoration clock starts)",
)
def arrive_ticket(request: HttpRequest, ticket_id: int, payload: MilestoneIn) -> dict[str, Any]:
    return _act(
        request,
        ticket_id,
        lambda ticket: services.ticket_arrive(
            ticket=ticket, version=payload.version, by=request_user(request), at=payload.at
        ),
    )


@router.post(
    "/tickets/{ticket_id}/restore",
    response={200: TicketDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Fault repair: record that supply is restored",
)
def restore_ticket(request: HttpRequest, ticket_id: int, payload: MilestoneIn) -> dict[str, Any]:
    return _act(
        request,
        ticket_id,
        lambda ticket: services.ticket_restore(
            ticket=ticket, version=payload.version, by=request_user(request), at=payload.at
        ),
    )


@router.get(
    "/hour-limits", response=list[HourLimitOut], summary="Round-the-clock limits in minutes by milestone and area class"
)
def hour_limits(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "kind": r.kind,
            "label": r.label,
            "milestone": r.milestone,
            "area_class": r.area_class,
            "minutes": r.minutes,
            "warn_percent": r.warn_percent,
            "source": r.source,
        }
        for r in selectors.hour_limit_table()
    ]


@router.put(
    "/accounts/{customer_id}/area-class",
    response={200: dict[str, str], 400: ErrorOut, 404: ErrorOut},
    summary="Set an account's area class (urban, rural, remote) for the fault-repair limits",
)
def set_area_class(request: HttpRequest, customer_id: str, payload: AreaClassIn) -> dict[str, str]:
    account = services.account_area_class_set(
        account=_account(customer_id), area_class=payload.area_class, by=request_user(request)
    )
    return {"customer_id": account.customer_id, "area_class": account.area_class}


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "title": case.title,
        "status": case.status,
        "customer_id": case.account.customer_id,
        "dual_supply": case.dual_supply,
        "green_channel": case.green_channel,
        "steps": [_ticket(_row(t)) for t in case.steps.order_by("accepted_on", "id")],
        "version": case.version,
    }


@router.post("/cases", response={201: CaseOut, 400: ErrorOut}, summary="Open a new-connection / capacity-change case")
def create_case(request: HttpRequest, payload: CaseIn) -> Status[dict[str, Any]]:
    case = services.case_create(
        account=_account(payload.customer_id),
        title=payload.title,
        by=request_user(request),
        accepted_on=payload.accepted_on,
        dual_supply=payload.dual_supply,
        green_channel=payload.green_channel,
    )
    return Status(201, _case(case))


@router.get("/cases/{case_id}", response={200: CaseOut, 404: ErrorOut})
def get_case(request: HttpRequest, case_id: int, response: HttpResponse) -> dict[str, Any]:
    case = get_object_or_404(Case.objects.select_related("account"), pk=case_id)
    if not selectors.tickets_visible_to(request.user).filter(case=case).exists():
        raise HttpError(404, _("No such case (or you may not see it)."))
    set_etag(response, case)
    return _case(case)


@router.post(
    "/cases/{case_id}/next-step", response={201: TicketDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut}
)
def open_next_step(request: HttpRequest, case_id: int, payload: NextStepIn) -> Status[dict[str, Any]]:
    case = get_object_or_404(Case, pk=case_id)
    if not selectors.tickets_visible_to(request.user).filter(case=case).exists():
        raise HttpError(404, _("No such case (or you may not see it)."))
    ticket = services.case_step_open(
        case=case,
        by=request_user(request),
        accepted_on=payload.accepted_on,
        version=optional_version(request, payload.version),
    )
    return Status(201, _detail(ticket))


@router.get("/limits", response=list[LimitOut], summary="Time limits in working days, normal and green channel")
def limits(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"kind": r.kind, "label": r.label, "supply": r.supply, "normal": r.normal, "green": r.green}
        for r in selectors.time_limit_table()
    ]


class ComplianceIn(Schema):
    first: str = Field(description="First month, YYYY-MM", pattern=MONTH)
    last: str = Field(description="Last month, YYYY-MM", pattern=MONTH)


def _month(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ApplicationError(_("%(value)r is not a month in the form YYYY-MM.") % {"value": text}) from None


@router.get("/compliance", summary="SLA compliance by kind and month of closing")
def compliance(request: HttpRequest, params: Query[ComplianceIn]) -> dict[str, Any]:
    data = selectors.sla_compliance(user=request.user, first_month=_month(params.first), last_month=_month(params.last))
    return {
        "months": data["months"],
        "series": data["series"],
        "totals": {
            k: {"closed": c.closed, "met": c.met, "rate": c.rate, "open_breached": c.open_breached}
            for k, c in data["totals"].items()
        },
    }


class ReportIn(Schema):
    first: ApiDate = Field(description="First day of closing, YYYY-MM-DD")
    last: ApiDate = Field(description="Last day of closing, YYYY-MM-DD")


@router.get(
    "/compliance/report",
    response={200: dict[str, Any], 400: ErrorOut},
    summary="Per kind and area class: count, on-time share, median and p90 (minutes or working days), breaches",
)
def compliance_report(request: HttpRequest, params: Query[ReportIn]) -> dict[str, Any]:
    from powerkam.service.compliance import compliance_report as build

    if params.last < params.first:
        raise ApplicationError(_("The period ends before it starts."))
    return build(user=request.user, first=params.first, last=params.last).as_dict()


class ComplaintsIn(Schema):
    first: ApiDate
    last: ApiDate


@router.get(
    "/complaints/monthly",
    response={200: dict[str, Any], 400: ErrorOut},
    summary="Complaints per month by type (95598 complaint, report of misconduct, ticket) and district",
)
def complaints_monthly(request: HttpRequest, params: Query[ComplaintsIn]) -> dict[str, Any]:
    from powerkam.service.compliance import complaints_by_month

    if params.last < params.first:
        raise ApplicationError(_("The period ends before it starts."))
    return complaints_by_month(user=request.user, first=params.first, last=params.last)
