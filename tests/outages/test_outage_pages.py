"""The /grid/ pages render for a logged-in user, show what matters, and change outages through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from factories import StaffFactory
from powerkam.accounts.models import Account
from powerkam.outages.models import NoticeChannel, OutageStatus, PlannedOutage
from powerkam.staff.models import Role


def test_topology_marks_dual_supply(planner_client: Client, small_grid: dict[str, Account]) -> None:
    page = planner_client.get("/grid/").content.decode()
    assert "示范一变" in page
    assert "F1线" in page
    assert "乙医院" in page
    assert "Dual supply" in page
    assert "丙商场" not in page  # not a key account
    assert "丙商场" in planner_client.get("/grid/?all=1").content.decode()


def test_reliability_and_upgrade_pages(planner_client: Client, small_grid: dict[str, Account]) -> None:
    assert "甲钢铁" in planner_client.get("/grid/reliability/").content.decode()
    page = planner_client.get("/grid/upgrades/").content.decode()
    assert "F3" in page  # KD's 10,000 kVA × 20 % × 0.9 = 1,800 kW > 9,000 − 8,900 kW headroom
    priority = planner_client.get("/grid/upgrades/?substation=S1").content.decode()
    assert "乙医院" in priority
    assert "甲钢铁" in priority


def test_impact_tool_shows_curves_warnings_and_windows(planner_client: Client, small_grid: dict[str, Account]) -> None:
    page = planner_client.get(
        "/grid/impact/",
        {
            "feeders": "F1",
            "start": "2026-12-10T08:00",
            "end": "2026-12-10T12:00",
            "suggest": "1",
            "duration": "2",
            "from": "2026-12-10",
            "to": "2026-12-11",
            "hours": "08:00-18:00",
        },
    ).content.decode()
    assert "甲钢铁" in page
    assert 'id="chart-curves-data"' in page
    assert "vendor/echarts/echarts.min.js" in page
    assert "KC" in page
    assert "not counted as zero" in page
    assert 'id="suggested-windows"' in page
    assert "2026-12-10 08:00" in page
    bad = planner_client.get("/grid/impact/", {"feeders": "F9", "start": "2026-12-10T08:00", "end": "2026-12-10T12:00"})
    assert "Unknown feeder: F9" in bad.content.decode()


def test_outage_flow_through_the_pages(
    planner_client: Client, small_grid: dict[str, Account], smtp_server: Any
) -> None:
    response = planner_client.post(
        "/grid/outages/new/",
        {
            "title": "F1 检修",
            "feeders": "F1",
            "start": "2030-06-10T08:00",
            "end": "2030-06-10T12:00",
            "kind": "planned",
        },
    )
    outage = PlannedOutage.objects.get()
    assert response.url == f"/grid/outages/{outage.pk}/"
    detail = planner_client.get(response.url).content.decode()
    assert "F1 检修" in detail
    assert "甲钢铁" in detail
    planner_client.post(f"/grid/outages/{outage.pk}/schedule/")
    planner_client.post(f"/grid/outages/{outage.pk}/notify/")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.NOTIFIED
    assert sorted(r for m in smtp_server.messages for r in m.recipients) == [
        "wang@jia.example.com",
        "zhao@jia.example.com",
    ]
    # The link in the email acknowledges without logging in.
    notice = outage.notices.filter(channel=NoticeChannel.EMAIL).first()
    assert notice is not None
    link = f"/grid/notices/{notice.token}/ack/"
    assert link in smtp_server.messages[0].text
    anonymous = Client()
    assert anonymous.post(link, {"name": "王电工"}).status_code == 200
    notice.refresh_from_db()
    assert notice.acknowledged_by == "王电工"
    letter = planner_client.get(f"/grid/outages/{outage.pk}/letter/KA/").content.decode()
    assert "甲钢铁" in letter
    assert "2030-06-10 08:00" in letter
    calendar = planner_client.get("/grid/outages/?month=2030-06").content.decode()
    assert "F1 检修" in calendar
    what_if = planner_client.get(
        f"/grid/outages/{outage.pk}/", {"start": "2030-06-11T08:00", "end": "2030-06-11T10:00"}
    )
    assert "What if" in what_if.content.decode()
    planner_client.post(f"/grid/outages/{outage.pk}/done/")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.DONE
    assert outage.follow_ups.count() == 1


def test_late_notice_is_flagged_on_the_calendar(planner_client: Client, small_grid: dict[str, Account]) -> None:
    soon = dt.datetime.now().replace(microsecond=0) + dt.timedelta(days=2)
    planner_client.post(
        "/grid/outages/new/",
        {
            "title": "急修",
            "feeders": "F3",
            "start": soon.isoformat(timespec="minutes"),
            "end": (soon + dt.timedelta(hours=2)).isoformat(timespec="minutes"),
            "kind": "planned",
        },
    )
    page = planner_client.get(f"/grid/outages/?month={soon:%Y-%m}").content.decode()
    assert "Notice overdue" in page


def test_a_manager_may_look_but_not_plan(small_grid: dict[str, Account]) -> None:
    manager = StaffFactory(role=Role.MANAGER, user__username="someone").user
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    assert client.get("/grid/outages/").status_code == 200
    client.post("/grid/outages/new/", {"feeders": "F1", "start": "2030-06-10T08:00", "end": "2030-06-10T12:00"})
    assert not PlannedOutage.objects.exists()


def test_pages_need_a_login(client: Client, db: Any) -> None:
    assert client.get("/grid/").status_code == 302


def test_the_pages_speak_chinese(planner: User, small_grid: dict[str, Account]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(planner)
    page = client.get("/grid/").content.decode()
    assert "供电拓扑" in page
    assert "双电源" in page
