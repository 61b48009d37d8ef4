"""The accounts API: token and session auth, the same visibility as the pages, filters, pages."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from factories import ContactFactory, Team, UserFactory, monthly_bills, write_dataset
from powerkam.api.models import ApiToken
from powerkam.api.services import api_token_issue

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def token_for(username: str) -> str:
    return api_token_issue(username=username).token


def ids(body: dict) -> list[str]:
    return [row["customer_id"] for row in body["results"]]


def test_without_credentials_the_api_answers_401(client: Client, team: Team) -> None:
    assert client.get("/api/v1/accounts/").status_code == 401
    assert client.get("/api/v1/accounts/", **bearer("not-a-token")).status_code == 401


def test_a_token_authenticates_its_user(client: Client, team: Team) -> None:
    response = client.get("/api/v1/accounts/", **bearer(token_for("m01")))
    assert response.status_code == 200
    assert ids(response.json()) == ["E100", "E101"]
    assert ApiToken.objects.get(user__username="m01").last_used_at is not None


def test_the_browser_session_is_accepted(client: Client, team: Team) -> None:
    client.force_login(team.supervisor.user)
    assert ids(client.get("/api/v1/accounts/").json()) == ["E100", "E101", "E200", "E300"]


def test_a_token_of_an_inactive_user_is_refused(client: Client, team: Team) -> None:
    token = token_for("m01")
    team.manager.user.is_active = False
    team.manager.user.save()
    assert client.get("/api/v1/accounts/", **bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("m01", ["E100", "E101"]),
        ("m02", ["E100", "E200"]),
        ("zhangwei", ["E100", "E101", "E200", "E300"]),
        ("viewer", ["E100", "E101", "E200", "E300"]),
        ("planner", ["E100", "E101", "E200", "E300"]),
    ],
)
def test_the_list_has_the_visibility_of_the_pages(
    client: Client, team: Team, username: str, expected: list[str]
) -> None:
    assert ids(client.get("/api/v1/accounts/", **bearer(token_for(username))).json()) == expected


def test_detail_is_403_for_another_managers_account_and_404_for_an_unknown_one(client: Client, team: Team) -> None:
    token = token_for("m01")
    assert client.get("/api/v1/accounts/E100", **bearer(token)).status_code == 200
    refused = client.get("/api/v1/accounts/E200", **bearer(token))
    assert refused.status_code == 403
    assert refused.json() == {  # zh-Hans unless the client asks otherwise
        "code": "forbidden",
        "message": "您不负责该客户。",
        "detail": "您不负责该客户。",
        "fields": [],
    }
    refused = client.get("/api/v1/accounts/E200", HTTP_ACCEPT_LANGUAGE="en", **bearer(token))
    assert refused.json()["message"] == "You do not manage this account."
    assert client.get("/api/v1/accounts/NOPE", **bearer(token)).status_code == 404
    assert client.get("/api/v1/accounts/E301", **bearer(token_for("zhangwei"))).status_code == 404


def test_detail_carries_master_data_managers_and_contacts(client: Client, team: Team) -> None:
    ContactFactory(account=team.accounts["E100"], name="刘工", phone="13800000000")
    body = client.get("/api/v1/accounts/E100", **bearer(token_for("m01"))).json()
    assert body["customer_id"] == "E100"
    assert body["grade"] == "A"
    assert body["credit_score"] == 100
    assert Decimal(body["voltage_kv"]) == Decimal("110")
    assert body["feeders"] == ["F001", "F002"]
    assert body["multiple_supply"] is True
    assert [(m["role"], m["username"], m["name"]) for m in body["managers"]] == [
        ("primary", "m01", "李娜"),
        ("secondary", "m02", "王强"),
    ]
    assert [(c["name"], c["phone"]) for c in body["contacts"]] == [("刘工", "13800000000")]


def test_the_list_takes_the_same_filters_and_sort(client: Client, team: Team) -> None:
    headers = bearer(token_for("zhangwei"))
    get = lambda **params: ids(client.get("/api/v1/accounts/", params, **headers).json())  # noqa: E731
    assert get(q="医院") == ["E101"]
    assert get(grade="C") == ["E200"]
    assert get(district="东城区") == ["E100", "E200"]
    assert get(industry="Q") == ["E101"]
    assert get(manager="m02") == ["E100", "E200"]
    assert get(voltage_kv="10") == ["E101", "E300"]
    assert get(sort="-contract_capacity_kva") == ["E100", "E200", "E101", "E300"]


def test_the_list_is_paginated(client: Client, team: Team) -> None:
    body = client.get("/api/v1/accounts/", {"page_size": 3, "page": 2}, **bearer(token_for("zhangwei"))).json()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (4, 2, 3, 2)
    assert ids(body) == ["E300"]
    too_big = client.get("/api/v1/accounts/", {"page_size": 10_000}, **bearer(token_for("zhangwei")))
    assert too_big.status_code == 422


def test_consumption_and_payments_of_an_account(client: Client, team: Team, store_dir: Path) -> None:
    write_dataset(store_dir, "billing", monthly_bills("E100", last_period="2026-09", months=2, kwh=10_000.0))
    write_dataset(
        store_dir,
        "payments",
        [{"customer_id": "E100", "period": "2026-08", "paid_on": dt.date(2026, 9, 10), "amount_yuan": Decimal("7000")}],
    )
    headers = bearer(token_for("m01"))
    months = client.get("/api/v1/accounts/E100/consumption", **headers).json()
    assert len(months) == 36
    assert months[-1] == {"period": "2026-09", "kwh": 10000.0, "amount_yuan": "7000.00"}
    record = client.get("/api/v1/accounts/E100/payments", {"as_of": "2026-11-01"}, **headers).json()
    assert record["arrears_yuan"] == "7000.00"
    assert [(b["period"], b["days_late"], b["in_arrears"]) for b in record["bills"]] == [
        ("2026-09", 17, True),
        ("2026-08", 0, False),
    ]
    assert client.get("/api/v1/accounts/E200/payments", **headers).status_code == 403


def run_token_command(*args: str) -> str:
    out = StringIO()
    call_command("api", "token", *args, stdout=out)
    return out.getvalue()


def test_the_token_command_issues_and_rotates(client: Client, team: Team) -> None:
    first = json.loads(run_token_command("m01", "--format", "json"))
    assert first["username"] == "m01"
    assert first["rotated"] is False
    assert client.get("/api/v1/accounts/", **bearer(first["token"])).status_code == 200
    second = json.loads(run_token_command("m01", "--format", "json"))
    assert second["rotated"] is True
    assert client.get("/api/v1/accounts/", **bearer(first["token"])).status_code == 401
    assert client.get("/api/v1/accounts/", **bearer(second["token"])).status_code == 200
    assert ApiToken.objects.count() == 1
    assert second["token"] not in ApiToken.objects.get().digest  # only a digest is stored


def test_the_token_command_prints_text_by_default(team: Team) -> None:
    text = run_token_command("m02")
    assert "API token issued for m02" in text


def test_the_token_command_refuses_an_unknown_user_cleanly(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("api", "token", "ghost", "--format", "json", stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert err.getvalue().strip() == "没有名为 ghost 的用户。"


def test_the_token_command_refuses_an_inactive_user(team: Team) -> None:
    UserFactory(username="gone", is_active=False)
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("api", "token", "gone", stdout=StringIO(), stderr=err)
    assert "已停用" in err.getvalue()
