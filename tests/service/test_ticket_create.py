"""Recording a request: owner by first inquiry / primary manager, time limits, due date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError
from powerkam.service import selectors, services
from powerkam.service.models import EventKind, TicketKind, TimeLimit

D = dt.date
pytestmark = pytest.mark.django_db


def test_the_recorder_owns_a_key_accounts_ticket_until_its_primary_manager_accepts(
    desk: User, manager: User, account: Account
) -> None:
    """First inquiry (docs/permissions.md): the desk that records it owns it; the account's primary
    manager is asked at once to take it over and owns it only once they accept."""
    ticket = services.ticket_create(
        kind=TicketKind.DESIGN_REVIEW, title="设计审核", by=desk, accepted_on=D(2026, 9, 28), account=account
    )
    assert (ticket.owner, ticket.received_by) == (desk, desk)
    assert (ticket.limit_days, ticket.due_on, ticket.due_provisional) == (10, D(2026, 10, 16), False)
    assert [e.kind for e in ticket.events.order_by("id")] == [EventKind.CREATED, EventKind.TRANSFER_REQUESTED]
    pending = selectors.pending_transfer(ticket)
    assert pending is not None
    assert (pending.from_user, pending.to_user) == (desk, manager)
    assert [r.ticket for r in selectors.my_tickets(user=manager)] == [ticket]  # waiting for them

    services.ticket_transfer_accept(transfer=pending, by=manager)
    ticket.refresh_from_db()
    assert ticket.owner == manager
    assert [link.user for link in selectors.owner_chain(ticket)] == [desk, manager]


def test_the_primary_manager_recording_on_their_own_account_owns_it_at_once(manager: User, account: Account) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.CONSULTATION, title="咨询", by=manager, accepted_on=D(2026, 9, 28), account=account
    )
    assert ticket.owner == manager
    assert selectors.pending_transfer(ticket) is None


def test_whoever_records_a_request_without_account_owns_it(desk: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.CONSULTATION, title="咨询", by=desk, accepted_on=D(2026, 9, 28))
    assert ticket.owner == desk
    assert [link.user for link in selectors.owner_chain(ticket)] == [desk]


def test_an_account_whose_primary_manager_is_archived_falls_back_to_the_recorder(
    desk: User, manager: User, account: Account
) -> None:
    manager.staff.archived = True
    manager.staff.save()
    ticket = services.ticket_create(
        kind=TicketKind.MAINTENANCE, title="运维", by=desk, accepted_on=D(2026, 9, 28), account=account
    )
    assert ticket.owner == desk


@pytest.mark.parametrize(
    ("kind", "green", "dual", "limit"),
    [
        (TicketKind.SCHEME_REPLY, False, False, 15),
        (TicketKind.SCHEME_REPLY, False, True, 30),
        (TicketKind.DESIGN_REVIEW, False, False, 10),
        (TicketKind.MID_INSPECTION, False, False, 5),
        (TicketKind.COMPLETION_INSPECTION, False, False, 5),
        (TicketKind.ENERGISATION, False, False, 5),
        (TicketKind.SCHEME_REPLY, True, False, 10),
        (TicketKind.DESIGN_REVIEW, True, False, 5),
    ],
)
def test_time_limits(kind: str, green: bool, dual: bool, limit: int) -> None:
    assert selectors.time_limit(kind=kind, green_channel=green, dual_supply=dual) == limit


def test_the_administrators_table_replaces_a_default(desk: User) -> None:
    TimeLimit.objects.create(kind=TicketKind.DESIGN_REVIEW, green_channel=True, working_days=4)
    TimeLimit.objects.create(kind=TicketKind.SCHEME_REPLY, supply="dual", working_days=25)
    assert selectors.time_limit(kind=TicketKind.DESIGN_REVIEW, green_channel=True) == 4
    assert selectors.time_limit(kind=TicketKind.DESIGN_REVIEW) == 10
    assert selectors.time_limit(kind=TicketKind.SCHEME_REPLY, dual_supply=True) == 25
    ticket = services.ticket_create(
        kind=TicketKind.DESIGN_REVIEW, title="x", by=desk, accepted_on=D(2026, 9, 28), green_channel=True
    )
    assert (ticket.limit_days, ticket.due_on) == (4, D(2026, 10, 9))


def test_switching_to_the_green_channel_shortens_the_clock(desk: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.DESIGN_REVIEW, title="x", by=desk, accepted_on=D(2026, 9, 28))
    services.ticket_update(ticket=ticket, version=ticket.version, by=desk, green_channel=True)
    ticket.refresh_from_db()
    assert (ticket.limit_days, ticket.due_on, ticket.version) == (5, D(2026, 10, 10), 2)  # Sat 10-10 is worked


def test_a_due_date_in_2027_is_provisional(desk: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.SCHEME_REPLY, title="x", by=desk, accepted_on=D(2026, 12, 21))
    assert ticket.due_provisional


def test_bad_requests_change_nothing(desk: User, outsider: User) -> None:
    with pytest.raises(ApplicationError, match="Unknown kind"):
        services.ticket_create(kind="nonsense", title="x", by=desk, accepted_on=D(2026, 9, 28))
    with pytest.raises(ApplicationError, match="not a PowerKAM staff member"):
        services.ticket_create(kind=TicketKind.COMPLAINT, title="x", by=outsider, accepted_on=D(2026, 9, 28))
    with pytest.raises(ApplicationError, match="title"):
        services.ticket_create(kind=TicketKind.COMPLAINT, title="  ", by=desk, accepted_on=D(2026, 9, 28))
    from powerkam.service.models import Ticket

    assert not Ticket.objects.exists()
