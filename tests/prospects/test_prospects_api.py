"""/api/v1/prospects over HTTP: a project from registration to energised, a refused reservation with
its numbers, headroom, funnel, demand and the weekly report."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.prospects.conftest import Grid, Team

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_project_life_cycle_over_the_api(team: Team, grid: Grid) -> None:
    api = client_for(team.business)
    base = "/api/v1/prospects"
    created = send(
        api, "post", f"{base}/projects",
        {"project_id": "P9", "name": "示范区数据中心二期", "stage": "approved", "on": "2026-10-15", "industry": "I",
         "district": "示范区", "expected_capacity_kva": "4000", "expected_annual_kwh": "25000000",
         "expected_energize_on": "2027-03-31", "supply_voltage_kv": "10", "green_channel": True},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["stage_changes"] == [
        {"from_stage": "", "to_stage": "approved", "on": "2026-10-15", "by": "li.biz", "note": "", "source": "app"}
    ]
    refused = send(api, "post", f"{base}/projects/P9/stage", {"to_stage": "applied", "customer_id": "C9"})
    assert refused.status_code == 400
    assert "Missing: primary (business) manager and secondary (technical) manager" in refused.json()["detail"]
    assert refused.json()["missing"] == ["primary", "secondary"]

    version = created.json()["version"]
    managers = send(
        api, "put", f"{base}/projects/P9/managers", {"primary": "li.biz", "secondary": "wang.tech", "version": version}
    )
    assert (managers.json()["primary_manager"], managers.json()["secondary_manager"]) == ("li.biz", "wang.tech")

    held = send(
        api,
        "post",
        f"{base}/projects/P9/reservations",
        {"feeder_id": "F001", "kva": "4000", "valid_until": "2027-03-31"},
    )
    assert held.status_code == 201, held.content
    too_much = send(
        api,
        "post",
        f"{base}/projects/P9/reservations",
        {"feeder_id": "F001", "kva": "500", "valid_until": "2027-03-31"},
    )
    assert too_much.status_code == 400
    body = too_much.json()
    assert body["detail"].startswith("Not enough headroom on F001线 (F001)")
    assert (body["available_kw"], body["requested_kva"]) == ("186.00", "500.00")

    feeders = api.get(f"{base}/feeders").json()
    assert [(f["feeder_id"], f["headroom"]["available_kw"], f["projects"]) for f in feeders] == [
        ("F001", "186.00", ["P9"])
    ]

    applied = send(
        api, "post", f"{base}/projects/P9/stage", {"to_stage": "applied", "on": "2026-11-23", "customer_id": "C9"}
    )
    assert applied.status_code == 200, applied.content
    assert applied.json()["customer_id"] == "C9"
    case_id = applied.json()["case_id"]
    ticket = client_for(team.business).get("/api/v1/service/tickets?scope=all").json()[0]
    assert (ticket["case_id"], ticket["green_channel"], ticket["limit_days"]) == (case_id, True, 10)

    task = send(api, "post", f"{base}/projects/P9/follow-ups", {"title": "落实施工用电", "due_on": "2026-12-04"})
    assert task.status_code == 201
    assert task.json()["assignee"] == "li.biz"
    done = send(api, "post", f"{base}/follow-ups/{task.json()['id']}/done", {"on": "2026-11-26", "outcome": "已落实"})
    assert done.json()["status"] == "done"
    contact = send(
        api, "post", f"{base}/projects/P9/contacts", {"on": "2026-11-24", "party": "owner", "summary": "确认负荷"}
    )
    assert contact.status_code == 201

    report = api.get(f"{base}/report?date=2026-11-27").json()
    [row] = report["rows"]
    assert row["project_id"] == "P9"
    assert row["done"][0] == "11-23 Approved → Applied for connection"
    assert row["green_steps"][0]["limit_days"] == 10

    send(api, "post", f"{base}/projects/P9/stage", {"to_stage": "under_construction", "on": "2026-11-25"})
    energised = send(api, "post", f"{base}/projects/P9/stage", {"to_stage": "energised", "on": "2026-11-26"})
    assert energised.json()["stage"] == "energised"
    assert [r["status"] for r in energised.json()["reservations"]] == ["used"]
    account = client_for(team.supervisor).get("/api/v1/accounts/C9")
    assert account.status_code == 200, account.content
    assert account.json()["key_status"] == "key"

    funnel = api.get(f"{base}/funnel").json()
    assert [(s["stage"], s["reached"]) for s in funnel["overall"]["stages"]] == [
        ("planned", 1), ("approved", 1), ("applied", 1), ("under_construction", 1), ("energised", 1),
    ]  # fmt: skip


def test_list_filters_demand_and_visibility(team: Team) -> None:
    api = client_for(team.viewer)
    assert send(api, "post", "/api/v1/prospects/projects", {"project_id": "X", "name": "x"}).status_code == 403
    writer = client_for(team.supervisor)
    for pid, district, industry, kva, stage in (
        ("A1", "东城区", "C", "2000", "planned"),
        ("A2", "东城区", "C", "3000", "planned"),
        ("A3", "西城区", "Q", "8000", "planned"),
        ("A4", "西城区", "I", "4000", "approved"),
    ):
        body = {"project_id": pid, "name": pid, "district": district, "industry": industry, "stage": stage,
                "expected_capacity_kva": kva, "expected_energize_on": "2027-05-01"}  # fmt: skip
        assert send(writer, "post", "/api/v1/prospects/projects", body).status_code == 201
    listed = api.get("/api/v1/prospects/projects?stage=planned&district=东城区").json()
    assert [p["project_id"] for p in listed] == ["A1", "A2"]
    groups = api.get("/api/v1/prospects/demand/groups").json()
    assert [(g["district"], g["industry"], g["count"], g["capacity_kva"]) for g in groups] == [
        ("西城区", "Q", 1, "8000.00"), ("东城区", "C", 2, "5000.00"),
    ]  # fmt: skip
    quarters = api.get("/api/v1/prospects/demand/quarters").json()
    assert [(q["quarter"], q["projects"], q["total_kva"]) for q in quarters] == [("2027Q2", 4, "17000.00")]
    outsider = Client()
    assert outsider.get("/api/v1/prospects/projects").status_code == 401
