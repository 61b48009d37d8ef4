"""95598 work orders (kind ``workorders``): imported all-or-nothing, matched to CRM accounts, each
one a ticket on the right clock; a number imported again updates; repeated complaints flagged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import StaffFactory, Team, build_team
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.imports.services import ImportRefused, import_file
from powerkam.service.clock import SlaState
from powerkam.service.models import ClockKind, Ticket, TicketKind, TicketStatus, WorkOrder
from powerkam.service.selectors import ticket_sla
from powerkam.service.workorders import workorders_for_account
from powerkam.staff.models import Role

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "workorders.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture
def team(settings, tmp_path: Path) -> Team:
    settings.ANALYTICS_DIR = tmp_path / "store"
    settings.DATA_DIR = tmp_path
    return build_team()


@pytest.fixture
def admin(team: Team) -> User:
    """The data administrator: only they import (docs/permissions.md)."""
    return StaffFactory(role=Role.ADMIN, user__username="dataadmin").user


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_the_fixture_lands_with_a_ticket_on_the_right_clock_each(team: Team, admin: User) -> None:
    report = import_file(kind="workorders", path=FIXTURE, by=admin)
    assert (report.inserted, report.updated, report.unchanged) == (5, 0, 0)
    assert any("X999" in w for w in report.warnings)  # not a CRM account: not kept
    assert any("4 opened, 3 closed" in w for w in report.warnings)
    assert not WorkOrder.objects.filter(order_no="W2026102101").exists()

    fault = WorkOrder.objects.get(order_no="W2026100101")
    ticket = fault.ticket
    assert ticket is not None
    # First inquiry (docs/permissions.md): whoever records it (here the import) owns it until the
    # account's manager accepts the hand-over the import asked for.
    assert (ticket.kind, ticket.clock, ticket.owner.username) == (TicketKind.FAULT_REPAIR, ClockKind.HOURS, "dataadmin")
    assert {t.to_user.username for t in ticket.transfers.all()} == {"m01"}
    assert ticket.accepted_at == at(2026, 10, 1, 23, 30)
    assert ticket.arrival_due_at == at(2026, 10, 2, 0, 15)  # the docs/rules.md example, from 95598's time
    assert (ticket.status, ticket.closed_at) == (TicketStatus.CLOSED, at(2026, 10, 2, 3, 10))
    assert ticket_sla(ticket).state == SlaState.BREACHED  # closed with no arrival recorded by 00:15

    complaint = WorkOrder.objects.get(order_no="W2026100501").ticket
    assert complaint is not None
    assert (complaint.kind, complaint.clock, complaint.accepted_on) == (
        TicketKind.COMPLAINT,
        ClockKind.WORKDAYS,
        dt.date(2026, 10, 5),
    )
    # contact within 1 working day, reply within 7, counted after the National Day holiday
    assert (complaint.contact_due_on, complaint.due_on) == (dt.date(2026, 10, 8), dt.date(2026, 10, 15))
    # 95598 closed it on 10-09 with no contact recorded: the closing is the contact, a day late
    assert ticket_sla(complaint).state == SlaState.BREACHED
    inquiry = WorkOrder.objects.get(order_no="W2026101201").ticket
    assert inquiry is not None
    assert inquiry.kind == TicketKind.CONSULTATION
    assert WorkOrder.objects.get(order_no="W2026102001").ticket is None  # praise: nothing to follow up
    assert WorkOrder.objects.get(order_no="W2026110301").ticket.status == TicketStatus.OPEN  # type: ignore[union-attr]


def test_a_number_imported_again_updates_and_closes_its_ticket(team: Team, admin: User, tmp_path: Path) -> None:
    import_file(kind="workorders", path=FIXTURE, by=admin)
    tickets = Ticket.objects.count()
    again = import_file(kind="workorders", path=FIXTURE, by=admin)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    update = tmp_path / "update.csv"
    update.write_text(
        "order_no,type,received_at,customer_id,status,closed_at,satisfaction\n"
        "W2026110301,complaint,2026-11-03T14:00,E100,closed,2026-11-05T10:00,satisfied\n",
        encoding="utf-8",
    )
    report = import_file(kind="workorders", path=update, by=admin)
    assert (report.inserted, report.updated) == (0, 1)
    order = WorkOrder.objects.get(order_no="W2026110301")
    assert (order.status, order.satisfaction, order.content) == ("closed", "satisfied", "电费账单有误")  # absent: kept
    assert order.ticket is not None
    assert (order.ticket.status, order.ticket.closed_on) == (TicketStatus.CLOSED, dt.date(2026, 11, 5))
    assert Ticket.objects.count() == tickets  # an update, not a new ticket
    assert order.history.count() == 3  # imported, linked to its ticket, updated


def test_a_bad_row_refuses_the_whole_file(team: Team, admin: User, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "order_no,type,received_at,customer_id,status,closed_at\n"
        "W1,fault,2026-10-01T23:30,E100,open,\n"
        "W2,complaint,2026-10-05T09:00,E100,closed,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(kind="workorders", path=bad, by=admin)
    assert refused.value.errors[0].row == 3
    assert refused.value.errors[0].column == "closed_at"
    assert "closing time" in refused.value.errors[0].reason
    assert (WorkOrder.objects.count(), Ticket.objects.count()) == (0, 0)
    assert ImportRun.objects.latest("pk").status == ImportStatus.REFUSED


def test_repeated_complaints_within_90_days_are_flagged_on_the_360_page(team: Team, admin: User) -> None:
    import_file(kind="workorders", path=FIXTURE, by=admin)
    rows = {r.order.order_no: r.repeated for r in workorders_for_account(account=team.accounts["E100"])}
    assert rows == {"W2026100101": False, "W2026100501": False, "W2026110301": True}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(team.manager.user)
    page = client.get("/accounts/E100/panels/workorders/").content.decode()
    assert 'data-order="W2026110301" data-repeated' in page
    assert 'data-testid="repeated-complaints"' in page
    assert "W2026100101" in page


def test_the_cli_imports_work_orders(team: Team, admin: User) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("import", "workorders", str(FIXTURE), "--format", "json", stdout=out)
    assert '"inserted": 5' in out.getvalue()
