"""Escalation: owner and supervisor are told when a ticket is due soon and when it breaches —
in the app and by email through a real (local) SMTP server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from powerkam.service import services
from powerkam.service.escalation import escalate_tickets
from powerkam.service.models import EventKind, Notification, NotificationKind, Ticket, TicketKind
from powerkam.service.tasks import escalate
from tests.smtp import SmtpServer

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(smtp_server: SmtpServer, settings: Any) -> SmtpServer:
    """The real SMTP server of tests/smtp.py, with mails written in English for the assertions."""
    settings.LANGUAGE_CODE = "en"
    return smtp_server


@pytest.fixture
def ticket(manager: User) -> Ticket:
    return services.ticket_create(
        kind=TicketKind.DESIGN_REVIEW, title="设计审核", by=manager, accepted_on=D(2026, 9, 28)
    )


def test_breach_notification_received_by_the_smtp_server(smtp: SmtpServer, ticket: Ticket, manager: User) -> None:
    report = escalate_tickets(today=D(2026, 10, 19))
    assert (report.notified, report.emails, report.tickets) == (2, 2, [ticket.pk])
    assert sorted(r for m in smtp.messages for r in m.recipients) == ["li@example.com", "sup@example.com"]
    message = smtp.messages[0].message
    assert message["Subject"] == f"Breached: ticket #{ticket.pk} 设计审核"
    assert "was due on 2026-10-16" in message.get_content()
    notes = Notification.objects.filter(ticket=ticket, kind=NotificationKind.BREACHED)
    assert {n.user.username for n in notes} == {"li.mgr", "zhang.sup"}
    assert all(n.emailed for n in notes)
    assert ticket.events.filter(kind=EventKind.ESCALATED).count() == 1
    # Told once: a second run the next day sends nothing new.
    assert escalate_tickets(today=D(2026, 10, 20)).notified == 0
    assert len(smtp.messages) == 2


def test_due_soon_then_breached(smtp: SmtpServer, ticket: Ticket) -> None:
    assert escalate_tickets(today=D(2026, 10, 13)).notified == 0  # 3 working days left: on track
    assert escalate_tickets(today=D(2026, 10, 14)).notified == 2  # 2 left: due soon
    assert "Due soon" in smtp.messages[-1].message["Subject"]
    assert escalate_tickets(today=D(2026, 10, 17)).notified == 2  # breached
    assert len(smtp.messages) == 4


def test_paused_and_closed_tickets_are_not_escalated(smtp: SmtpServer, ticket: Ticket, manager: User) -> None:
    services.ticket_pause(ticket=ticket, version=None, by=manager, on=D(2026, 10, 12), reason="等待客户资料")
    assert escalate_tickets(today=D(2026, 10, 30)).checked == 0
    services.ticket_close(ticket=ticket, version=None, by=manager, on=D(2026, 10, 13))
    assert escalate_tickets(today=D(2026, 10, 30)).notified == 0
    assert smtp.messages == []


def test_the_task_runs_the_escalation(smtp: SmtpServer, ticket: Ticket) -> None:
    result = escalate.call(today="2026-10-19")
    assert result["notified"] == 2
    assert len(smtp.messages) == 2


def test_the_command(smtp: SmtpServer, ticket: Ticket) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("escalate", "--date", "2026-10-19", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["notified"] == 2
    with pytest.raises(SystemExit):
        call_command("escalate", "--date", "2026-13-01", stdout=StringIO(), stderr=StringIO())


# -- round-the-clock tickets (fault repair): minutes, each milestone escalated on its own ----------


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture
def fault(manager: User, account: Any) -> Ticket:
    return services.ticket_create(
        kind=TicketKind.FAULT_REPAIR,
        title="10kV 进线跳闸",
        by=manager,
        account=account,
        accepted_at=at(2026, 10, 1, 23, 30),
    )


def test_a_fault_is_escalated_at_80_percent_and_at_breach_of_each_milestone(
    smtp: SmtpServer, fault: Ticket, manager: User
) -> None:
    assert escalate_tickets(now=at(2026, 10, 2, 0, 5)).notified == 0  # 35 of 45 minutes: on track
    report = escalate_tickets(now=at(2026, 10, 2, 0, 6))  # 36 minutes: 80 % of the arrival limit
    assert (report.notified, report.emails) == (2, 2)
    subject = " ".join(str(smtp.messages[-1].message["Subject"]).split())  # unfolded
    assert subject == f"Due soon: ticket #{fault.pk} 10kV 进线跳闸 — Arrival on site due at 2026-10-02 00:15"
    assert "9 min left" in smtp.messages[-1].message.get_content()
    assert escalate_tickets(now=at(2026, 10, 2, 0, 10)).notified == 0  # told once
    assert escalate_tickets(now=at(2026, 10, 2, 0, 16)).notified == 2  # breached
    assert "1 min late" in smtp.messages[-1].message.get_content()
    services.ticket_arrive(ticket=fault, version=None, by=manager, at=at(2026, 10, 2, 0, 20))
    # the restoration (3 h from the arrival, due 03:20) is a new milestone: told again at 80 % and at breach
    assert escalate_tickets(now=at(2026, 10, 2, 2, 43)).notified == 0
    assert escalate_tickets(now=at(2026, 10, 2, 2, 44)).notified == 2
    assert escalate_tickets(now=at(2026, 10, 2, 3, 21)).notified == 2
    kinds = sorted(Notification.objects.filter(ticket=fault, user=manager).values_list("milestone", "kind"))
    assert kinds == [
        ("arrival", "breached"),
        ("arrival", "due_soon"),
        ("restoration", "breached"),
        ("restoration", "due_soon"),
    ]
    services.ticket_restore(ticket=fault, version=None, by=manager, at=at(2026, 10, 2, 3, 30))
    assert escalate_tickets(now=at(2026, 10, 2, 9, 0)).notified == 0  # restored: nothing to chase


def test_the_clocks_are_escalated_by_their_own_jobs(smtp: SmtpServer, fault: Ticket, ticket: Ticket) -> None:
    hours = escalate_tickets(now=at(2026, 10, 2, 1, 0), clock_kind="hours")
    assert (hours.checked, hours.tickets) == (1, [fault.pk])
    days = escalate_tickets(today=D(2026, 10, 19), clock_kind="workdays")
    assert (days.checked, days.tickets) == (1, [ticket.pk])
