"""The grading pages: roster, runs with the "start a run" form and live progress, changes, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from factories import DEFAULT_PASSWORD, Team, build_team
from grading.grading_store import customer, monthly_bills, pay_on_time, periods_ending, write_store
from powerkam.accounts.models import Account, KeyStatus
from powerkam.grading.models import GradingRun, RunStatus
from powerkam.grading.services import grading_run_create, grading_run_execute
from workbooks import INJECTED, assert_header, assert_injected_names_are_text, assert_numbers, column, open_workbook

pytestmark = pytest.mark.django_db

W = periods_ending("2026-10", 12)


@pytest.fixture
def team(settings, tmp_path: Path) -> Team:
    team = build_team()
    Account.objects.filter(customer_id="E101").update(key_status=KeyStatus.CANDIDATE, grade="")
    settings.ANALYTICS_DIR = tmp_path / "store"
    amounts = {"E100": "900000.00", "E101": "50000.00", "E200": "300000.00", "E300": "100.00"}
    bills = [b for cid, amount in amounts.items() for b in monthly_bills(cid, W, amount=amount, kwh=1000)]
    write_store(
        settings.ANALYTICS_DIR,
        customers=[
            customer("E100", voltage_kv=110, contract_capacity_kva=40000, district="东城区"),
            customer("E101", district="西城区"),
            customer("E200", voltage_kv=35, contract_capacity_kva=8000, district="东城区"),
            customer("E300", contract_capacity_kva=1600, district="西城区"),
        ],
        billing=bills,
        payments=pay_on_time([b for b in bills if b["customer_id"] != "E200"]),
    )
    return team


def login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=DEFAULT_PASSWORD)
    return client


def graded(team: Team) -> GradingRun:
    return grading_run_execute(run=grading_run_create(period="2026-10", by=team.supervisor.user))


def test_pages_need_a_login(client: Client, team: Team) -> None:
    for url in ("/grading/", "/grading/runs/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_the_roster_before_any_run_says_what_to_do(client: Client, team: Team) -> None:
    page = login(client, "zhangwei").get("/grading/").content.decode()
    assert "data-empty-roster" in page
    assert 'href="/grading/runs/"' in page


def test_the_roster_lists_key_accounts_with_shares_and_reasons(client: Client, team: Team) -> None:
    run = graded(team)
    page = login(client, "zhangwei").get("/grading/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"run #{run.pk}" in page
    assert page.index('data-customer="E100"') < page.index('data-customer="E200"') < page.index('data-customer="E101"')
    assert 'data-customer="E300"' not in page  # not a key account
    revenue_share = 900000 / (900000 + 50000 + 300000 + 100) * 100
    assert f"{revenue_share:.1f}%" in page
    assert "Grade C (low credit)" in page  # the badge's title carries the reasons


def test_a_manager_sees_only_their_accounts_and_filters_work(client: Client, team: Team) -> None:
    graded(team)
    client = login(client, "m01")
    page = client.get("/grading/").content.decode()
    assert 'data-customer="E100"' in page
    assert 'data-customer="E200"' not in page
    fragment = client.get("/grading/?grade=B", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment  # just the table for HTMX
    assert 'data-customer="E101"' in fragment
    assert 'data-customer="E100"' not in fragment


def test_the_roster_exports_what_is_filtered_to_excel(client: Client, team: Team) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    graded(team)
    response = login(client, "zhangwei").get("/grading/?grade=A&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["E100"]


def test_the_roster_export_writes_names_as_text_and_figures_as_numbers(client: Client, team: Team) -> None:
    run = graded(team)
    run.grades.update(key_account=True)  # all four listed: room for the seven names
    names, districts = INJECTED[:4], INJECTED[4:]
    for customer_id, name in zip(("E100", "E101", "E200", "E300"), names, strict=True):
        Account.objects.filter(customer_id=customer_id).update(name=name)
    for customer_id, district in zip(("E100", "E200", "E300"), districts, strict=True):
        Account.objects.filter(customer_id=customer_id).update(district=district)
    client.cookies["django_language"] = "en"
    sheet = open_workbook(login(client, "zhangwei").get("/grading/?export=xlsx").content).active
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    assert_numbers(column(sheet, "Consumption (kWh)"), "#,##0")
    assert_numbers(column(sheet, "Share of consumption"), "0.0%")
    assert_numbers(column(sheet, "Revenue (yuan)"), "#,##0.00")
    assert_numbers(column(sheet, "Share of revenue"), "0.0%")
    assert_numbers(column(sheet, "Credit score"), "0")
    assert all(0 < c.value <= 1 for c in column(sheet, "Share of revenue"))  # a fraction, shown as %


def test_a_supervisor_starts_a_run_and_sees_it_queued(client: Client, team: Team) -> None:
    client = login(client, "zhangwei")
    page = client.get("/grading/runs/").content.decode()
    assert "data-start-run" in page
    response = client.post("/grading/runs/", {"period": "2026-10", "backend": "duckdb"})
    run = GradingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/grading/runs/{run.pk}/"
    assert (run.status, run.by) == (RunStatus.QUEUED, team.supervisor.user)
    detail = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in detail  # polls its progress while queued


def test_a_manager_cannot_start_a_run(client: Client, team: Team) -> None:
    client = login(client, "m01")
    assert "data-start-run" not in client.get("/grading/runs/").content.decode()
    assert client.post("/grading/runs/", {"period": "2026-10", "backend": "duckdb"}).status_code == 403
    assert not GradingRun.objects.exists()


def test_the_start_form_says_what_is_wrong_next_to_the_field(client: Client, team: Team) -> None:
    client = login(client, "zhangwei")
    bad_period = client.post("/grading/runs/", {"period": "2026-13", "backend": "duckdb"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad_period.status_code == 400
    assert "Write the period as YYYY-MM" in bad_period.content.decode()
    no_bills = client.post("/grading/runs/", {"period": "2027-01", "backend": "duckdb"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "There is no billing data for 2027-01" in no_bills.content.decode()
    rules = SimpleUploadedFile("rules.toml", b"[grade]\na_min_value_rank = 2\n")
    bad_rules = client.post("/grading/runs/", {"period": "2026-10", "backend": "duckdb", "rules": rules})
    assert bad_rules.status_code == 400
    assert "&#x27;grade.a_min_value_rank&#x27; must be between 0 and 1" in bad_rules.content.decode()
    assert not GradingRun.objects.exists()


def test_progress_polls_until_the_run_finishes(client: Client, team: Team) -> None:
    client = login(client, "m01")
    queued = grading_run_create(period="2026-10")
    fragment = client.get(f"/grading/runs/{queued.pk}/progress/?reload=1").content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert 'data-status="queued"' in fragment
    grading_run_execute(run=queued)
    response = client.get(f"/grading/runs/{queued.pk}/progress/?reload=1")
    assert "hx-trigger" not in response.content.decode()
    assert response["HX-Refresh"] == "true"


def test_the_changes_of_a_run_with_their_reasons(client: Client, team: Team) -> None:
    run = graded(team)
    client = login(client, "zhangwei")
    page = client.get(f"/grading/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-customer="E101" data-change="joined"' in page
    assert "大客户：合同容量 2,500 kVA" in page
    joined_only = client.get(f"/grading/runs/{run.pk}/?kind=left", HTTP_HX_REQUEST="true").content.decode()
    assert "data-customer=" not in joined_only
    assert "[credit]" in page  # the rules used


def test_an_accounts_grade_history_fragment(client: Client, team: Team) -> None:
    run = graded(team)
    client = login(client, "m01")
    fragment = client.get("/grading/accounts/E100/history/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-run="{run.pk}"' in fragment
    assert "Grade A (premium)" in fragment
    assert client.get("/grading/accounts/E200/history/").status_code == 403
    assert client.get("/grading/accounts/NOPE/history/").status_code == 404


def test_the_pages_speak_chinese_by_default(client: Client, team: Team) -> None:
    graded(team)
    page = login(client, "zhangwei").get("/grading/").content.decode()
    assert "大客户名录" in page
    assert "用电量占比" in page
