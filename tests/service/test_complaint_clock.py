"""Complaints on two working-day milestones (docs/rules.md §3, the older public 十项承诺): contact the
customer within 1 working day, reply within 7 — both configurable, both escalated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.core.errors import ApplicationError
from powerkam.service import selectors, services
from powerkam.service.clock import SlaState
from powerkam.service.escalation import escalate_tickets
from powerkam.service.models import EventKind, Notification, Ticket, TicketKind, TimeLimit

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(manager: User) -> Ticket:
    return services.ticket_create(kind=TicketKind.COMPLAINT, title="电压偏低", by=manager, accepted_on=D(2026, 9, 28))


def test_contact_within_1_and_reply_within_7_working_days_across_the_holiday(complaint: Ticket) -> None:
    assert (complaint.contact_limit_days, complaint.limit_days) == (1, 7)
    # 09-29 is the first working day after acceptance; 7 skip the National Day holiday and count
    # the adjusted Saturday 10-10
    assert (complaint.contact_due_on, complaint.due_on) == (D(2026, 9, 29), D(2026, 10, 13))
    sla = selectors.ticket_sla(complaint, today=D(2026, 9, 29))
    assert (sla.milestone, sla.state, sla.days_left) == ("contact", SlaState.DUE_SOON, 0)
    late = selectors.ticket_sla(complaint, today=D(2026, 9, 30))
    assert (late.milestone, late.state) == ("contact", SlaState.BREACHED)


def test_contacted_in_time_then_answered_in_time_is_met(complaint: Ticket, manager: User) -> None:
    services.ticket_contact(ticket=complaint, version=complaint.version, by=manager, on=D(2026, 9, 29))
    running = selectors.ticket_sla(complaint, today=D(2026, 10, 8))
    assert (running.milestone, running.state, running.days_left) == ("reply", SlaState.ON_TRACK, 4)
    services.ticket_close(ticket=complaint, version=None, by=manager, on=D(2026, 10, 13))
    assert selectors.ticket_sla(complaint).state == SlaState.MET
    assert complaint.events.filter(kind=EventKind.CONTACTED, data__in_time=True).exists()


def test_closing_without_a_contact_counts_as_the_contact(complaint: Ticket, manager: User) -> None:
    services.ticket_close(ticket=complaint, version=None, by=manager, on=D(2026, 9, 29))
    assert selectors.ticket_sla(complaint).state == SlaState.MET  # answered the next working day
    late = services.ticket_create(kind=TicketKind.COMPLAINT, title="b", by=manager, accepted_on=D(2026, 9, 28))
    services.ticket_close(ticket=late, version=None, by=manager, on=D(2026, 10, 9))
    assert selectors.ticket_sla(late).state == SlaState.BREACHED  # answered in time, never contacted in time


def test_bad_contacts_change_nothing(complaint: Ticket, manager: User) -> None:
    with pytest.raises(ApplicationError, match="before the request was accepted"):
        services.ticket_contact(ticket=complaint, version=None, by=manager, on=D(2026, 9, 27))
    services.ticket_contact(ticket=complaint, version=None, by=manager, on=D(2026, 9, 29))
    with pytest.raises(ApplicationError, match="already recorded"):
        services.ticket_contact(ticket=complaint, version=None, by=manager, on=D(2026, 9, 30))
    review = services.ticket_create(kind=TicketKind.DESIGN_REVIEW, title="d", by=manager, accepted_on=D(2026, 9, 28))
    with pytest.raises(ApplicationError, match="Only a complaint"):
        services.ticket_contact(ticket=review, version=None, by=manager, on=D(2026, 9, 29))
    assert review.contact_due_on is None  # other kinds keep one limit


def test_the_administrator_sets_both_limits(manager: User) -> None:
    TimeLimit.objects.create(kind=TicketKind.COMPLAINT, milestone="contact", working_days=2)
    TimeLimit.objects.create(kind=TicketKind.COMPLAINT, working_days=5)
    ticket = services.ticket_create(kind=TicketKind.COMPLAINT, title="c", by=manager, accepted_on=D(2026, 9, 28))
    assert (ticket.contact_limit_days, ticket.contact_due_on, ticket.limit_days) == (2, D(2026, 9, 30), 5)


def test_each_milestone_is_escalated_and_the_page_records_the_contact(
    complaint: Ticket, manager: User, smtp_server: object, settings: object
) -> None:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    assert escalate_tickets(today=D(2026, 9, 30)).notified == 2  # contact breached: owner and supervisor
    note = Notification.objects.filter(ticket=complaint, user=manager).get()
    assert (note.milestone, note.kind) == ("contact", "breached")
    assert "first contact was due on 2026-09-29" in note.message
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    url = f"/service/tickets/{complaint.pk}/"
    assert 'data-testid="contact-form"' in client.get(url).content.decode()
    response = client.post(url + "contact/", {"version": complaint.version, "on": "2026-09-30"}, follow=True)
    assert "First contact recorded." in response.content.decode()
    assert escalate_tickets(today=D(2026, 10, 10)).notified == 2  # now the reply: 2 working days left
    assert sorted(Notification.objects.filter(user=manager).values_list("milestone", "kind")) == [
        ("contact", "breached"),
        ("reply", "due_soon"),
    ]
