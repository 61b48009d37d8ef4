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
