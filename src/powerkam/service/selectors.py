"""Reads of service tickets: time limits, SLA clocks, "my tickets" by urgency, the chain of owners,
the timeline, and SLA compliance for supervisors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from powerkam.accounts import selectors as account_selectors
from powerkam.accounts.models import Assignment, AssignmentRole
from powerkam.accounts.selectors import AccountArrears
from powerkam.analytics.portfolio import AGE_BUCKETS
from powerkam.analytics.visits import add_months
from powerkam.analytics.workcal import WorkCalendar
from powerkam.service import clock
from powerkam.service.models import (
    DEFAULT_CONTACT_LIMITS,
    DEFAULT_GREEN_LIMITS,
    DEFAULT_HOUR_LIMITS,
    DEFAULT_LIMITS,
    ClockKind,
    FaultInterruption,
    HourLimit,
    LimitMilestone,
    Notification,
    SupplyVariant,
    Ticket,
    TicketKind,
    TicketStatus,
    TimeLimit,
    Transfer,
    TransferStatus,
)
from powerkam.staff.scope import Viewer, scope_of
from powerkam.workdays.selectors import work_calendar

AnyUser = User | AbstractBaseUser | AnonymousUser


def _variant(kind: str, dual_supply: bool) -> str:
    if kind == TicketKind.SCHEME_REPLY:
        return SupplyVariant.DUAL if dual_supply else SupplyVariant.SINGLE
    return ""


def time_limit(*, kind: str, green_channel: bool = False, dual_supply: bool = False, milestone: str = "") -> int:
    """Working days allowed for a kind of ticket (``milestone="contact"``: for its first contact):
    the administrator's table, else the defaults."""
    variant = _variant(kind, dual_supply)
    rows = TimeLimit.objects.filter(kind=kind, green_channel=green_channel, milestone=milestone)
    row = rows.filter(supply=variant).first()
    if row is None and variant:
        row = rows.filter(supply="").first()
    if row is not None:
        return row.working_days
    if milestone == LimitMilestone.CONTACT:
        return DEFAULT_CONTACT_LIMITS[kind]
    defaults = DEFAULT_GREEN_LIMITS if green_channel else DEFAULT_LIMITS
    return defaults[(kind, variant)]


def hour_limit(*, kind: str, milestone: str, area_class: str) -> tuple[int, int]:
    """Minutes allowed for one milestone of a round-the-clock kind in an area class, and the share
    of it (percent) at which the ticket is escalated: the administrator's table, else the defaults."""
    row = HourLimit.objects.filter(kind=kind, milestone=milestone, area_class=area_class).first()
    if row is not None:
        return row.minutes, row.warn_percent
    return DEFAULT_HOUR_LIMITS[(kind, milestone, area_class)], clock.DEFAULT_WARN_PERCENT


@dataclass(frozen=True)
class HourLimitRow:
    kind: str
    label: str
    milestone: str
    milestone_label: str
    area_class: str
    area_label: str
    minutes: int
    warn_percent: int
    source: str


def hour_limit_table() -> list[HourLimitRow]:
    """The round-the-clock limits as they apply now (the table, completed by the defaults)."""
    from powerkam.accounts.models import AreaClass
    from powerkam.service.models import Milestone, hour_limit_sources

    rows = {(r.kind, r.milestone, r.area_class): r for r in HourLimit.objects.all()}
    sources = hour_limit_sources()
    out = []
    for key, minutes in DEFAULT_HOUR_LIMITS.items():
        kind, milestone, area = key
        row = rows.get(key)
        out.append(
            HourLimitRow(
                kind=kind,
                label=str(TicketKind(kind).label),
                milestone=milestone,
                milestone_label=str(Milestone(milestone).label),
                area_class=area,
                area_label=str(AreaClass(area).label),
                minutes=row.minutes if row else minutes,
                warn_percent=row.warn_percent if row else clock.DEFAULT_WARN_PERCENT,
                source=row.source if row else sources[key],
            )
        )
    return out


@dataclass(frozen=True)
class LimitRow:
    kind: str
    label: str
    supply: str
    normal: int
    green: int
    configured: bool


def time_limit_table() -> list[LimitRow]:
    """Every kind with its normal and green-channel limit, as they apply now."""
    configured = {(t.kind, t.supply, t.green_channel) for t in TimeLimit.objects.all()}
    rows = []
    for kind, supply in DEFAULT_LIMITS:
        rows.append(
            LimitRow(
                kind=kind,
                label=str(TicketKind(kind).label),
                supply=supply,
                normal=time_limit(kind=kind, dual_supply=supply == SupplyVariant.DUAL),
                green=time_limit(kind=kind, green_channel=True, dual_supply=supply == SupplyVariant.DUAL),
                configured=(kind, supply, False) in configured or (kind, supply, True) in configured,
            )
        )
    return rows


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def ticket_sla(
    ticket: Ticket,
    *,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
) -> clock.Sla:
    """The ticket's clock now: working days for most kinds, minutes for round-the-clock ones."""
    if ticket.round_the_clock and ticket.accepted_at is not None:
        spans = [
            clock.TimeSpan(timezone.localtime(p.paused_at), _local(p.resumed_at))
            for p in ticket.pauses.all()
            if p.paused_at is not None
        ]
        return clock.hours_sla(
            accepted_at=timezone.localtime(ticket.accepted_at),
            arrival_minutes=ticket.arrival_minutes or 0,
            restoration_minutes=ticket.restoration_minutes or 0,
            now=timezone.localtime(now or timezone.now()),
            arrived_at=_local(ticket.arrived_at),
            restored_at=_local(ticket.restored_at),
            closed_at=_local(ticket.closed_at),
            pauses=spans,
            warn_percent=ticket.warn_percent,
        )
    calendar = calendar or work_calendar()
    today = today or timezone.localdate()
    pauses = list(ticket.pauses.all())
    open_pause = next((clock.PauseSpan(p.paused_on, None) for p in pauses if p.resumed_on is None), None)
    due = clock.Due(ticket.due_on, ticket.due_provisional, ticket.paused_workdays)
    if ticket.contact_due_on is None:
        return clock.sla(calendar, due=due, today=today, open_pause=open_pause, closed_on=ticket.closed_on)
    # Two milestones (complaints): the first contact, then the reply. Closing counts as the contact
    # when none was recorded; the ticket is met only when both were in time.
    contacted = ticket.contacted_on or ticket.closed_on
    if contacted is None:
        contact_due = clock.Due(ticket.contact_due_on, ticket.due_provisional, ticket.paused_workdays)
        running = clock.sla(calendar, due=contact_due, today=today, open_pause=open_pause)
        return replace(running, milestone=LimitMilestone.CONTACT)
    result = clock.sla(calendar, due=due, today=today, open_pause=open_pause, closed_on=ticket.closed_on)
    if result.closed:
        if contacted > ticket.contact_due_on and result.state == clock.SlaState.MET:
            result = replace(result, state=clock.SlaState.BREACHED)
        return result
    return replace(result, milestone="reply")


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    sla: clock.Sla
    pending_transfer: Transfer | None


def _rows(tickets: QuerySet[Ticket], today: dt.date | None) -> list[TicketRow]:
    calendar = work_calendar()
    today = today or timezone.localdate()
    tickets = tickets.select_related("account", "owner", "owner__staff").prefetch_related("pauses", "transfers")
    rows = []
    for ticket in tickets:
        pending = next((t for t in ticket.transfers.all() if t.status == TransferStatus.PENDING), None)
        rows.append(TicketRow(ticket, ticket_sla(ticket, today=today, calendar=calendar), pending))
    return rows


def user_sees_all_tickets(user: Viewer) -> bool:
    """The whole-base roles read every ticket (docs/permissions.md)."""
    return scope_of(user).is_whole_base


def tickets_visible_to(user: Viewer) -> QuerySet[Ticket]:
    """Supervisors and administrators see every ticket; others the tickets they own, received,
    or are asked to take over (or those of a scope: the overview's figures)."""
    scope = scope_of(user)
    if scope.is_whole_base:
        return Ticket.objects.all()
    if scope.user_id is None:  # no role
        return Ticket.objects.none()
    who = scope.user_id
    return Ticket.objects.filter(
        Q(owner=who)
        | Q(received_by=who)
        | Q(transfers__to_user=who, transfers__status=TransferStatus.PENDING)
        | Q(account__assignments__staff=who, account__assignments__active=True)
    ).distinct()


def my_tickets(*, user: AnyUser, today: dt.date | None = None, include_closed: bool = False) -> list[TicketRow]:
    """The tickets I own (and transfers waiting for me), most urgent first."""
    if not user.is_authenticated:
        return []
    query = Ticket.objects.filter(
        Q(owner=user) | Q(transfers__to_user=user, transfers__status=TransferStatus.PENDING)
    ).distinct()
    if not include_closed:
        query = query.exclude(status=TicketStatus.CLOSED)
    rows = _rows(query, today)
    rows.sort(key=lambda r: (*r.sla.urgency, r.ticket.due_on, r.ticket.pk))
    return rows


def ticket_list(
    *, user: AnyUser, today: dt.date | None = None, status: str = "open", kind: str = "", owner: str = ""
) -> list[TicketRow]:
    query = tickets_visible_to(user)
    if status == "open":
        query = query.exclude(status=TicketStatus.CLOSED)
    elif status in TicketStatus.values:
        query = query.filter(status=status)
    if kind:
        query = query.filter(kind=kind)
    if owner:
        query = query.filter(owner__username=owner)
    rows = _rows(query, today)
    rows.sort(key=lambda r: (*r.sla.urgency, r.ticket.due_on, r.ticket.pk))
    return rows


def tickets_for_account(*, account: Any, today: dt.date | None = None, limit: int = 50) -> list[TicketRow]:
    """An account's tickets for its 360 page: open ones by urgency, then the latest closed."""
    rows = _rows(Ticket.objects.filter(account=account).order_by("-accepted_on")[:limit], today)
    rows.sort(key=lambda r: (r.ticket.is_closed, *r.sla.urgency))
    return rows


def ticket_get(*, user: AnyUser, pk: int) -> Ticket:
    return tickets_visible_to(user).select_related("account", "owner", "received_by", "case").get(pk=pk)


@dataclass(frozen=True)
class OwnerLink:
    user: User
    since: dt.datetime
    via: str  # "received" | "assigned" | "transfer"


def owner_chain(ticket: Ticket) -> list[OwnerLink]:
    """Who has owned the ticket, in order: the first owner, then every accepted transfer."""
    first = ticket.events.filter(kind="created").first()
    accepted = ticket.transfers.filter(status=TransferStatus.ACCEPTED).select_related("to_user", "from_user")
    accepted_list = list(accepted.order_by("decided_at", "id"))
    first_owner = accepted_list[0].from_user if accepted_list else ticket.owner
    since = first.at if first is not None else ticket.created_at
    via = "received" if first_owner.pk == ticket.received_by_id else "assigned"
    chain = [OwnerLink(first_owner, since, via)]
    for transfer in accepted_list:
        chain.append(OwnerLink(transfer.to_user, transfer.decided_at or transfer.requested_at, "transfer"))
    return chain


def ticket_timeline(ticket: Ticket) -> list[Any]:
    return list(ticket.events.select_related("by").order_by("at", "id"))


def pending_transfer(ticket: Ticket) -> Transfer | None:
    return ticket.transfers.filter(status=TransferStatus.PENDING).select_related("to_user", "requested_by").first()


def first_of_months_back(today: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months long to and including ``today``'s month (12 →
    the first of the month eleven months before): the start of the supervisor's report periods."""
    return add_months(today.replace(day=1), -(months - 1))


def notifications_for(*, user: AnyUser, unread_only: bool = True) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    query = Notification.objects.filter(user_id=user.pk).select_related("ticket")
    return query.filter(read_at=None) if unread_only else query


@dataclass
class ComplianceCell:
    closed: int = 0
    met: int = 0
    open_breached: int = 0

    @property
    def rate(self) -> float | None:
        return round(100 * self.met / self.closed, 1) if self.closed else None


def sla_compliance(
    *, user: Viewer, first_month: dt.date, last_month: dt.date, today: dt.date | None = None
) -> dict[str, Any]:
    """SLA compliance by kind and month of closing (met = closed on or before the due date), and
    the tickets open and already breached today. For the supervisor's view."""
    today = today or timezone.localdate()
    months = []
    month = first_month.replace(day=1)
    while month <= last_month:
        months.append(month.strftime("%Y-%m"))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    cells: dict[tuple[str, str], ComplianceCell] = defaultdict(ComplianceCell)
    totals: dict[str, ComplianceCell] = defaultdict(ComplianceCell)
    closed = tickets_visible_to(user).filter(
        status=TicketStatus.CLOSED, closed_on__gte=first_month.replace(day=1), closed_on__lt=month
    )
    hour_met = {  # round-the-clock tickets and complaints: two milestones, judged by their clock
        t.pk: ticket_sla(t).state == clock.SlaState.MET
        for t in closed.filter(Q(clock=ClockKind.HOURS) | Q(contact_due_on__isnull=False)).prefetch_related("pauses")
    }
    for pk, kind, due_on, closed_on in closed.values_list("pk", "kind", "due_on", "closed_on"):
        if closed_on is None:  # pragma: no cover - a closed ticket has a closing date
            continue
        key = closed_on.strftime("%Y-%m")
        for cell in (cells[(kind, key)], totals[kind], totals["*"]):
            cell.closed += 1
            cell.met += hour_met.get(pk, closed_on <= due_on)
    running = tickets_visible_to(user).filter(status=TicketStatus.OPEN)
    breached_kinds = list(running.filter(clock=ClockKind.WORKDAYS, due_on__lt=today).values_list("kind", flat=True))
    breached_kinds += [
        t.kind
        for t in running.filter(clock=ClockKind.HOURS).prefetch_related("pauses")
        if ticket_sla(t).state == clock.SlaState.BREACHED and ticket_sla(t).milestone
    ]
    for kind in breached_kinds:
        totals[kind].open_breached += 1
        totals["*"].open_breached += 1
    kinds = [k for k in TicketKind.values if totals.get(k)]
    return {
        "months": months,
        "kinds": [(k, str(TicketKind(k).label)) for k in kinds],
        "cells": {f"{k}|{m}": cells[(k, m)] for k in kinds for m in months if (k, m) in cells},
        "totals": dict(totals),
        "series": [
            {
                "kind": k,
                "label": str(TicketKind(k).label),
                "rates": [cells[(k, m)].rate if (k, m) in cells else None for m in months],
            }
            for k in kinds
        ],
    }


# ---- arrears collection (欠费催缴) -----------------------------------------------------------------
#
# The key accounts with bills past their due date (accounts.selectors.portfolio_arrears: the store's
# bills and the payments known today), with the arrears-collection ticket already open for each, so
# nobody dunning a customer twice and nobody forgotten.

#: Age filters of the list: days past the due date of the oldest bill owed.
ARREARS_AGES: dict[str, tuple[int, int | None]] = {
    (f"{first}-{last}" if last else f"{first}+"): (first, last) for first, last in AGE_BUCKETS
}
ARREARS_SORTS = {
    "owed": lambda a: (-a.outstanding_yuan, a.customer_id),
    "days": lambda a: (-a.days_overdue, -a.outstanding_yuan, a.customer_id),
    "penalty": lambda a: (-a.penalty_yuan, a.customer_id),
}


@dataclass(frozen=True)
class ArrearsFilters:
    q: str = ""  # customer id or part of the name
    district: str = ""
    age: str = ""  # a key of ARREARS_AGES
    manager: str = ""  # username of an active primary or secondary manager
    without_ticket: bool = False  # only accounts nobody is collecting from yet
    sort: str = "owed"


@dataclass(frozen=True)
class ArrearsRow:
    arrears: AccountArrears
    primary_manager: str
    open_ticket: Ticket | None


def _open_collection_tickets(customer_ids: list[str]) -> dict[str, Ticket]:
    """The newest open arrears-collection ticket of each account."""
    tickets: dict[str, Ticket] = {}
    for ticket in (
        Ticket.objects.filter(kind=TicketKind.ARREARS_COLLECTION, account__customer_id__in=customer_ids)
        .exclude(status=TicketStatus.CLOSED)
        .select_related("account", "owner", "owner__staff")
        .order_by("pk")
    ):
        if ticket.account is not None:  # always: filtered on the account
            tickets[ticket.account.customer_id] = ticket
    return tickets


def arrears_accounts(*, user: AnyUser, filters: ArrearsFilters, today: dt.date | None = None) -> list[AccountArrears]:
    """The key accounts ``user`` sees that owe bills past their due date, filtered and sorted."""
    today = today or timezone.localdate()
    rows = account_selectors.portfolio_arrears(user=user, today=today).accounts
    if filters.q:
        needle = filters.q.casefold()
        rows = [a for a in rows if needle in a.customer_id.casefold() or needle in a.name.casefold()]
    if filters.district:
        rows = [a for a in rows if a.district == filters.district]
    if filters.age in ARREARS_AGES:
        first, last = ARREARS_AGES[filters.age]
        rows = [a for a in rows if a.days_overdue >= first and (last is None or a.days_overdue <= last)]
    if filters.manager:
        managed = set(
            Assignment.objects.filter(staff__username=filters.manager, active=True).values_list(
                "account__customer_id", flat=True
            )
        )
        rows = [a for a in rows if a.customer_id in managed]
    if filters.without_ticket and rows:
        collecting = set(_open_collection_tickets([a.customer_id for a in rows]))
        rows = [a for a in rows if a.customer_id not in collecting]
    return sorted(rows, key=ARREARS_SORTS.get(filters.sort, ARREARS_SORTS["owed"]))


def arrears_rows(accounts: list[AccountArrears]) -> list[ArrearsRow]:
    """A page of the list with each account's primary manager and open collection ticket."""
    ids = [a.customer_id for a in accounts]
    tickets = _open_collection_tickets(ids)
    primaries = {
        customer_id: (name or username)
        for customer_id, username, name in Assignment.objects.filter(
            account__customer_id__in=ids, active=True, role=AssignmentRole.PRIMARY
        ).values_list("account__customer_id", "staff__username", "staff__staff__name")
    }
    return [ArrearsRow(a, primaries.get(a.customer_id, ""), tickets.get(a.customer_id)) for a in accounts]


# -- the outages of restored fault repairs, for the reliability of supply (outages/network.py) --------


def fault_interruptions(
    *, end_after: dt.datetime, start_before: dt.datetime, accounts: Any = None
) -> QuerySet[FaultInterruption]:
    """The outages of restored fault repairs overlapping ``(end_after, start_before)``, with their
    accounts, oldest first; ``accounts``: a queryset of accounts to limit them to (docs/service.md)."""
    rows = FaultInterruption.objects.filter(end__gt=end_after, start__lt=start_before)
    if accounts is not None:
        rows = rows.filter(account__in=accounts)
    return rows.select_related("account").order_by("start", "id")


def recent_fault_interruptions(*, account: Any, limit: int = 10) -> list[FaultInterruption]:
    """The newest outages of ``account``'s restored fault repairs, with their tickets, newest first."""
    return list(FaultInterruption.objects.filter(account=account).select_related("ticket").order_by("-start")[:limit])
