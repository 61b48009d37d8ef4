"""/api/v1/service: the ticket life cycle over HTTP, with conflicts as 409."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.accounts.models import Account

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_create_transfer_accept_pause_resume_close(
    desk: User, manager: User, colleague: User, account: Account
) -> None:
    api = client_for(desk)
    created = post(
        api,
        "/api/v1/service/tickets",
        {"kind": "design_review", "title": "设计审核", "accepted_on": "2026-09-28", "customer_id": account.customer_id},
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert (ticket["owner"], ticket["received_by"], ticket["sla"]["due_on"]) == ("desk", "desk", "2026-10-16")
    # First inquiry: the desk owns it until the account's primary manager accepts the transfer asked for.
    assert ticket["pending_transfer"]["to_user"] == "li.mgr"
    tid = ticket["id"]

    mgr = client_for(manager)
    taken = mgr.post(f"/api/v1/service/transfers/{ticket['pending_transfer']['id']}/accept")
    assert (taken.status_code, taken.json()["owner"]) == (200, "li.mgr")
    transfer = post(
        mgr, f"/api/v1/service/tickets/{tid}/transfer", {"version": taken.json()["version"], "to": "wang.mgr"}
    )
    assert transfer.status_code == 201, transfer.content
    mine = client_for(colleague).get("/api/v1/service/tickets").json()
    assert [t["id"] for t in mine] == [tid]
    assert mine[0]["pending_transfer"]["to_user"] == "wang.mgr"

    accepted = client_for(colleague).post(f"/api/v1/service/transfers/{transfer.json()['id']}/accept")
    assert accepted.status_code == 200
    body = accepted.json()
    assert [o["username"] for o in body["owners"]] == ["desk", "li.mgr", "wang.mgr"]
    version = body["version"]

    col = client_for(colleague)
    paused = post(
        col, f"/api/v1/service/tickets/{tid}/pause", {"version": version, "on": "2026-09-30", "reason": "缺图纸"}
    )
    assert paused.json()["sla"]["paused"] is True
    again = post(
        col,
        f"/api/v1/service/tickets/{tid}/pause",
        {"version": paused.json()["version"], "on": "2026-10-08", "reason": "x"},
    )
    assert again.status_code == 400
    assert again.json()["detail"] == "The clock is already paused."
    resumed = post(
        col, f"/api/v1/service/tickets/{tid}/resume", {"version": paused.json()["version"], "on": "2026-10-09"}
    )
    assert resumed.json()["sla"]["due_on"] == "2026-10-20"
    closed = post(
        col, f"/api/v1/service/tickets/{tid}/close", {"version": resumed.json()["version"], "on": "2026-10-19"}
    )
    assert closed.json()["sla"]["state"] == "met"
    kinds = [e["kind"] for e in closed.json()["timeline"]]
    assert kinds == [
        "created", "transfer_requested", "transfer_accepted",  # first inquiry: desk → primary manager
        "transfer_requested", "transfer_accepted", "paused", "resumed", "closed",
    ]  # fmt: skip


def test_a_stale_version_is_a_409(desk: User) -> None:
    api = client_for(desk)
    tid = post(
        api, "/api/v1/service/tickets", {"kind": "complaint", "title": "投诉", "accepted_on": "2026-09-28"}
    ).json()["id"]
    first = api.patch(
        f"/api/v1/service/tickets/{tid}",
        data=json.dumps({"version": 1, "description": "a"}),
        content_type="application/json",
    )
    assert first.status_code == 200
    second = api.patch(
        f"/api/v1/service/tickets/{tid}",
        data=json.dumps({"version": 1, "description": "b"}),
        content_type="application/json",
    )
    assert second.status_code == 409
    assert second.json()["current_version"] == 2
    assert api.get(f"/api/v1/service/tickets/{tid}").json()["description"] == "a"


def test_transfer_to_a_non_staff_user_is_a_400(desk: User, outsider: User) -> None:
    api = client_for(desk)
    tid = post(
        api, "/api/v1/service/tickets", {"kind": "complaint", "title": "投诉", "accepted_on": "2026-09-28"}
    ).json()["id"]
    response = post(api, f"/api/v1/service/tickets/{tid}/transfer", {"version": 1, "to": "outsider"})
    assert response.status_code == 400
    assert "not a PowerKAM staff member" in response.json()["detail"]


def test_others_tickets_are_not_visible(desk: User, colleague: User) -> None:
    tid = post(
        client_for(desk), "/api/v1/service/tickets", {"kind": "complaint", "title": "投诉", "accepted_on": "2026-09-28"}
    ).json()["id"]
    assert client_for(colleague).get(f"/api/v1/service/tickets/{tid}").status_code == 404


def test_case_limits_and_compliance(desk: User, supervisor: User, account: Account) -> None:
    api = client_for(desk)
    case = post(
        api,
        "/api/v1/service/cases",
        {"customer_id": account.customer_id, "title": "新装", "accepted_on": "2026-03-02", "dual_supply": True},
    )
    assert case.status_code == 201
    assert case.json()["steps"][0]["limit_days"] == 30
    limits = {(r["kind"], r["supply"]): r for r in api.get("/api/v1/service/limits").json()}
    assert limits[("scheme_reply", "single")]["normal"] == 15
    assert limits[("design_review", "")]["green"] == 5
    sup = client_for(supervisor)
    step = case.json()["steps"][0]
    post(sup, f"/api/v1/service/tickets/{step['id']}/close", {"version": step["version"], "on": "2026-04-01"})
    data = sup.get("/api/v1/service/compliance", {"first": "2026-01", "last": "2026-06"}).json()
    assert data["months"][0] == "2026-01"
    assert data["totals"]["scheme_reply"] == {"closed": 1, "met": 1, "rate": 100.0, "open_breached": 0}
    refused = sup.get("/api/v1/service/compliance", {"first": "2026-13", "last": "2026-06"})
    assert refused.status_code == 422  # the schema's YYYY-MM pattern (docs/api.md)
    assert [f["field"] for f in refused.json()["fields"]] == ["first"]


def test_login_required() -> None:
    assert Client().get("/api/v1/service/tickets").status_code == 401


def test_today_is_used_for_my_tickets(desk: User) -> None:
    # the list answers for today's date; a ticket accepted today is on track
    today = dt.date.today().isoformat()
    api = client_for(desk)
    post(api, "/api/v1/service/tickets", {"kind": "engineering_construction", "title": "施工", "accepted_on": today})
    assert api.get("/api/v1/service/tickets").json()[0]["sla"]["state"] == "on_track"
