"""The churn signals reach the health of a key account: overdue arrears from the store's bills and
payments, applications, contracts and the market status, worded on the 360 panel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from factories import Team, write_dataset
from powerkam.insights import health
from tests.insights.conftest import bills

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def owing(team: Team, store_dir: Path) -> Team:
    """E100 (¥180,000 a month) paid everything but its last three bills; E200 paid everything."""
    rows = bills("E100") + bills("E200")
    write_dataset(store_dir, "billing", rows)
    write_dataset(
        store_dir,
        "payments",
        [
            {"customer_id": r["customer_id"], "period": r["period"], "paid_on": r["due_date"], "amount_yuan": r["amount_yuan"]}
            for r in rows
            if r["customer_id"] == "E200" or r["period"] < "2026-08"
        ],
    )  # fmt: skip
    return team


def test_large_overdue_arrears_make_a_key_account_high_risk(owing: Team) -> None:
    e100 = owing.accounts["E100"]
    e100.credit_score = 0
    e100.save()
    found = health.account_health(account=e100, today=TODAY)
    assert found.risk == "high"
    reason = next(r for r in found.reasons if r.code == "arrears_overdue")
    assert reason.figures == {"yuan": 540_000.0, "days": (TODAY - dt.date(2026, 8, 28)).days, "months": 3.0}
    paid_up = health.account_health(account=owing.accounts["E200"], today=TODAY)
    assert paid_up.parts["arrears"] == 100.0


def test_the_new_signals_reach_the_score_from_the_store(owing: Team, store_dir: Path) -> None:
    write_dataset(
        store_dir,
        "applications",
        [
            {
                "application_id": "1",
                "customer_id": "E200",
                "type": "closure",
                "applied_on": TODAY - dt.timedelta(days=20),
            }
        ],
    )
    write_dataset(
        store_dir,
        "contracts",
        [{"contract_no": "C", "customer_id": "E100", "start_on": dt.date(2022, 1, 1), "end_on": TODAY + dt.timedelta(days=45), "renewal_status": "pending"}],
    )  # fmt: skip
    write_dataset(
        store_dir,
        "market",
        [{"customer_id": "E101", "effective_on": dt.date(2026, 6, 1), "status": "retailer", "retailer": "示范售电"}],
    )
    report = {r.account.customer_id: r.health for r in health.key_account_health(user=None, today=TODAY).rows}
    assert report["E200"].reasons[0].code == "closure_applied"
    assert report["E200"].risk == "high"
    assert ("contract_expiring", "medium") in report["E100"].floors
    assert report["E101"].parts["market"] == 0.0
    assert report["E101"].risk == "high"
    assert report["E200"].parts["market"] == 100.0  # no market rows: the grid's agency purchase
    assert report["E101"].parts["contract"] is None  # no contract on file for it


def test_the_360_panel_words_the_arrears_in_the_users_language(client: Client, owing: Team) -> None:
    client.force_login(owing.manager.user)
    account = owing.accounts["E100"]
    page = client.get(f"/insights/health/{account.customer_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    text = page.content.decode()
    assert "逾期欠费 54.00 万元（相当于 3.0 个月电费）" in text
    assert "Overdue" not in text
    # the strategies answering its reasons, with the revenue each is expected to keep
    assert "服务策略" in text
    assert "缴费计划" in text


def test_strategies_follow_the_account_s_reasons_and_value(owing: Team) -> None:
    from powerkam.insights import churn

    e100 = owing.accounts["E100"]
    found = churn.account_strategies(health=health.account_health(account=e100, today=TODAY), churn=None)
    assert found[0].strategy == "payment_plan"
    # high risk (0.5) × 12 bills of ¥180,000 × half kept − ¥1,000
    assert found[0].expected_yuan == 0.5 * 12 * 180_000 * 0.5 - 1_000
    paid_up = health.account_health(account=owing.accounts["E200"], today=TODAY)
    assert "payment_plan" not in {r.strategy for r in churn.account_strategies(health=paid_up, churn=None)}
