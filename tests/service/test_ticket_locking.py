"""Optimistic locking: two people editing one ticket — the second gets a clear conflict message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from powerkam.core.errors import ConflictError
from powerkam.service import services
from powerkam.service.models import Ticket, TicketKind
from powerkam.staff.selectors import person_name

D = dt.date
pytestmark = pytest.mark.django_db


def test_the_second_editor_gets_a_conflict_and_nothing_is_lost(desk: User, supervisor: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.COMPLAINT, title="投诉", by=desk, accepted_on=D(2026, 9, 28))
    # Both open the ticket at version 1.
    mine = Ticket.objects.get(pk=ticket.pk)
    theirs = Ticket.objects.get(pk=ticket.pk)
    services.ticket_update(ticket=mine, version=mine.version, by=desk, description="客户反映电压偏低")
    with pytest.raises(ConflictError) as caught, translation.override("en"):
        services.ticket_update(ticket=theirs, version=theirs.version, by=supervisor, description="另一描述")
    assert "changed this ticket while you were editing it" in caught.value.message
    assert caught.value.extra == {
        "current_version": 2,
        "your_version": 1,
        "changed_by": [person_name(desk)],
        "changed_fields": ["description"],
    }
    ticket.refresh_from_db()
    assert (ticket.description, ticket.version) == ("客户反映电压偏低", 2)
    # After reloading, the second person can make their change.
    theirs.refresh_from_db()
    services.ticket_update(ticket=theirs, version=theirs.version, by=supervisor, description="电压偏低，已安排检测")
    ticket.refresh_from_db()
    assert ticket.version == 3
    assert [h.description for h in ticket.history.order_by("history_id")] == [
        "",
        "客户反映电压偏低",
        "电压偏低，已安排检测",
    ]


def test_a_stale_close_is_refused(desk: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.COMPLAINT, title="投诉", by=desk, accepted_on=D(2026, 9, 28))
    services.ticket_pause(ticket=ticket, version=1, by=desk, on=D(2026, 9, 29), reason="等待客户资料")
    with (
        pytest.raises(ConflictError, match="changed this ticket while you were editing it"),
        translation.override("en"),
    ):
        services.ticket_close(ticket=ticket, version=1, by=desk, on=D(2026, 9, 30))
    ticket.refresh_from_db()
    assert ticket.closed_on is None
