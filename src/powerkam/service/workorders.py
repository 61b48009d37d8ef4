"""95598 work orders: landing an import (each order creates or updates a ticket on the right clock)
and the reads of the account 360 page (repeated complaints flagged). docs/service.md, kind
``workorders`` in docs/data-formats.md.

- An order is matched to its CRM account by customer id; orders of customers that are not CRM
  accounts (below 10 kV) are not kept, and the import says how many.
- A new order becomes a ticket (:data:`WORKORDER_TICKET_KINDS`: a fault report runs round the clock
  from the time 95598 received it; inquiries, opinions, complaints and reports of misconduct on
  working days from that day; praise needs no ticket). Its owner is the account's primary manager.
- Re-importing an order number updates the order; an order now closed closes its open ticket at
  its closing time. Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError
from powerkam.service import services
from powerkam.service.models import (
    REPEAT_COMPLAINT_DAYS,
    WORKORDER_TICKET_KINDS,
    Ticket,
    TicketKind,
    WorkOrder,
    WorkOrderStatus,
    WorkOrderType,
)

#: The fields an import may change on an existing order.
FIELDS = ("channel", "order_type", "received_at", "content", "status", "closed_at", "satisfaction")


@dataclass
class Landed:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    tickets_created: int = 0
    tickets_closed: int = 0
    warnings: list[str] = field(default_factory=list)
    #: (order number, column, value, message): problems that refuse the whole file
    errors: list[tuple[str, str, str | None, str]] = field(default_factory=list)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """The store's timestamps are naive local times of the utility's zone."""
    if value is None:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _values(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "channel": row.get("channel") or "",
        "order_type": row["type"],
        "received_at": _aware(row["received_at"]),
        "content": row.get("content") or "",
        "status": row["status"],
        "closed_at": _aware(row.get("closed_at")),
        "satisfaction": row.get("satisfaction") or "",
    }


def _check(order_no: str, values: dict[str, Any], landed: Landed) -> None:
    closed_at, received_at = values["closed_at"], values["received_at"]
    if values["status"] == WorkOrderStatus.CLOSED and closed_at is None:
        landed.errors.append((order_no, "closed_at", None, _("A closed work order needs its closing time.")))
    if closed_at is not None and closed_at < received_at:
        landed.errors.append(
            (order_no, "closed_at", closed_at.isoformat(), _("The work order closed before it was received."))
        )


def _open_ticket(order: WorkOrder, by: User | None, landed: Landed) -> Ticket | None:
    kind = WORKORDER_TICKET_KINDS.get(order.order_type)
    if kind is None:
        return None
    owner = services.primary_manager(order.account)
    recorder = by if by is not None and (by.is_superuser or services._staff(by) is not None) else owner
    if recorder is None:
        landed.warnings.append(
            _("Work order %(no)s: %(account)s has no primary manager, so no ticket was opened.")
            % {"no": order.order_no, "account": order.account.customer_id}
        )
        return None
    label = WorkOrderType(order.order_type).label
    try:
        ticket = services.ticket_create(
            kind=kind,
            title=f"95598 {order.order_no} · {label}",
            by=recorder,
            account=order.account,
            description=order.content,
            owner=owner,
            accepted_on=timezone.localdate(order.received_at),
            accepted_at=order.received_at if kind == TicketKind.FAULT_REPAIR else None,
        )
    except ApplicationError as exc:
        landed.warnings.append(
            _("Work order %(no)s: no ticket was opened (%(reason)s).") % {"no": order.order_no, "reason": exc.message}
        )
        return None
    landed.tickets_created += 1
    return ticket


def _close_ticket(order: WorkOrder, landed: Landed) -> None:
    ticket = order.ticket
    if ticket is None or ticket.is_closed or order.status != WorkOrderStatus.CLOSED or order.closed_at is None:
        return
    reason = _("Closed in 95598 (work order %(no)s).") % {"no": order.order_no}
    try:
        with transaction.atomic():
            services.ticket_close(
                ticket=ticket,
                version=None,
                by=ticket.owner,
                on=timezone.localdate(order.closed_at),
                at=order.closed_at if ticket.round_the_clock else None,
                resolution=reason,
            )
    except ApplicationError as exc:
        landed.warnings.append(
            _("Work order %(no)s: its ticket #%(id)s stays open (%(reason)s).")
            % {"no": order.order_no, "id": ticket.pk, "reason": exc.message}
        )
        return
    landed.tickets_closed += 1


def workorders_land(*, rows: Iterable[dict[str, Any]], by: User | None, present: set[str]) -> Landed:
    """Create or update the work orders of ``rows`` (the contract's typed rows), and their tickets.

    Call inside the import's transaction: a returned ``errors`` list must refuse the whole file."""
    landed = Landed()
    rows = list(rows)
    accounts = Account.objects.in_bulk({r["customer_id"] for r in rows}, field_name="customer_id")
    existing = WorkOrder.objects.select_related("ticket", "account").in_bulk(
        [r["order_no"] for r in rows], field_name="order_no"
    )
    unmatched = sorted({r["customer_id"] for r in rows if r["customer_id"] not in accounts})
    created: list[WorkOrder] = []
    changed: list[WorkOrder] = []
    for row in rows:
        account = accounts.get(row["customer_id"])
        if account is None:
            continue
        values = _values(row)
        _check(row["order_no"], values, landed)
        order = existing.get(row["order_no"])
        if order is None:
            created.append(WorkOrder(order_no=row["order_no"], account=account, **values))
            continue
        keep = {f for f in FIELDS if f in ("order_type", "received_at", "status") or _column(f) in present}
        diff = {f: values[f] for f in keep if getattr(order, f) != values[f]}
        if order.account_id != account.pk:
            landed.errors.append(
                (
                    order.order_no,
                    "customer_id",
                    row["customer_id"],
                    _("Work order %(no)s was imported for %(before)s: its customer cannot change.")
                    % {"no": order.order_no, "before": order.account.customer_id},
                )
            )
            continue
        if not diff:
            landed.unchanged += 1
            continue
        for name, value in diff.items():
            setattr(order, name, value)
        changed.append(order)
    if landed.errors:
        return landed
    if created:
        bulk_create_with_history(created, WorkOrder, default_user=by, default_change_reason="import")
        created = list(WorkOrder.objects.select_related("account").filter(order_no__in=[o.order_no for o in created]))
    for order in changed:
        order._change_reason = "import"  # type: ignore[attr-defined]
        order.save()
    for order in sorted(created, key=lambda o: o.received_at):
        ticket = _open_ticket(order, by, landed)
        if ticket is not None:
            order.ticket = ticket
            order._change_reason = "import: ticket"  # type: ignore[attr-defined]
            order.save(update_fields=["ticket", "updated_at"])
            _close_ticket(order, landed)
    for order in changed:
        _close_ticket(order, landed)
    landed.inserted, landed.updated = len(created), len(changed)
    if unmatched:
        landed.warnings.append(
            ngettext(
                "%(count)s customer is not a CRM account (below 10 kV or not imported): its work orders were "
                "not kept: %(ids)s",
                "%(count)s customers are not CRM accounts (below 10 kV or not imported): their work orders were "
                "not kept: %(ids)s",
                len(unmatched),
            )
            % {"count": len(unmatched), "ids": ", ".join(unmatched[:10]) + (" …" if len(unmatched) > 10 else "")}
        )
    return landed


def _column(field_name: str) -> str:
    return {"order_type": "type"}.get(field_name, field_name)


# -- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkOrderRow:
    order: WorkOrder
    #: a complaint with another complaint of the same account in the 90 days before it
    repeated: bool


def repeated_complaints(orders: Iterable[WorkOrder]) -> set[int]:
    """The complaints (ids) received within :data:`REPEAT_COMPLAINT_DAYS` days after an earlier
    complaint of the same account."""
    window = dt.timedelta(days=REPEAT_COMPLAINT_DAYS)
    last: dict[int, dt.datetime] = {}
    repeated = set()
    for order in sorted(orders, key=lambda o: (o.received_at, o.pk)):
        if order.order_type != WorkOrderType.COMPLAINT:
            continue
        before = last.get(order.account_id)
        if before is not None and order.received_at - before <= window:
            repeated.add(order.pk)
        last[order.account_id] = order.received_at
    return repeated


def workorders_for_account(*, account: Account, limit: int = 50) -> list[WorkOrderRow]:
    """An account's work orders for its 360 page, newest first, repeated complaints flagged."""
    orders = list(WorkOrder.objects.filter(account=account).select_related("ticket").order_by("-received_at", "-pk"))
    repeated = repeated_complaints(orders)
    return [WorkOrderRow(o, o.pk in repeated) for o in orders[:limit]]
