"""The insights pages' Excel exports: the health list and the tariff advice list — exactly the rows
the page shows the user (its filters, their accounts), names as text, numbers as typed numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from factories import AccountFactory, AssignmentFactory, Team, write_dataset
from powerkam.insights import health, selectors
from tests.insights.conftest import bills
from workbooks import INJECTED, assert_header, assert_injected_names_are_text, assert_numbers, column, open_workbook

TODAY = timezone.localdate()  # the pages use the real today


def login(client: Client, team: Team, who: str) -> Client:
    client.force_login(getattr(team, who).user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the headers and sentences are read in English
    return client


def ids(sheet: Any) -> list[str]:
    return [c.value for c in column(sheet, "Customer id")]


# ---- health ----------------------------------------------------------------------------------------


def history(customer_id: str, *, recent_kwh: float) -> list[dict[str, Any]]:
    """24 months to 2026-10 at 100,000 kWh, the last three at ``recent_kwh``."""
    rows = []
    for i in range(24):
        year, month = divmod(2024 * 12 + 10 + i, 12)
        rows.append(
            {
                "customer_id": customer_id,
                "period": f"{year}-{month + 1:02d}",
                "kwh": recent_kwh if i >= 21 else 100_000.0,
                "amount_yuan": Decimal("70000.00"),
                "due_date": dt.date(year, month + 1, 20),
            }
        )
    return rows


@pytest.fixture
def scored(team: Team, store_dir: Path) -> Team:
    """E200 (the other manager's) down 40 %: high risk; the manager's own accounts carry the injected names,
    down 30 %."""
    rows = history("E100", recent_kwh=100_000.0) + history("E200", recent_kwh=60_000.0)
    for n, name in enumerate(INJECTED):
        account = AccountFactory(customer_id=f"J{n}", name=name, key_status="key", grade="B", district="东城区")
        AssignmentFactory(account=account, staff=team.manager.user)
        rows += history(f"J{n}", recent_kwh=70_000.0)
    write_dataset(store_dir, "billing", rows)
    return team


def test_health_export_is_the_managers_list_typed(client: Client, scored: Team) -> None:
    response = login(client, scored, "manager").get("/insights/health/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"key-account-health-{TODAY.isoformat()}.xlsx" in response["Content-Disposition"]
    sheet = open_workbook(response.content).active
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    expected = health.key_account_health(user=scored.manager.user)
    assert ids(sheet) == [r.account.customer_id for r in expected.rows]  # riskiest first
    assert "E200" not in ids(sheet)  # the other manager's account
    assert_numbers(column(sheet, "Health score"), "0")
    assert [c.value for c in column(sheet, "Health score")] == [round(r.health.score) for r in expected.rows]
    row = ids(sheet).index("J0")
    assert column(sheet, "Main reason")[row].value == "Consumption down 30.0% on the same months a year ago"
    assert column(sheet, "What to do")[row].value.startswith("Visit to find out why")
    assert column(sheet, "Risk")[row].value in {"High risk", "Medium risk"}


def test_health_export_honours_the_filters_and_reads_the_mornings_scores(client: Client, scored: Team) -> None:
    c = login(client, scored, "supervisor")
    live = open_workbook(c.get("/insights/health/export.xlsx?risk=high&district=东城区").content).active
    assert "E200" in ids(live)
    assert set(ids(live)) <= {"E200", *(f"J{n}" for n in range(len(INJECTED)))}
    assert {x.value for x in column(live, "Risk")} == {"High risk"}
    assert {x.value for x in column(live, "District")} == {"东城区"}
    health.health_snapshot_take(today=TODAY)
    sheet = open_workbook(c.get("/insights/health/export.xlsx?risk=high").content).active
    snapshot = health.snapshot_report(user=scored.supervisor.user, risk="high")
    assert snapshot is not None
    assert ids(sheet) == [s.account.customer_id for s in snapshot.rows]
    assert column(sheet, "Main reason")[ids(sheet).index("E200")].value.startswith("Consumption down 40.0%")
    html = c.get("/insights/health/?risk=high").content.decode()
    assert 'href="/insights/health/export.xlsx?risk=high"' in html


# ---- tariff ----------------------------------------------------------------------------------------


@pytest.fixture
def advised(team: Team, billed: Path) -> Team:
    """Besides E100 and E200 (conftest), the manager's accounts with the injected names have E200's poor
    power factor (35 kV, 8,000 kVA) on smaller bills."""
    rows = []
    for n, name in enumerate(INJECTED):
        account = AccountFactory(
            customer_id=f"J{n}",
            name=name,
            key_status="key",
            grade="B",
            district="东城区",
            voltage_kv=Decimal("35"),
            contract_capacity_kva=Decimal("8000"),
        )
        AssignmentFactory(account=account, staff=team.manager.user)
        rows += bills(f"J{n}", kvarh=154_937.0 - n, amount_yuan=Decimal("100000.00") + n)
    rows += bills("E100", max_demand_kw=15_000.0, kwh_peak=100_000.0, kwh_flat=100_000.0)
    rows += bills("E200", kvarh=154_937.0, amount_yuan=Decimal("184500.00"))
    write_dataset(billed, "billing", [*rows])
    return team


def test_tariff_export_is_every_row_typed(client: Client, advised: Team) -> None:
    response = login(client, advised, "manager").get("/insights/tariff/export.xlsx")
    assert response.status_code == 200
    assert f"tariff-advice-{TODAY.isoformat()}.xlsx" in response["Content-Disposition"]
    sheet = open_workbook(response.content).active
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    expected = selectors.tariff_opportunities(user=advised.manager.user)
    assert ids(sheet) == [r.customer_id for r in expected.rows]  # largest saving first
    assert "E200" not in ids(sheet)  # the other manager's account
    assert_numbers(column(sheet, "Total"), "#,##0.00")
    assert_numbers(column(sheet, "Power factor"), "#,##0.00")
    assert_numbers(column(sheet, "Basic charge"), "#,##0.00")
    assert [c.value for c in column(sheet, "Total")] == pytest.approx(
        [r.advice.annual_saving_yuan for r in expected.rows]
    )
    e100 = ids(sheet).index("E100")
    assert column(sheet, "Power factor")[e100].value is None  # no such advice: an empty cell, not "—"
    assert column(sheet, "Manager")[e100].value == "李娜"


def test_tariff_export_honours_the_filters(client: Client, advised: Team) -> None:
    c = login(client, advised, "supervisor")
    sheet = open_workbook(c.get("/insights/tariff/export.xlsx?kind=power_factor").content).active
    assert "E100" not in ids(sheet)
    assert "E200" in ids(sheet)
    assert open_workbook(c.get("/insights/tariff/export.xlsx?district=西城区").content).active.max_row == 1
    html = c.get("/insights/tariff/?kind=power_factor").content.decode()
    assert 'href="/insights/tariff/export.xlsx?kind=power_factor"' in html


def test_tariff_export_without_bills_goes_back_to_the_page(client: Client, team: Team, store_dir: Path) -> None:
    response = login(client, team, "supervisor").get("/insights/tariff/export.xlsx?kind=power_factor")
    assert response.status_code == 302
    assert response["Location"] == "/insights/tariff/?kind=power_factor"
