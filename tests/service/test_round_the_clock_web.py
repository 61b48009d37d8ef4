"""Fault repair on the pages and the API: the countdown in minutes on the ticket, My work, the work
list and the supervisor's board; arrival and restoration recorded by form and by API."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from powerkam.accounts.models import Account, AreaClass
from powerkam.service import services
from powerkam.service.models import Ticket, TicketKind
from tests.service.conftest import taken_over

pytestmark = pytest.mark.django_db


def login(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def fault(desk: User, account: Account, manager: User) -> Ticket:
    """An urban fault reported 10 minutes ago: 35 of its 45 minutes to arrive are left. The desk
    recorded it; the account's manager took it over (first inquiry)."""
    ticket = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR,
        title="10kV 进线跳闸",
        by=desk,
        account=account,
        accepted_at=timezone.now() - dt.timedelta(minutes=10),
    )
    return taken_over(ticket, manager)


def _minutes_left(page: str) -> int:
    found = re.search(r"<span data-minutes>(\d+)</span> min left", page)
    assert found, page
    return int(found.group(1))


def test_the_ticket_page_counts_down_and_records_the_milestones(fault: Ticket, manager: User) -> None:
    client = login(manager)
    url = f"/service/tickets/{fault.pk}/"
    page = client.get(url).content.decode()
    assert 'data-milestone="arrival"' in page
    assert _minutes_left(page) in (34, 35)
    assert "service/countdown.js" in page
    assert 'data-testid="arrive-form"' in page
    assert "Round the clock (24×7), holidays included" in page
    arrived = timezone.localtime().replace(second=0, microsecond=0)
    response = client.post(
        url + "arrive/", {"version": fault.version, "at": arrived.strftime("%Y-%m-%dT%H:%M")}, follow=True
    )
    page = response.content.decode()
    assert "Arrival on site recorded" in page
    assert 'data-milestone="restoration"' in page
    assert 179 <= _minutes_left(page) <= 180
    fault.refresh_from_db()
    assert fault.arrived_at == arrived
    response = client.post(url + "restore/", {"version": fault.version, "at": arrived.strftime("%Y-%m-%dT%H:%M")})
    fault.refresh_from_db()
    assert fault.restored_at == arrived
    page = client.get(url).content.decode()
    assert 'data-sla="met"' in page


def test_a_time_in_the_future_is_refused_on_the_page(fault: Ticket, manager: User) -> None:
    later = timezone.localtime() + dt.timedelta(hours=2)
    response = login(manager).post(
        f"/service/tickets/{fault.pk}/arrive/",
        {"version": fault.version, "at": later.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert "is in the future" in response.content.decode()
    fault.refresh_from_db()
    assert fault.arrived_at is None


def test_my_work_the_work_list_and_the_board_show_the_minutes(fault: Ticket, manager: User, supervisor: User) -> None:
    home = login(manager).get("/work/panels/tickets/").content.decode()  # My work's tickets panel
    assert 'data-milestone="arrival"' in home
    tasks = login(manager).get("/tasks/").content.decode()
    due = timezone.localtime(fault.arrival_due_at).strftime("%H:%M")  # type: ignore[arg-type]
    assert re.search(rf"on site by {due}, 3[45] min left", tasks), tasks
    board = login(supervisor).get("/service/?scope=all").content.decode()
    assert f'href="/service/tickets/{fault.pk}/"' in board
    assert 'data-milestone="arrival"' in board


def test_the_chinese_ticket_page_has_no_english_clock_words(fault: Ticket, manager: User) -> None:
    page = login(manager, "zh-hans").get(f"/service/tickets/{fault.pk}/").content.decode()
    assert "分钟" in page
    for english in ("min left", "On site by", "Round the clock", "Arrival on site", "Record the arrival"):
        assert english not in page


def test_the_api_records_a_fault_and_its_milestones(desk: User, manager: User, account: Account) -> None:
    api = login(desk)
    created = post(
        api,
        "/api/v1/service/tickets",
        {
            "kind": "fault_repair",
            "title": "线路故障",
            "customer_id": account.customer_id,
            "accepted_at": "2026-10-01T23:30:00+08:00",
        },
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert (ticket["clock"], ticket["area_class"], ticket["arrival_minutes"]) == ("hours", "urban", 45)
    assert ticket["arrival_due_at"].startswith("2026-10-01T16:15:00")  # 00:15 in Shanghai, in UTC
    assert ticket["sla"]["milestone"] == "arrival"
    assert ticket["sla"]["state"] == "breached"  # long ago
    tid = ticket["id"]
    v = taken_over(Ticket.objects.get(pk=tid), manager).version  # first inquiry: handed to the manager
    mgr = login(manager)
    arrived = post(mgr, f"/api/v1/service/tickets/{tid}/arrive", {"version": v, "at": "2026-10-02T00:15:00+08:00"})
    assert arrived.status_code == 200, arrived.content
    assert arrived.json()["restoration_due_at"].startswith("2026-10-01T19:15:00")  # 03:15 in Shanghai
    stale = post(mgr, f"/api/v1/service/tickets/{tid}/restore", {"version": v, "at": "2026-10-02T03:00:00+08:00"})
    assert stale.status_code == 409
    restored = post(
        mgr, f"/api/v1/service/tickets/{tid}/restore", {"version": v + 1, "at": "2026-10-02T03:15:00+08:00"}
    )
    assert restored.json()["sla"]["state"] == "met"
    closed = post(mgr, f"/api/v1/service/tickets/{tid}/close", {"version": v + 2, "at": "2026-10-02T09:00:00+08:00"})
    assert closed.json()["status"] == "closed"
    limits = {(r["milestone"], r["area_class"]): r["minutes"] for r in api.get("/api/v1/service/hour-limits").json()}
    assert limits[("arrival", "remote")] == 120


def test_area_class_is_set_by_a_supervisor(manager: User, supervisor: User, account: Account) -> None:
    url = f"/api/v1/service/accounts/{account.customer_id}/area-class"
    refused = login(manager).put(url, data=json.dumps({"area_class": "rural"}), content_type="application/json")
    assert refused.status_code == 400
    done = login(supervisor).put(url, data=json.dumps({"area_class": "rural"}), content_type="application/json")
    assert done.json() == {"customer_id": account.customer_id, "area_class": "rural"}
    account.refresh_from_db()
    assert account.area_class == AreaClass.RURAL
    assert account.history.first().area_class == AreaClass.RURAL  # type: ignore[attr-defined]
    bad = login(supervisor).put(url, data=json.dumps({"area_class": "suburb"}), content_type="application/json")
    assert bad.status_code in (400, 422)
