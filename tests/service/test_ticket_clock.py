"""Pause, resume and close: the clock's services and the bad requests they refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from powerkam.core.errors import ApplicationError
from powerkam.service import selectors, services
from powerkam.service.clock import SlaState
from powerkam.service.models import Ticket, TicketKind, TicketStatus

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(desk: User) -> Ticket:
    return services.ticket_create(kind=TicketKind.DESIGN_REVIEW, title="设计审核", by=desk, accepted_on=D(2026, 9, 28))


def test_a_clock_paused_across_a_holiday(ticket: Ticket, desk: User) -> None:
    services.ticket_pause(ticket=ticket, version=ticket.version, by=desk, on=D(2026, 9, 30), reason="缺少图纸")
    assert ticket.status == TicketStatus.PAUSED
    frozen = selectors.ticket_sla(ticket, today=D(2026, 10, 20))
    assert (frozen.state, frozen.days_left, frozen.paused) == (SlaState.ON_TRACK, 8, True)
    services.ticket_resume(ticket=ticket, version=ticket.version, by=desk, on=D(2026, 10, 9))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.paused_workdays, ticket.due_on) == (TicketStatus.OPEN, 2, D(2026, 10, 20))
    assert selectors.ticket_sla(ticket, today=D(2026, 10, 16)).state == SlaState.DUE_SOON
    services.ticket_close(ticket=ticket, version=ticket.version, by=desk, on=D(2026, 10, 20), resolution="审核通过")
    assert selectors.ticket_sla(ticket, today=D(2026, 10, 30)).state == SlaState.MET


def test_two_pauses_add_up(ticket: Ticket, desk: User) -> None:
    services.ticket_pause(ticket=ticket, version=None, by=desk, on=D(2026, 9, 29), reason="a")
    services.ticket_resume(ticket=ticket, version=None, by=desk, on=D(2026, 9, 30))  # 1 working day
    services.ticket_pause(ticket=ticket, version=None, by=desk, on=D(2026, 10, 12), reason="b")
    services.ticket_resume(ticket=ticket, version=None, by=desk, on=D(2026, 10, 14))  # 2 working days
    ticket.refresh_from_db()
    assert (ticket.paused_workdays, ticket.due_on) == (3, D(2026, 10, 21))


def test_bad_clock_requests_change_nothing(ticket: Ticket, desk: User) -> None:
    with pytest.raises(ApplicationError, match="before the request was accepted"):
        services.ticket_pause(ticket=ticket, version=ticket.version, by=desk, on=D(2026, 9, 27), reason="x")
    with pytest.raises(ApplicationError, match="not paused"):
        services.ticket_resume(ticket=ticket, version=ticket.version, by=desk, on=D(2026, 10, 1))
    services.ticket_pause(ticket=ticket, version=ticket.version, by=desk, on=D(2026, 9, 30), reason="x")
    version = ticket.version
    with pytest.raises(ApplicationError, match="already paused"):
        services.ticket_pause(ticket=ticket, version=version, by=desk, on=D(2026, 10, 8), reason="y")
    with pytest.raises(ApplicationError, match="cannot resume before"):
        services.ticket_resume(ticket=ticket, version=version, by=desk, on=D(2026, 9, 29))
    ticket.refresh_from_db()
    assert (ticket.version, ticket.pauses.count(), ticket.status) == (version, 1, TicketStatus.PAUSED)


def test_closing_a_closed_ticket_is_refused(ticket: Ticket, desk: User) -> None:
    services.ticket_close(ticket=ticket, version=ticket.version, by=desk, on=D(2026, 10, 9))
    version = ticket.version
    with pytest.raises(ApplicationError, match="already closed"):
        services.ticket_close(ticket=ticket, version=version, by=desk, on=D(2026, 10, 12))
    with pytest.raises(ApplicationError, match="already closed"):
        services.ticket_pause(ticket=ticket, version=version, by=desk, on=D(2026, 10, 12), reason="x")
    ticket.refresh_from_db()
    assert (ticket.closed_on, ticket.version) == (D(2026, 10, 9), version)


def test_closing_before_acceptance_is_refused(ticket: Ticket, desk: User) -> None:
    with pytest.raises(ApplicationError, match="before the request was accepted"):
        services.ticket_close(ticket=ticket, version=ticket.version, by=desk, on=D(2026, 9, 1))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_closing_a_paused_ticket_ends_the_pause(ticket: Ticket, desk: User) -> None:
    services.ticket_pause(ticket=ticket, version=None, by=desk, on=D(2026, 10, 12), reason="x")
    services.ticket_close(ticket=ticket, version=None, by=desk, on=D(2026, 10, 14))
    ticket.refresh_from_db()
    assert ticket.pauses.get().resumed_on == D(2026, 10, 14)
    assert ticket.due_on == D(2026, 10, 20)


def test_someone_else_cannot_change_my_ticket(ticket: Ticket, colleague: User, supervisor: User) -> None:
    with pytest.raises(ApplicationError, match="owner or a supervisor"):
        services.ticket_close(ticket=ticket, version=None, by=colleague, on=D(2026, 10, 9))
    services.ticket_close(ticket=ticket, version=None, by=supervisor, on=D(2026, 10, 9))
