"""First-inquiry responsibility: a transfer is a request the receiver must accept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from powerkam.core.errors import ApplicationError
from powerkam.service import selectors, services
from powerkam.service.models import EventKind, Notification, Ticket, TicketKind, TransferStatus

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(desk: User) -> Ticket:
    return services.ticket_create(kind=TicketKind.COMPLAINT, title="投诉", by=desk, accepted_on=D(2026, 9, 28))


def test_the_first_owner_stays_responsible_until_the_receiver_accepts(
    ticket: Ticket, desk: User, colleague: User, manager: User
) -> None:
    transfer = services.ticket_transfer_request(ticket=ticket, version=ticket.version, to_user=colleague, by=desk)
    ticket.refresh_from_db()
    assert ticket.owner == desk
    assert selectors.pending_transfer(ticket) == transfer
    assert Notification.objects.filter(user=colleague, ticket=ticket).exists()
    assert [r.ticket for r in selectors.my_tickets(user=colleague, today=D(2026, 9, 29))] == [ticket]

    services.ticket_transfer_accept(transfer=transfer, by=colleague)
    ticket.refresh_from_db()
    assert ticket.owner == colleague
    # and on again, to a third person
    second = services.ticket_transfer_request(ticket=ticket, version=ticket.version, to_user=manager, by=colleague)
    services.ticket_transfer_accept(transfer=second, by=manager)
    chain = selectors.owner_chain(ticket)
    assert [(link.user, link.via) for link in chain] == [
        (desk, "received"),
        (colleague, "transfer"),
        (manager, "transfer"),
    ]
    assert [e.kind for e in selectors.ticket_timeline(ticket)] == [
        EventKind.CREATED,
        EventKind.TRANSFER_REQUESTED,
        EventKind.TRANSFER_ACCEPTED,
        EventKind.TRANSFER_REQUESTED,
        EventKind.TRANSFER_ACCEPTED,
    ]


def test_a_transfer_refused_leaves_the_owner(ticket: Ticket, desk: User, colleague: User) -> None:
    transfer = services.ticket_transfer_request(ticket=ticket, version=ticket.version, to_user=colleague, by=desk)
    services.ticket_transfer_decline(transfer=transfer, by=colleague, reason="不属于我的片区")
    ticket.refresh_from_db()
    transfer.refresh_from_db()
    assert ticket.owner == desk
    assert (transfer.status, transfer.decision_note) == (TransferStatus.DECLINED, "不属于我的片区")
    assert [link.user for link in selectors.owner_chain(ticket)] == [desk]
    with pytest.raises(ApplicationError, match="already decided"):
        services.ticket_transfer_accept(transfer=transfer, by=colleague)


def test_only_the_receiver_accepts(ticket: Ticket, desk: User, colleague: User, manager: User) -> None:
    transfer = services.ticket_transfer_request(ticket=ticket, version=ticket.version, to_user=colleague, by=desk)
    with pytest.raises(ApplicationError, match=r"Only wang\.mgr can accept"):
        services.ticket_transfer_accept(transfer=transfer, by=manager)
    with pytest.raises(ApplicationError, match=r"Only wang\.mgr"):
        services.ticket_transfer_accept(transfer=transfer, by=desk)
    ticket.refresh_from_db()
    assert ticket.owner == desk


def test_bad_transfers_are_refused_and_change_nothing(
    ticket: Ticket, desk: User, colleague: User, outsider: User, manager: User
) -> None:
    version = ticket.version
    with pytest.raises(ApplicationError, match="not a PowerKAM staff member"):
        services.ticket_transfer_request(ticket=ticket, version=version, to_user=outsider, by=desk)
    with pytest.raises(ApplicationError, match="already owned by desk"):
        services.ticket_transfer_request(ticket=ticket, version=version, to_user=desk, by=desk)
    with pytest.raises(ApplicationError, match="owner or a supervisor"):
        services.ticket_transfer_request(ticket=ticket, version=version, to_user=manager, by=colleague)
    ticket.refresh_from_db()
    assert (ticket.version, ticket.transfers.count(), ticket.events.count()) == (version, 0, 1)

    services.ticket_transfer_request(ticket=ticket, version=version, to_user=colleague, by=desk)
    ticket.refresh_from_db()
    with pytest.raises(ApplicationError, match=r"already waiting for wang\.mgr"):
        services.ticket_transfer_request(ticket=ticket, version=ticket.version, to_user=manager, by=desk)


def test_a_supervisor_can_move_someone_elses_ticket(ticket: Ticket, supervisor: User, colleague: User) -> None:
    transfer = services.ticket_transfer_request(ticket=ticket, version=None, to_user=colleague, by=supervisor)
    assert transfer.from_user.username == "desk"


def test_closing_cancels_a_pending_transfer(ticket: Ticket, desk: User, colleague: User) -> None:
    transfer = services.ticket_transfer_request(ticket=ticket, version=ticket.version, to_user=colleague, by=desk)
    services.ticket_close(ticket=ticket, version=None, by=desk, on=D(2026, 9, 30))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
