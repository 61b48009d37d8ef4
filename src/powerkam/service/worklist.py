"""Service requests a user owns (open or paused) on the shared work list, due on their clock: the
working-day due date, or for a round-the-clock ticket (fault repair) the running milestone's due
time and the minutes left in the title."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.service.models import ClockPause, Ticket, TicketStatus
from powerkam.web.worklist import Task, TaskSource, register

LABEL = _("Service request")


def _tasks(user: Any, today: dt.date) -> Iterator[Task]:
    rows = Ticket.objects.filter(owner_id=user.pk, status__in=[TicketStatus.OPEN, TicketStatus.PAUSED])
    for t in rows.select_related("account").prefetch_related("pauses").order_by("due_on", "pk"):
        yield Task(
            kind="service_request",
            kind_label=LABEL,
            title=f"#{t.pk} {t.title}{_countdown(t)}",
            subject=t.account.name if t.account else "",
            due_on=None if t.status == TicketStatus.PAUSED else t.due_on,
            url=reverse("service:ticket", args=[t.pk]),
            customer_id=t.account.customer_id if t.account else "",
            live=t.round_the_clock and t.status == TicketStatus.OPEN,
        )


def _countdown(ticket: Ticket) -> str:
    """ " · on site by 00:15, 37 min left" for a round-the-clock ticket; "" otherwise."""
    if not ticket.round_the_clock:
        return ""
    from powerkam.service.selectors import ticket_sla

    sla = ticket_sla(ticket)
    if not sla.milestone or sla.due_at is None or sla.minutes_left is None:
        return ""
    values = {"time": timezone.localtime(sla.due_at).strftime("%H:%M"), "n": abs(sla.minutes_left)}
    if sla.milestone == "arrival":
        text = gettext("on site by %(time)s") % values
    else:
        text = gettext("restored by %(time)s") % values
    if sla.minutes_left < 0:
        return f" · {text}, " + gettext("%(n)s min overdue") % values
    return f" · {text}, " + gettext("%(n)s min left") % values


def register_tasks() -> None:
    register(TaskSource("service_request", LABEL, _tasks, order=20, models=(Ticket, ClockPause, Account)))
