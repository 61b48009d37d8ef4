"""/api/v1/visits: due, plan, move, visits, follow-ups — with the visibility rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import ContactFactory
from powerkam.api.services import api_token_issue
from powerkam.visits import services
from powerkam.visits.models import FollowUp, PlannedVisit
from tests.visits.helpers import key_account

D = dt.date
pytestmark = pytest.mark.django_db


def bearer(user: User) -> dict[str, str]:
    return {
        "HTTP_AUTHORIZATION": f"Bearer {api_token_issue(username=user.get_username()).token}",
        "HTTP_ACCEPT_LANGUAGE": "en",  # assertions read the English messages
    }


@pytest.fixture
def planned(manager: User, colleague: User) -> None:
    key_account("K1", "C", key_since=D(2026, 10, 13), manager=manager)  # due 11-13
    key_account("K2", "C", key_since=D(2026, 10, 12), manager=colleague)  # due 11-12
    services.plan_generate(first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), as_of=D(2026, 11, 1))


def test_credentials_needed(client: Client) -> None:
    assert client.get("/api/v1/visits/due").status_code == 401


def test_due_follows_visibility(client: Client, manager: User, supervisor: User, planned: None) -> None:
    mine = client.get("/api/v1/visits/due?as_of=2026-11-01", **bearer(manager)).json()
    assert [(r["customer_id"], r["due_on"], r["username"]) for r in mine] == [("K1", "2026-11-13", "m1")]
    team = client.get("/api/v1/visits/due?as_of=2026-11-01", **bearer(supervisor)).json()
    assert [r["customer_id"] for r in team] == ["K2", "K1"]


def test_plan_and_move(client: Client, manager: User, planned: None) -> None:
    items = client.get("/api/v1/visits/plan?from=2026-11-01&to=2026-11-30", **bearer(manager)).json()
    assert [(i["customer_id"], i["planned_on"]) for i in items] == [("K1", "2026-11-13")]
    url = f"/api/v1/visits/planned/{items[0]['id']}/move"
    refused = client.post(url, {"day": "2026-11-14"}, content_type="application/json", **bearer(manager))
    assert refused.status_code == 400
    assert "not a working day" in refused.json()["detail"]
    moved = client.post(url, {"day": "2026-11-11"}, content_type="application/json", **bearer(manager))
    assert moved.status_code == 200
    assert (moved.json()["planned_on"], moved.json()["moved_by_hand"]) == ("2026-11-11", True)
    other = PlannedVisit.objects.get(account__customer_id="K2")
    hidden = client.post(
        f"/api/v1/visits/planned/{other.pk}/move",
        {"day": "2026-11-11"},
        content_type="application/json",
        **bearer(manager),
    )
    assert hidden.status_code == 404


def test_only_supervisors_make_plans(client: Client, manager: User, supervisor: User, planned: None) -> None:
    body = {"from": "2026-12-01", "to": "2026-12-31"}
    assert (
        client.post("/api/v1/visits/plan", body, content_type="application/json", **bearer(manager)).status_code == 403
    )
    made = client.post("/api/v1/visits/plan", body, content_type="application/json", **bearer(supervisor))
    assert made.status_code == 201
    assert made.json()["visits"] == 2


def test_record_a_visit_and_follow_up(client: Client, manager: User, colleague: User, planned: None) -> None:
    contact = ContactFactory(account=key_account("K9", "B", manager=manager), name="钱工")
    body = {
        "customer_id": "K9",
        "visited_on": "2026-11-02",
        "topics": "需量电价",
        "needs": [{"text": "申请改按需量计费", "owner": "m2", "due_on": "2026-11-20"}, {"text": "了解光伏"}],
        "satisfaction": 5,
        "attendee_ids": [contact.pk],
    }
    response = client.post("/api/v1/visits/visits", body, content_type="application/json", **bearer(manager))
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["needs"], data["attendees"], data["satisfaction"]) == (["申请改按需量计费", "了解光伏"], ["钱工"], 5)
    followups = client.get("/api/v1/visits/followups", **bearer(colleague)).json()
    assert [(f["customer_id"], f["need"], f["due_on"]) for f in followups] == [("K9", "申请改按需量计费", "2026-11-20")]
    closed = client.post(
        f"/api/v1/visits/followups/{followups[0]['id']}/close",
        {"note": "已办"},
        content_type="application/json",
        **bearer(colleague),
    )
    assert closed.json()["status"] == "done"
    assert FollowUp.objects.get().status == "done"
    listed = client.get("/api/v1/visits/visits?customer_id=K9", **bearer(manager)).json()
    assert [v["visited_on"] for v in listed] == ["2026-11-02"]
    assert client.get("/api/v1/visits/visits?customer_id=K9", **bearer(colleague)).json() == []


def test_someone_elses_account_is_not_found(client: Client, colleague: User, planned: None) -> None:
    response = client.post(
        "/api/v1/visits/visits",
        {"customer_id": "K1", "visited_on": "2026-11-02"},
        content_type="application/json",
        **bearer(colleague),
    )
    assert response.status_code == 404
