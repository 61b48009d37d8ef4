"""Escalation of tickets that are due soon or breached: in-app notifications and email.

Working-day tickets are checked once a day (their state changes at midnight). Round-the-clock
tickets (fault repair) are checked every few minutes: each milestone (arrival, restoration) is
escalated once when its warning share of the limit has run (*due soon*, default 80 %) and once at
its breach. See :mod:`powerkam.service.apps` for the schedule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from powerkam.service import clock
from powerkam.service.models import (
    ClockKind,
    EventKind,
    Milestone,
    Notification,
    NotificationKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from powerkam.service.selectors import ticket_sla
from powerkam.staff.selectors import language_of
from powerkam.workdays.selectors import work_calendar


@dataclass
class EscalationReport:
    checked: int = 0
    notified: int = 0
    emails: int = 0
    tickets: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "notified": self.notified, "emails": self.emails, "tickets": self.tickets}


def _recipients(ticket: Ticket) -> list[User]:
    people = [ticket.owner]
    profile = getattr(ticket.owner, "staff", None)
    if profile is not None and profile.supervisor is not None and profile.supervisor.user_id != ticket.owner_id:
        people.append(profile.supervisor.user)
    return people


def _hours_message(ticket: Ticket, sla: clock.Sla) -> tuple[str, str]:
    assert sla.due_at is not None
    what = Milestone(sla.milestone).label
    values = {
        "id": ticket.pk,
        "title": ticket.title,
        "what": what,
        "kind": ticket.get_kind_display(),
        "account": f" · {ticket.account.name}" if ticket.account else "",
        "due": timezone.localtime(sla.due_at).strftime("%Y-%m-%d %H:%M"),
        "late": sla.overdue_minutes,
        "left": sla.minutes_left,
        "owner": ticket.owner.get_username(),
    }
    if sla.state == clock.SlaState.BREACHED:
        subject = _("Breached: ticket #%(id)s %(title)s — %(what)s was due at %(due)s") % values
        body = _(
            "Ticket #%(id)s (%(kind)s%(account)s): %(what)s was due at %(due)s and is %(late)s min late. Owner: %(owner)s."
        )
    else:
        subject = _("Due soon: ticket #%(id)s %(title)s — %(what)s due at %(due)s") % values
        body = _(
            "Ticket #%(id)s (%(kind)s%(account)s): %(what)s is due at %(due)s, %(left)s min left. Owner: %(owner)s."
        )
    return subject, body % values


def _message(ticket: Ticket, sla: clock.Sla) -> tuple[str, str]:
    if sla.clock == ClockKind.HOURS:
        return _hours_message(ticket, sla)
    account = ticket.account.name if ticket.account else ""
    if sla.milestone == "contact":
        values = {"id": ticket.pk, "title": ticket.title, "due": sla.due_on.isoformat()}
        if sla.state == clock.SlaState.BREACHED:
            subject = _("Breached: ticket #%(id)s %(title)s — first contact was due on %(due)s") % values
        else:
            subject = _("Due soon: ticket #%(id)s %(title)s — first contact due on %(due)s") % values
        return subject, subject
    if sla.state == clock.SlaState.BREACHED:
        subject = _("Breached: ticket #%(id)s %(title)s") % {"id": ticket.pk, "title": ticket.title}
        body = _("Ticket #%(id)s (%(kind)s%(account)s) was due on %(due)s and is not closed. Owner: %(owner)s.")
    else:
        subject = _("Due soon: ticket #%(id)s %(title)s") % {"id": ticket.pk, "title": ticket.title}
        body = _(
            "Ticket #%(id)s (%(kind)s%(account)s) is due on %(due)s: %(left)s working day(s) left. Owner: %(owner)s."
        )
    body = body % {
        "id": ticket.pk,
        "kind": ticket.get_kind_display(),
        "account": f" · {account}" if account else "",
        "due": sla.due_on.isoformat(),
        "left": sla.days_left,
        "owner": ticket.owner.get_username(),
    }
    return subject, body


def escalate_tickets(
    *, today: dt.date | None = None, now: dt.datetime | None = None, clock_kind: str = ""
) -> EscalationReport:
    """Notify owners and supervisors of running tickets that are due soon or breached (once per
    state and milestone). ``clock_kind`` limits the run to one clock ("workdays" or "hours")."""
    today = today or timezone.localdate()
    calendar = work_calendar()
    report = EscalationReport()
    query = Ticket.objects.filter(status=TicketStatus.OPEN)
    if clock_kind:
        query = query.filter(clock=clock_kind)
    tickets = query.select_related(
        "account", "owner", "owner__staff", "owner__staff__supervisor__user"
    ).prefetch_related("pauses")
    outbox: list[tuple[Notification, EmailMessage]] = []
    with translation.override(settings.LANGUAGE_CODE):
        for ticket in tickets:
            report.checked += 1
            sla = ticket_sla(ticket, today=today, calendar=calendar, now=now)
            if sla.state not in (clock.SlaState.DUE_SOON, clock.SlaState.BREACHED):
                continue
            if sla.clock == ClockKind.HOURS and not sla.milestone:
                continue  # restored: nothing left to chase
            kind = NotificationKind.BREACHED if sla.state == clock.SlaState.BREACHED else NotificationKind.DUE_SOON
            subject, _body = _message(ticket, sla)  # the timeline's record: the installation's language
            told = []
            for person in _recipients(ticket):
                with translation.override(language_of(person)):  # the mail: the recipient's language
                    person_subject, person_body = _message(ticket, sla)
                try:
                    with transaction.atomic():
                        note = Notification.objects.create(
                            user=person, ticket=ticket, kind=kind, milestone=sla.milestone, message=person_subject[:500]
                        )
                except IntegrityError:
                    continue  # already told about this state
                told.append(person.get_username())
                report.notified += 1
                if person.email:
                    outbox.append((note, EmailMessage(person_subject, person_body, to=[person.email])))
            if told:
                report.tickets.append(ticket.pk)
                TicketEvent.objects.create(
                    ticket=ticket,
                    kind=EventKind.ESCALATED,
                    detail=subject[:500],
                    data={"state": kind, "milestone": sla.milestone, "to": told},
                )
    if outbox:
        # Sent after the notifications are recorded; a mail failure leaves them with emailed=False.
        with get_connection() as connection:
            report.emails = connection.send_messages([message for _note, message in outbox]) or 0
        Notification.objects.filter(pk__in=[note.pk for note, _message in outbox]).update(emailed=True)
    return report
