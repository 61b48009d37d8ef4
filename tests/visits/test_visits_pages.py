"""Visit pages: calendar (manager and team), move, due, phone form, records, follow-ups, compliance, reassign."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from factories import ContactFactory
from powerkam.accounts.models import Assignment
from powerkam.visits import services
from powerkam.visits.models import FollowUp, PlannedVisit, Visit
from powerkam.visits.selectors import open_followups_for_account
from tests.visits.helpers import key_account, visit

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(manager: User, colleague: User) -> None:
    key_account("K1", "C", key_since=D(2026, 10, 13), manager=manager, name="示范钢铁")  # due 11-13
    key_account("K2", "C", key_since=D(2026, 10, 12), manager=colleague, name="示范化工")  # due 11-12
    key_account("K3", "B", key_since=D(2026, 10, 10), name="无人客户")  # unassigned
    services.plan_generate(first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), as_of=D(2026, 11, 1))


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English page
    return client


def test_manager_calendar_shows_only_their_visits(client: Client, manager: User, planned: None) -> None:
    html = login(client, manager).get("/visits/?month=2026-11").content.decode()
    assert "示范钢铁" in html
    assert "示范化工" not in html
    assert 'data-day="2026-11-13"' in html
    assert "Plan visits" not in html  # managers do not make the team's plan


def test_team_calendar_and_htmx_month(client: Client, supervisor: User, planned: None) -> None:
    c = login(client, supervisor)
    html = c.get("/visits/?month=2026-11").content.decode()
    assert "示范钢铁" in html
    assert "示范化工" in html
    assert "无人客户" in html  # listed as not placed
    assert "The account has no manager" in html
    fragment = c.get("/visits/?month=2026-10&manager=m1", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="plan-month"')
    assert "2026-10" in fragment
    assert "National Day" in fragment


def test_supervisor_makes_a_plan(client: Client, supervisor: User, planned: None) -> None:
    form = login(client, supervisor).get("/visits/?month=2026-12", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'value="2026-12-01"' in form  # ISO for the native date picker, whatever the language
    response = login(client, supervisor).post("/visits/plan/", {"first_day": "2026-12-01", "last_day": "2026-12-31"})
    assert response.status_code == 302
    assert PlannedVisit.objects.filter(plan__first_day=D(2026, 12, 1)).count() == 3


def test_move_page_refuses_with_the_reason(client: Client, manager: User, planned: None) -> None:
    planned_visit = PlannedVisit.objects.get(account__customer_id="K1")
    c = login(client, manager)
    assert c.get(f"/visits/planned/{planned_visit.pk}/move/").status_code == 200
    refused = c.post(f"/visits/planned/{planned_visit.pk}/move/", {"day": "2026-11-15", "username": "m1"})
    assert refused.status_code == 400
    assert "2026-11-15 is not a working day" in refused.content.decode()
    moved = c.post(f"/visits/planned/{planned_visit.pk}/move/", {"day": "2026-11-12", "username": "m1"})
    assert moved.status_code == 302
    planned_visit.refresh_from_db()
    assert planned_visit.planned_on == D(2026, 11, 12)
    other = PlannedVisit.objects.get(account__customer_id="K2")
    assert c.get(f"/visits/planned/{other.pk}/move/").status_code == 404


def test_visit_form_records_needs_followups_and_photos(
    client: Client, manager: User, colleague: User, planned: None
) -> None:
    account = PlannedVisit.objects.get(account__customer_id="K1").account
    contact = ContactFactory(account=account, name="孙工")
    c = login(client, manager)
    form = c.get("/visits/new/?customer_id=K1")
    assert form.status_code == 200
    assert "孙工" in form.content.decode()
    data = {
        "customer_id": "K1",
        "visited_on": "2026-11-10",
        "attendees": [contact.pk],
        "topics": "年度用电计划",
        "satisfaction": "5",
        "summary": "",
        "needs-TOTAL_FORMS": "3",
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "20",
        "needs-0-text": "新增一台2000kVA变压器",
        "needs-0-owner": str(colleague.pk),
        "needs-0-due_on": "2026-11-30",
        "needs-1-text": "电费发票邮寄",
        "attachments": [SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\nxx", content_type="image/png")],
    }
    response = c.post("/visits/new/?customer_id=K1", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Visit.objects.get()
    assert (saved.topics, saved.satisfaction, saved.need_list) == (
        "年度用电计划",
        5,
        ["新增一台2000kVA变压器", "电费发票邮寄"],
    )
    assert [f.need for f in open_followups_for_account(account)] == ["新增一台2000kVA变压器"]
    page = c.get(response["Location"]).content.decode()
    assert "孙工" in page
    assert "现场.png" in page
    image = c.get(f"/visits/attachments/{saved.attachments.get().pk}/")
    assert image.status_code == 200
    assert PlannedVisit.objects.get(account=account).status == "completed"


def test_visit_form_errors_next_to_the_field(client: Client, manager: User, planned: None) -> None:
    c = login(client, manager)
    data = {
        "customer_id": "K1",
        "visited_on": "",
        "needs-TOTAL_FORMS": "1",
        "needs-INITIAL_FORMS": "0",
        "needs-0-text": "x",
        "needs-0-due_on": "2026-11-30",
    }
    response = c.post("/visits/new/?customer_id=K1", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "A follow-up needs both an owner and a due date" in html
    assert not Visit.objects.exists()


def test_pick_an_account_first(client: Client, manager: User, planned: None) -> None:
    html = login(client, manager).get("/visits/new/").content.decode()
    assert "示范钢铁" in html
    assert "示范化工" not in html


def test_records_due_followups_pages(client: Client, manager: User, planned: None) -> None:
    account = PlannedVisit.objects.get(account__customer_id="K1").account
    visit(account, D(2026, 11, 2), staff=manager)
    services.followup_create(account=account, need="功率因数偏低", owner=manager, due_on=D(2026, 11, 20), by=manager)
    c = login(client, manager)
    assert "示范钢铁" in c.get("/visits/records/").content.decode()
    assert "示范钢铁" in c.get("/visits/due/").content.decode()
    html = c.get("/visits/followups/").content.decode()
    assert "功率因数偏低" in html
    followup = FollowUp.objects.get()
    c.post(f"/visits/followups/{followup.pk}/close/", {"note": "已调整"})
    followup.refresh_from_db()
    assert followup.status == "done"


def test_compliance_page(client: Client, supervisor: User, manager: User, planned: None) -> None:
    account = PlannedVisit.objects.get(account__customer_id="K1").account
    visit(account, D(2026, 11, 2), staff=manager)
    response = login(client, supervisor).get("/visits/compliance/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-manager="m1"' in html
    assert "chart-visit-compliance-data" in html
    assert "vendor/echarts/echarts.min.js" in html


def test_reassign_page(client: Client, supervisor: User, manager: User, colleague: User, planned: None) -> None:
    c = login(client, supervisor)
    assert c.get("/visits/reassign/").status_code == 200
    response = c.post("/visits/reassign/", {"customer_id": "K1", "to_user": colleague.pk})
    assert response.status_code == 302
    assert list(Assignment.objects.filter(account__customer_id="K1").values_list("staff__username", "active")) == [
        ("m1", False),
        ("m2", True),
    ]
    assert login(Client(), manager).get("/visits/reassign/").status_code == 404


def test_feed_settings_page(client: Client, manager: User) -> None:
    html = login(client, manager).get("/visits/feed/").content.decode()
    assert "/visits/feed/" in html
    assert ".ics" in html


def test_pages_need_a_login(client: Client) -> None:
    assert client.get("/visits/").status_code == 302


def test_pages_speak_chinese_by_default(client: Client, manager: User, planned: None) -> None:
    client.force_login(manager)
    html = client.get("/visits/?month=2026-11", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "走访计划" in html
    assert "计划日历" in html
    planned_visit = PlannedVisit.objects.get(account__customer_id="K1")
    refused = client.post(
        f"/visits/planned/{planned_visit.pk}/move/",
        {"day": "2026-11-15", "username": "m1"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "2026-11-15 不是法定工作日,请选择工作日。" in refused.content.decode()


def test_partials_for_the_360_page_and_my_work(rf: Any, manager: User, planned: None) -> None:
    from django.template.loader import render_to_string

    from powerkam.visits.selectors import my_visits_and_followups

    account = PlannedVisit.objects.get(account__customer_id="K1").account
    services.followup_create(account=account, need="电能质量监测", owner=manager, due_on=D(2026, 11, 20), by=manager)
    request = rf.get("/")
    request.user = manager
    html = render_to_string(
        "visits/_followups.html", {"followups": open_followups_for_account(account), "today": D(2026, 11, 21)}, request
    )
    assert "电能质量监测" in html
    assert "due overdue" in html
    html = render_to_string(
        "visits/_my_work.html", {"panel": {"work": my_visits_and_followups(manager, D(2026, 11, 11))}}, request
    )
    assert "示范钢铁" in html
    assert "电能质量监测" in html
