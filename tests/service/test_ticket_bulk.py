"""Bulk actions on the ticket list (issue 19 part 6): each ticket goes through the single action's
service; one refused ticket leaves every selected ticket as it was, and the refusal names the row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.core.bulk import BulkRefused
from powerkam.service import services
from powerkam.service.models import EventKind, Ticket, TicketEvent, TicketKind, TicketStatus, Transfer, TransferStatus

D = dt.date
pytestmark = pytest.mark.django_db


def _ticket(by: User, title: str) -> Ticket:
    return services.ticket_create(kind=TicketKind.COMPLAINT, title=title, by=by, accepted_on=D(2026, 9, 28))


def test_closing_in_bulk_closes_each_ticket_with_its_timeline_event(desk: User) -> None:
    tickets = [_ticket(desk, "投诉一"), _ticket(desk, "投诉二")]
    services.tickets_close(tickets=tickets, by=desk, on=D(2026, 9, 30), resolution="已答复")
    for ticket in tickets:
        ticket.refresh_from_db()
        assert (ticket.status, ticket.closed_on, ticket.resolution) == (TicketStatus.CLOSED, D(2026, 9, 30), "已答复")
        assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CLOSED, by=desk).count() == 1
        assert ticket.history.filter(history_user=desk, status=TicketStatus.CLOSED).exists()


def test_one_refused_ticket_leaves_every_ticket_open_and_is_named(desk: User, colleague: User) -> None:
    mine = _ticket(desk, "投诉一")
    closed = _ticket(desk, "已经结束的投诉")
    services.ticket_close(ticket=closed, version=closed.version, by=desk, on=D(2026, 9, 29))
    theirs = _ticket(colleague, "别人的投诉")

    with pytest.raises(BulkRefused) as refused:
        services.tickets_close(tickets=[mine, closed, theirs], by=desk, on=D(2026, 9, 30))

    assert refused.value.message == "2 of 3 selected rows were refused, so nothing was changed."
    rows = [(r.row, r.message) for r in refused.value.refusals]
    assert rows == [
        (f"#{closed.pk} 已经结束的投诉", "This ticket is already closed."),
        (f"#{theirs.pk} 别人的投诉", "Only the ticket's owner or a supervisor can do this."),
    ]
    mine.refresh_from_db()
    assert mine.status != TicketStatus.CLOSED  # the one that could close was rolled back
    assert not TicketEvent.objects.filter(ticket=mine, kind=EventKind.CLOSED).exists()


def test_a_bad_date_on_one_ticket_refuses_the_whole_close(desk: User) -> None:
    early = services.ticket_create(kind=TicketKind.COMPLAINT, title="早的", by=desk, accepted_on=D(2026, 9, 21))
    late = services.ticket_create(kind=TicketKind.COMPLAINT, title="晚的", by=desk, accepted_on=D(2026, 10, 9))
    with pytest.raises(BulkRefused) as refused:
        services.tickets_close(tickets=[early, late], by=desk, on=D(2026, 9, 30))
    assert [r.row for r in refused.value.refusals] == [f"#{late.pk} 晚的"]
    assert "before the request was accepted" in refused.value.refusals[0].message
    early.refresh_from_db()
    assert early.status == TicketStatus.OPEN


def test_transferring_in_bulk_asks_the_receiver_for_each_ticket(desk: User, colleague: User, manager: User) -> None:
    tickets = [_ticket(desk, "一"), _ticket(desk, "二")]
    services.tickets_transfer(tickets=tickets, to_user=colleague, by=desk, note="片区调整")
    pending = Transfer.objects.filter(status=TransferStatus.PENDING, to_user=colleague).order_by("ticket_id")
    assert [(t.ticket_id, t.note) for t in pending] == [(tickets[0].pk, "片区调整"), (tickets[1].pk, "片区调整")]
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.owner == desk  # the owner stays responsible until the receiver accepts

    # A ticket already owned by the receiver refuses the whole transfer.
    owned = _ticket(manager, "经理的")
    other = _ticket(desk, "三")
    with pytest.raises(BulkRefused) as refused:
        services.tickets_transfer(tickets=[other, owned], to_user=manager, by=manager)
    assert [r.row for r in refused.value.refusals] == [f"#{other.pk} 三", f"#{owned.pk} 经理的"]
    assert not Transfer.objects.filter(ticket__in=[other, owned]).exists()


def test_the_page_reports_each_refused_row_and_exports_the_selection(
    client: Client, desk: User, colleague: User
) -> None:
    mine = _ticket(desk, "投诉一")
    theirs = _ticket(colleague, "别人的投诉")
    client.force_login(desk)
    page = client.get("/service/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'name="selected" value="{mine.pk}" form="ticket-bulk"' in page
    # Not visible to the desk: refused before any service runs, naming the id.
    response = client.post(
        "/service/tickets/bulk/", {"action": "close", "selected": [mine.pk, theirs.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    page = client.get("/service/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"No such ticket (or you may not see it): {theirs.pk}." in page
    mine.refresh_from_db()
    assert mine.status == TicketStatus.OPEN

    response = client.post("/service/tickets/bulk/", {"action": "export", "selected": [mine.pk]})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert any(mine.pk in row and "投诉一" in row for row in values)
    assert not any("别人的投诉" in row for row in values)

    response = client.post(
        "/service/tickets/bulk/",
        {"action": "close", "selected": [mine.pk], "resolution": "已处理"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    mine.refresh_from_db()
    assert (mine.status, mine.resolution) == (TicketStatus.CLOSED, "已处理")


def test_the_list_sends_each_rows_version_and_a_ticket_changed_since_refuses_the_close(
    client: Client, desk: User
) -> None:
    """The web's bulk bar sends the version each row showed (as the API and the command line do): a
    ticket changed after the list was read refuses the whole close, named with who changed it."""
    first, second = _ticket(desk, "投诉一"), _ticket(desk, "投诉二")
    client.force_login(desk)
    page = client.get("/service/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for ticket in (first, second):
        assert f'name="version-{ticket.pk}" value="{ticket.version}" form="ticket-bulk"' in page
    shown = {f"version-{t.pk}": t.version for t in (first, second)}
    services.ticket_update(ticket=second, version=second.version, by=desk, title="投诉二（已改）")

    client.post(
        "/service/tickets/bulk/",
        {"action": "close", "selected": [first.pk, second.pk], **shown},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = client.get("/service/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 of 2 selected rows was refused, so nothing was changed." in page
    assert f"#{second.pk} 投诉二（已改）: " in page
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.OPEN
