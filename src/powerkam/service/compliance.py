"""The compliance report: per kind of request and area class, how many tickets closed in a period,
the share on time, the median and 90th percentile of the time they took (minutes on the
round-the-clock clock, working days on the other), and every breach with its owner.

- A ticket counts in the period of its closing day (local); it is *on time* when its clock says met
  (docs/service.md: both milestones for fault repair).
- Time taken: fault repair — minutes from the report to the restoration (or the closing, when no
  restoration was recorded); working-day tickets — working days from acceptance to closing, less
  the paused working days.
- Percentiles by the nearest-rank method: the p-th percentile of n sorted values is the
  ⌈p·n⌉-th (so the 90th of 10 values is the 9th); the median is the middle value, or the mean of
  the two middle ones.
- Breaches: the tickets of the period closed late, and the tickets open and breached now.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from powerkam.accounts.models import AreaClass
from powerkam.analytics.workcal import WorkCalendar
from powerkam.service import clock
from powerkam.service.models import ClockKind, Ticket, TicketKind, TicketStatus
from powerkam.service.selectors import AnyUser, ticket_sla, tickets_visible_to
from powerkam.workdays.selectors import work_calendar


def nearest_rank(values: list[float], share: float) -> float | None:
    """The ``share`` (0–1) percentile of ``values`` by the nearest-rank method; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


@dataclass
class Group:
    kind: str
    area_class: str
    unit: str  # "minutes" | "workdays"
    count: int = 0
    on_time: int = 0
    durations: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(TicketKind(self.kind).label)

    @property
    def area_label(self) -> str:
        return str(AreaClass(self.area_class).label) if self.area_class in AreaClass.values else ""

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.on_time / self.count, 1) if self.count else None

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.durations), 1) if self.durations else None

    @property
    def p90(self) -> float | None:
        return nearest_rank(self.durations, 0.9)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "area_class": self.area_class,
            "unit": self.unit,
            "count": self.count,
            "on_time": self.on_time,
            "on_time_share": self.on_time_share,
            "median": self.median,
            "p90": self.p90,
        }


@dataclass(frozen=True)
class Breach:
    ticket: Ticket
    area_class: str
    closed: bool
    due: dt.date | dt.datetime
    #: how late: minutes (round the clock) or working days
    late: int
    unit: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket.pk,
            "title": self.ticket.title,
            "kind": self.ticket.kind,
            "area_class": self.area_class,
            "owner": self.ticket.owner.get_username(),
            "customer_id": self.ticket.account.customer_id if self.ticket.account else None,
            "closed": self.closed,
            "due": self.due.isoformat(),
            "late": self.late,
            "unit": self.unit,
        }


@dataclass
class Report:
    first: dt.date
    last: dt.date
    groups: list[Group]
    breaches: list[Breach]

    def as_dict(self) -> dict[str, Any]:
        return {
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "groups": [g.as_dict() for g in self.groups],
            "breaches": [b.as_dict() for b in self.breaches],
        }


def _area(ticket: Ticket) -> str:
    if ticket.area_class:
        return ticket.area_class
    return ticket.account.area_class if ticket.account is not None else ""


def _duration(ticket: Ticket, calendar: WorkCalendar) -> float | None:
    if ticket.round_the_clock:
        end = ticket.restored_at or ticket.closed_at
        if ticket.accepted_at is None or end is None:
            return None
        return float(max(0, int((end - ticket.accepted_at).total_seconds() // 60) - ticket.paused_minutes))
    if ticket.closed_on is None:
        return None
    taken = calendar.workdays_between(ticket.accepted_on, ticket.closed_on) - ticket.paused_workdays
    return float(max(0, taken))


def _late(
    ticket: Ticket, sla: clock.Sla, calendar: WorkCalendar, now: dt.datetime
) -> tuple[dt.date | dt.datetime, int]:
    """The missed due date (or time) and how late, in the ticket's unit."""
    if ticket.round_the_clock:
        arrived = ticket.arrived_at or ticket.closed_at or now
        if ticket.arrival_due_at is not None and arrived > ticket.arrival_due_at:
            return timezone.localtime(ticket.arrival_due_at), int(
                (arrived - ticket.arrival_due_at).total_seconds() // 60
            )
        restored = ticket.restored_at or ticket.closed_at or now
        due = ticket.restoration_due_at or restored
        return timezone.localtime(due), max(0, int((restored - due).total_seconds() // 60))
    end = ticket.closed_on or timezone.localdate(now)
    return ticket.due_on, max(0, calendar.workdays_between(ticket.due_on, end))


def compliance_report(*, user: AnyUser, first: dt.date, last: dt.date, now: dt.datetime | None = None) -> Report:
    """The report for the tickets ``user`` may see, closed in [first, last]."""
    now = now or timezone.now()
    calendar = work_calendar()
    visible = tickets_visible_to(user).select_related("account", "owner").prefetch_related("pauses")
    closed = visible.filter(status=TicketStatus.CLOSED, closed_on__gte=first, closed_on__lte=last)
    groups: dict[tuple[str, str], Group] = {}
    breaches: list[Breach] = []
    for ticket in closed.order_by("closed_on", "pk"):
        area = _area(ticket)
        unit = "minutes" if ticket.clock == ClockKind.HOURS else "workdays"
        group = groups.setdefault((ticket.kind, area), Group(ticket.kind, area, unit))
        if group.unit != unit:  # fault tickets recorded before the 24×7 clock: their own row
            group = groups.setdefault((ticket.kind, area + ":" + unit), Group(ticket.kind, area, unit))
        sla = ticket_sla(ticket, now=now, calendar=calendar)
        group.count += 1
        group.on_time += sla.state == clock.SlaState.MET
        taken = _duration(ticket, calendar)
        if taken is not None:
            group.durations.append(taken)
        if sla.state != clock.SlaState.MET:
            due, late = _late(ticket, sla, calendar, now)
            breaches.append(Breach(ticket, area, True, due, late, unit))
    for ticket in visible.filter(status=TicketStatus.OPEN).order_by("due_on", "pk"):
        sla = ticket_sla(ticket, now=now, calendar=calendar)
        if sla.state == clock.SlaState.BREACHED and (sla.clock != "hours" or sla.milestone):
            due, late = _late(ticket, sla, calendar, now)
            unit = "minutes" if ticket.round_the_clock else "workdays"
            breaches.append(Breach(ticket, _area(ticket), False, due, late, unit))
    order = {k: i for i, k in enumerate(TicketKind.values)}
    areas = {a: i for i, a in enumerate(["", *AreaClass.values])}
    rows = sorted(groups.values(), key=lambda g: (order[g.kind], areas.get(g.area_class, 9), g.unit))
    return Report(first, last, rows, breaches)


def complaints_by_month(*, user: AnyUser, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Complaint work orders received per month, by type and by district (the monthly complaint
    report): 95598 complaints (投诉) and reports of misconduct (举报), and complaint tickets recorded
    in PowerKAM without a work order."""
    from powerkam.service.models import WorkOrder, WorkOrderType
    from powerkam.service.selectors import user_sees_all_tickets

    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    orders = WorkOrder.objects.filter(
        order_type__in=[WorkOrderType.COMPLAINT, WorkOrderType.REPORT], received_at__gte=start, received_at__lt=end
    ).select_related("account")
    if not user_sees_all_tickets(user):
        orders = orders.filter(account__assignments__staff_id=user.pk, account__assignments__active=True).distinct()
    for order in orders:
        month = timezone.localtime(order.received_at).strftime("%Y-%m")
        counts[(month, order.order_type, order.account.district or "")] += 1
    tickets = tickets_visible_to(user).filter(
        kind=TicketKind.COMPLAINT, accepted_on__gte=first, accepted_on__lte=last, work_order__isnull=True
    )
    for ticket in tickets.select_related("account"):
        district = ticket.account.district if ticket.account else ""
        counts[(ticket.accepted_on.strftime("%Y-%m"), "ticket", district or "")] += 1
    return {"rows": [{"month": m, "type": t, "district": d, "count": n} for (m, t, d), n in sorted(counts.items())]}


#: The complaint report's types, in their column order: 95598 complaints, 95598 reports of
#: misconduct, and complaint tickets recorded in PowerKAM without a work order.
COMPLAINT_TYPES = ("complaint", "report", "ticket")


def complaint_type_label(kind: str) -> str:
    from django.utils.translation import gettext as _

    labels = {
        "complaint": _("95598 complaints"),
        "report": _("Reports of misconduct"),
        "ticket": _("Complaint tickets without a work order"),
    }
    return labels.get(kind, kind)


@dataclass
class ComplaintLine:
    """One line of the monthly complaint report: a month or a district, its count per type."""

    key: str
    counts: dict[str, int]

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(t, 0) for t in COMPLAINT_TYPES]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ComplaintReport:
    """The monthly complaint report (docs/service.md): :func:`complaints_by_month`'s rows, by month
    (every month of the period, an empty one with zeros) and by district, with the totals."""

    first: dt.date
    last: dt.date
    rows: list[dict[str, Any]]

    @property
    def months(self) -> list[str]:
        months, day = [], self.first.replace(day=1)
        while day <= self.last:
            months.append(day.strftime("%Y-%m"))
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return months

    def _lines(self, field_name: str, keys: list[str]) -> list[ComplaintLine]:
        lines = {k: ComplaintLine(k, defaultdict(int)) for k in keys}
        for row in self.rows:
            lines.setdefault(row[field_name], ComplaintLine(row[field_name], defaultdict(int)))
            lines[row[field_name]].counts[row["type"]] += row["count"]
        return list(lines.values())

    @property
    def by_month(self) -> list[ComplaintLine]:
        return self._lines("month", self.months)

    @property
    def by_district(self) -> list[ComplaintLine]:
        """Districts with the most complaints first ("" — no district recorded — last among equals)."""
        lines = self._lines("district", [])
        return sorted(lines, key=lambda line: (-line.total, line.key == "", line.key))

    @property
    def total(self) -> ComplaintLine:
        counts: dict[str, int] = defaultdict(int)
        for row in self.rows:
            counts[row["type"]] += row["count"]
        return ComplaintLine("", counts)


def complaint_report(*, user: AnyUser, first: dt.date, last: dt.date) -> ComplaintReport:
    """The complaints of the period in the user's scope, for the page and its workbook."""
    return ComplaintReport(first, last, complaints_by_month(user=user, first=first, last=last)["rows"])
