"""The grading API: runs, changes, roster and grade history, with the accounts' visibility rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from factories import Team, build_team
from grading.grading_store import customer, monthly_bills, pay_on_time, periods_ending, write_store
from powerkam.accounts.models import Account, KeyStatus
from powerkam.api.services import api_token_issue
from powerkam.grading.models import GradingRun, RunStatus
from powerkam.grading.services import grading_run_create, grading_run_execute

pytestmark = pytest.mark.django_db

W = periods_ending("2026-10", 12)


def bearer(username: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(username=username).token}"}


@pytest.fixture
def graded(settings, tmp_path: Path) -> tuple[Team, GradingRun]:
    team = build_team()  # E100 is a key account graded A, E200 graded C …
    Account.objects.filter(customer_id="E101").update(key_status=KeyStatus.CANDIDATE, grade="")  # … E101 will join
    Account.objects.filter(customer_id="E200").update(grade="B")  # … and E200 will go down to C
    settings.ANALYTICS_DIR = tmp_path / "store"
    amounts = {"E100": "900000.00", "E101": "50000.00", "E200": "300000.00", "E300": "100.00", "E301": "10.00"}
    bills = [b for cid, amount in amounts.items() for b in monthly_bills(cid, W, amount=amount, kwh=1000)]
    write_store(
        settings.ANALYTICS_DIR,
        customers=[
            customer("E100", voltage_kv=110, contract_capacity_kva=40000, district="东城区", important_grade="first"),
            customer("E101", district="西城区"),
            customer("E200", voltage_kv=35, contract_capacity_kva=8000, district="东城区"),
            customer("E300", contract_capacity_kva=1600, district="西城区"),
            customer("E301"),
        ],
        billing=bills,
        payments=pay_on_time([b for b in bills if b["customer_id"] != "E200"]),  # E200 never pays: grade C
    )
    run = grading_run_execute(run=grading_run_create(period="2026-10", by=team.supervisor.user))
    return team, run


def test_the_api_needs_credentials(client: Client, graded: tuple[Team, GradingRun]) -> None:
    assert client.get("/api/v1/grading/runs").status_code == 401
    assert client.get("/api/v1/grading/roster").status_code == 401


def test_runs_list_and_detail(client: Client, graded: tuple[Team, GradingRun]) -> None:
    _, run = graded
    body = client.get("/api/v1/grading/runs", **bearer("m01")).json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == run.pk
    assert body["results"][0]["by"] == "zhangwei"
    detail = client.get(f"/api/v1/grading/runs/{run.pk}", **bearer("m01")).json()
    assert detail["status"] == "succeeded"
    assert detail["key_accounts"] == 4
    assert "[credit]" in detail["rules_toml"]
    assert 0 < detail["key_revenue_share"] <= 1
    assert client.get("/api/v1/grading/runs/999", **bearer("m01")).status_code == 404


def test_the_roster_follows_the_visibility_rule_and_filters(client: Client, graded: tuple[Team, GradingRun]) -> None:
    everyone = client.get("/api/v1/grading/roster", **bearer("zhangwei")).json()
    assert [r["customer_id"] for r in everyone["results"]] == [
        "E100",
        "E200",
        "E101",
    ]  # by value rank, archived E301 hidden
    top = everyone["results"][0]
    assert (top["grade"], top["value_rank"], top["change"]) == ("A", 1.0, "same")
    assert top["revenue_share"] == pytest.approx(900000 / (900000 + 50000 + 300000 + 100 + 10))
    e200 = everyone["results"][1]
    assert e200["grade"] == "C"
    assert {r["code"] for r in e200["reasons"]} >= {"credit_late", "credit_overdue", "grade_c"}

    mine = client.get("/api/v1/grading/roster", **bearer("m01")).json()
    assert [r["customer_id"] for r in mine["results"]] == ["E100", "E101"]

    only_c = client.get("/api/v1/grading/roster?grade=C", **bearer("zhangwei")).json()
    assert [r["customer_id"] for r in only_c["results"]] == ["E200"]
    west = client.get("/api/v1/grading/roster?district=西城区", **bearer("zhangwei")).json()
    assert [r["customer_id"] for r in west["results"]] == ["E101"]


def test_reasons_come_in_the_request_language(client: Client, graded: tuple[Team, GradingRun]) -> None:
    en = client.get("/api/v1/grading/roster?grade=C", HTTP_ACCEPT_LANGUAGE="en", **bearer("zhangwei")).json()
    zh = client.get("/api/v1/grading/roster?grade=C", HTTP_ACCEPT_LANGUAGE="zh-hans", **bearer("zhangwei")).json()
    assert en["results"][0]["reasons"][-1]["text"].startswith("Grade C (low credit)")
    assert zh["results"][0]["reasons"][-1]["text"].startswith("C 级（信誉评价较低）")


def test_an_accounts_grade_history(client: Client, graded: tuple[Team, GradingRun]) -> None:
    _, run = graded
    history = client.get("/api/v1/grading/accounts/E100/history", **bearer("m01")).json()
    assert [(h["run"], h["grade"]) for h in history] == [(run.pk, "A")]
    assert client.get("/api/v1/grading/accounts/E200/history", **bearer("m01")).status_code == 403
    assert client.get("/api/v1/grading/accounts/NOPE/history", **bearer("m01")).status_code == 404
    e300 = client.get("/api/v1/grading/accounts/E300/history", **bearer("zhangwei")).json()
    assert e300[0]["key_account"] is False
    assert e300[0]["reasons"][0]["code"] == "not_key_small"


def test_changes_of_a_run(client: Client, graded: tuple[Team, GradingRun]) -> None:
    _, run = graded
    body = client.get(f"/api/v1/grading/runs/{run.pk}/changes", **bearer("zhangwei")).json()
    assert [(r["customer_id"], r["change"], r["previous_grade"]) for r in body["results"]] == [
        ("E200", "down", "B"),
        ("E101", "joined", ""),
    ]
    joined = client.get(f"/api/v1/grading/runs/{run.pk}/changes?kind=joined", **bearer("m02")).json()
    assert joined["results"] == []  # m02 manages E200 only


def test_supervisors_start_runs_others_may_not(client: Client, graded: tuple[Team, GradingRun]) -> None:
    response = client.post(
        "/api/v1/grading/runs", {"period": "2026-10"}, content_type="application/json", **bearer("zhangwei")
    )
    assert response.status_code == 201
    assert response.json()["status"] == RunStatus.QUEUED
    refused = client.post(
        "/api/v1/grading/runs", {"period": "2026-10"}, content_type="application/json", **bearer("m01")
    )
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/grading/runs", {"period": "2026-13"}, content_type="application/json", **bearer("zhangwei")
    )
    assert bad.status_code == 422  # the schema's pattern refuses it (docs/api.md)
    assert [f["field"] for f in bad.json()["fields"]] == ["period"]


def test_the_accounts_api_gives_the_value_rank_of_the_newest_published_run(
    client: Client, graded: tuple[Team, GradingRun]
) -> None:
    """The account no longer holds its value rank (issue 21): GET /accounts reads it from the grade
    rows, so it stays what it was before in the API (v1 unchanged)."""
    team, run = graded
    ranks = {g.account.customer_id: g.value_rank for g in run.grades.select_related("account")}
    assert ranks["E100"] == 1.0
    assert ranks["E300"] is None  # E300 is graded, but not a key account
    listed = client.get("/api/v1/accounts/?page_size=100", **bearer("zhangwei")).json()["results"]
    assert {a["customer_id"]: a["value_rank"] for a in listed} == {
        cid: ranks.get(cid) for cid in [a["customer_id"] for a in listed]
    }
    assert client.get("/api/v1/accounts/E100", **bearer("zhangwei")).json()["value_rank"] == 1.0

    # A what-if (an older month, not published) changes nothing; a newer published run is read.
    older = grading_run_execute(run=grading_run_create(period="2026-09", by=team.supervisor.user))
    assert older.what_if
    assert client.get("/api/v1/accounts/E100", **bearer("zhangwei")).json()["value_rank"] == 1.0
    # A newer run of the month (E300, 1,600 kVA, becomes a key account) moves E101's rank.
    rules = "[key_account]\nmin_contract_capacity_kva = 1000\n"
    newer = grading_run_execute(run=grading_run_create(period="2026-10", rules_text=rules, by=team.supervisor.user))
    assert not newer.what_if
    want = newer.grades.get(account__customer_id="E101").value_rank
    assert want is not None
    assert want != ranks["E101"]
    assert client.get("/api/v1/accounts/E101", **bearer("zhangwei")).json()["value_rank"] == want

    # Accounts the newest run did not grade take their newest earlier row (one read for all of them);
    # the test removes the newest rows of two accounts to stand for accounts that run did not see.
    newer.grades.filter(account__customer_id__in=["E101", "E200"]).delete()
    listed = client.get("/api/v1/accounts/?page_size=100", **bearer("zhangwei")).json()["results"]
    by_id = {a["customer_id"]: a["value_rank"] for a in listed}
    assert by_id["E101"] == ranks["E101"]
    assert by_id["E200"] == ranks["E200"]
    assert by_id["E100"] == newer.grades.get(account__customer_id="E100").value_rank
