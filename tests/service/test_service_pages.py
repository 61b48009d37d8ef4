"""The service pages through Django's test client: my tickets by urgency, detail, actions, letters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from powerkam.accounts.models import Account
from powerkam.service import services
from powerkam.service.models import Ticket, TicketKind

D = dt.date
pytestmark = pytest.mark.django_db


def login(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_my_tickets_are_sorted_by_urgency(manager: User) -> None:
    today = timezone.localdate()
    relaxed = services.ticket_create(
        kind=TicketKind.ENGINEERING_CONSTRUCTION, title="施工", by=manager, accepted_on=today
    )
    late = services.ticket_create(
        kind=TicketKind.CONSULTATION, title="咨询", by=manager, accepted_on=today - dt.timedelta(days=30)
    )
    soon = services.ticket_create(kind=TicketKind.FAULT_REPAIR, title="抢修", by=manager, accepted_on=today)
    page = login(manager).get("/service/").content.decode()
    positions = [page.index(f'href="/service/tickets/{t.pk}/"') for t in (late, soon, relaxed)]
    assert positions == sorted(positions)
    assert 'data-sla="breached"' in page


def test_detail_shows_sla_owners_and_timeline(desk: User, manager: User, account: Account) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.DESIGN_REVIEW, title="设计审核", by=desk, accepted_on=D(2026, 9, 28), account=account
    )
    page = login(manager).get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert "2026-10-16" in page
    assert 'data-event="created"' in page
    assert "li.mgr" in page


def test_actions_through_the_page_and_the_conflict_message(manager: User, colleague: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.COMPLAINT, title="投诉", by=manager, accepted_on=D(2026, 9, 28))
    client = login(manager)
    url = f"/service/tickets/{ticket.pk}/"
    response = client.post(url + "pause/", {"version": 1, "on": "2026-09-29", "reason": "等资料"}, follow=True)
    assert "The clock is paused." in response.content.decode()
    # A form opened before the pause still carries version 1: refused with the conflict message.
    response = client.post(url + "close/", {"version": 1, "on": "2026-09-30", "resolution": ""}, follow=True)
    assert "changed this ticket while you were editing it" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.closed_on is None
    response = client.post(url + "resume/", {"version": 2, "on": "2026-09-30"}, follow=True)
    response = client.post(url + "transfer/", {"version": 3, "to_user": colleague.pk, "note": ""}, follow=True)
    assert "must accept it" in response.content.decode()
    transfer = ticket.transfers.get()
    other = login(colleague)
    assert other.post(f"/service/transfers/{transfer.pk}/accept/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.owner == colleague


def test_create_form_and_case(desk: User, account: Account) -> None:
    client = login(desk)
    response = client.post(
        "/service/tickets/new/",
        {"kind": "complaint", "customer_id": account.customer_id, "title": "电压偏低", "accepted_on": "2026-09-28"},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="电压偏低")
    assert ticket.owner == desk  # first inquiry: the desk owns it until the manager accepts
    assert ticket.transfers.get().to_user.username == "li.mgr"
    bad = client.post(
        "/service/tickets/new/", {"kind": "complaint", "customer_id": "NOPE", "title": "x", "accepted_on": "2026-09-28"}
    )
    assert "There is no account with customer id" in bad.content.decode()
    response = client.post(
        "/service/cases/new/",
        {"customer_id": account.customer_id, "title": "新装", "accepted_on": "2026-09-28", "dual_supply": "on"},
        follow=True,
    )
    assert "新装 · Supply scheme reply" in response.content.decode()


def test_letter_preview_and_pdf(desk: User, account: Account) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.SCHEME_REPLY, title="新装", by=desk, accepted_on=D(2026, 9, 28), account=account
    )
    client = login(desk)
    html = client.get(f"/service/tickets/{ticket.pk}/notice/").content.decode()
    assert "需提供的资料" in html
    pdf = client.get(f"/service/tickets/{ticket.pk}/notice/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    response = client.post(
        f"/service/tickets/{ticket.pk}/notice/deliver/",
        {"delivered_on": "2026-09-28", "recipient": "王工", "channel": ""},
    )
    assert response.status_code == 302
    assert ticket.notices.count() == 1


def test_compliance_page_for_supervisors(supervisor: User, manager: User) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.COMPLAINT, title="投诉", by=manager, accepted_on=timezone.localdate() - dt.timedelta(days=3)
    )
    services.ticket_close(ticket=ticket, version=None, by=manager, on=timezone.localdate())
    page = login(supervisor).get("/service/compliance/").content.decode()
    assert "chart-compliance-data" in page
    assert "Complaint" in page


def test_a_manager_cannot_open_someone_elses_ticket(desk: User, colleague: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.COMPLAINT, title="投诉", by=desk, accepted_on=D(2026, 9, 28))
    assert login(colleague).get(f"/service/tickets/{ticket.pk}/").status_code == 404


def test_the_pages_speak_chinese_by_default(manager: User) -> None:
    services.ticket_create(kind=TicketKind.DESIGN_REVIEW, title="设计审核", by=manager, accepted_on=D(2026, 9, 28))
    client = Client()
    client.force_login(manager)
    page = client.get("/service/").content.decode()  # no language asked for: the default, zh-Hans
    assert "我的工单" in page
    assert "设计审核" in page
    assert "超时" in page  # the 2026-10-16 due date is long past


def test_the_admin_edits_limits_and_templates(db: None) -> None:
    from django.contrib.auth.models import User as DjangoUser

    admin_user = DjangoUser.objects.create_superuser("root", "root@example.com", "pw")
    client = login(admin_user)
    assert client.get("/admin/service/timelimit/add/").status_code == 200
    assert "供电方案答复" in login(admin_user, "zh-hans").get("/admin/service/noticetemplate/").content.decode()
    assert client.get("/admin/service/ticket/").status_code == 200
