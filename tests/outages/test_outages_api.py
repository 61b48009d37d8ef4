"""/api/v1/grid with a bearer token: impact, suggestion, plan, outage records and their transitions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.accounts.models import Account
from powerkam.api.services import api_token_issue


@pytest.fixture
def api(planner: User) -> Any:
    token = api_token_issue(username=planner.username).token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")

    def call(method: str, path: str, data: Any = None) -> Any:
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = (
            getattr(client, method)(f"/api/v1/grid{path}", data, **kwargs)
            if data is not None
            else getattr(client, method)(f"/api/v1/grid{path}")
        )
        return response.status_code, response.json()

    return call


def test_impact_and_suggest(api: Any, small_grid: dict[str, Account]) -> None:
    status, body = api(
        "post",
        "/impact",
        {"feeders": "F1;F2", "start": "2026-12-10T08:00:00+08:00", "end": "2026-12-10T12:00:00+08:00"},
    )
    assert status == 200
    ens = {r["customer_id"]: r["ens_kwh"] for r in body["interrupted"]}
    assert ens == {"KA": 400.0, "KB": 160.0, "KC": None}
    assert body["ens_kwh"] == 560.0
    assert body["unknown"] == ["KC"]
    assert body["warnings"]
    status, body = api(
        "post", "/suggest", {"feeders": "F3", "duration_hours": 2, "from": "2026-12-10", "to": "2026-12-11"}
    )
    assert status == 200
    assert body["windows"][0]["start"].startswith("2026-12-10T00:00")  # every window ties (no loads): earliest
    status, body = api(
        "post", "/impact", {"feeders": "F9", "start": "2026-12-10T08:00:00+08:00", "end": "2026-12-10T12:00:00+08:00"}
    )
    assert status == 400
    assert "F9" in body["detail"]


def test_outage_record_lifecycle(api: Any, small_grid: dict[str, Account], smtp_server: Any) -> None:
    status, body = api(
        "post", "/outages", {"feeders": "F1", "start": "2030-06-10T08:00:00+08:00", "end": "2030-06-10T12:00:00+08:00"}
    )
    assert status == 201
    oid = body["id"]
    assert body["status"] == "draft"
    assert body["notice_state"] == "due"
    status, body = api("post", f"/outages/{oid}/schedule")
    assert body["status"] == "scheduled"
    assert {a["customer_id"] for a in body["affected"]} == {"KA", "KC"}
    status, body = api("post", f"/outages/{oid}/notify")
    assert body["status"] == "notified"
    assert body["notice_state"] == "in_time"
    email = next(n for n in body["notices"] if n["channel"] == "email")
    status, notice = api("post", f"/notices/{email['id']}/acknowledge", {"by_name": "王电工"})
    assert notice["acknowledged_by"] == "王电工"
    status, body = api("post", f"/outages/{oid}/done")
    assert [f["customer_id"] for f in body["follow_ups"]] == ["KA"]
    status, body = api("post", f"/outages/{oid}/fly")
    assert status == 422  # action is an enum in the schema (docs/api.md)
    status, listing = api("get", "/outages")
    assert [o["id"] for o in listing] == [oid]


def test_plan_topology_reliability_upgrades(api: Any, small_grid: dict[str, Account]) -> None:
    status, body = api(
        "post",
        "/plan",
        {
            "jobs": [
                {
                    "job_id": "J1",
                    "feeders": "F1",
                    "duration_hours": 4,
                    "from": "2026-12-10",
                    "to": "2026-12-10",
                    "crew": "c1",
                    "hours": "08:00-18:00",
                },
                {
                    "job_id": "J2",
                    "feeders": "F2",
                    "duration_hours": 4,
                    "from": "2026-12-10",
                    "to": "2026-12-10",
                    "crew": "c2",
                    "hours": "08:00-18:00",
                },
            ],
            "time_limit_s": 10,
        },
    )
    assert status == 200
    assert body["conflicts"] == [["J1", "J2"]]  # KB has F1 + F2
    j1, j2 = sorted(body["jobs"], key=lambda j: j["start"])
    assert j1["end"] <= j2["start"]
    status, topo = api("get", "/topology")
    f1 = next(f for s in topo for f in s["feeders"] if f["feeder_id"] == "F1")
    assert f1["dual_supply"] == ["KB"]
    status, rel = api("get", "/reliability")
    assert {r["customer_id"] for r in rel} == {"KA", "KB", "KD"}
    status, ups = api("get", "/upgrades")
    assert [(u["kind"], u["subject_id"]) for u in ups] == [("feeder", "F3")]
    assert ups[0]["reasons"] == [["headroom", 100.0, 1800.0]]  # 9,000 − 8,900 kW vs 20 % × 10,000 kVA × 0.9
    status, prio = api("get", "/priority?substation_id=S1")
    assert [p["customer_id"] for p in prio] == ["KA", "KB"]  # same district (东城区), no interruptions: by id
    assert prio[1] == {
        "rank": 2,
        "customer_id": "KB",
        "name": "乙医院",
        "district": "东城区",
        "same_district": True,
        "distance_km": None,
        "needs_second_supply": False,
        "interruptions": 0,
        "hours": 0.0,
        "feeders": ["F1", "F2"],
    }
