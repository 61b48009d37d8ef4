"""The churn signals in the health score (docs/health.md): overdue arrears against the monthly bill,
applications to reduce, pause, move or close, an unrenewed contract, a move to the market."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from factories import monthly_bills, write_dataset
from powerkam.analytics import churn_signals, health
from powerkam.analytics.health import HealthRules, HealthRulesError, Signals

#: The issue's demo account: China Unicom's data centre, spotless except that it owes ¥33.1 M, its
#: oldest bill 79 days past due, credit score 0 — it scored 76.8, *low* risk, before the arrears part.
UNICOM = Signals(
    "UNICOM",
    recent_kwh=36_000_000.0,
    year_ago_kwh=35_000_000.0,
    credit_score=0,
    unplanned_interruptions=1,
    unplanned_hours=1.0,
    visit_days_overdue=0,
)


def with_(base: Signals = UNICOM, **changes: object) -> Signals:
    return Signals(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_before_the_arrears_part_the_demo_account_was_low_risk() -> None:
    assert health.assess(UNICOM).risk == "low"  # the defect the issue reports (credit alone)


@pytest.mark.parametrize("monthly_bill", [11_000_000.0, 20_000_000.0, 40_000_000.0, 60_000_000.0])
def test_large_overdue_arrears_are_never_low_risk(monthly_bill: float) -> None:
    found = health.assess(with_(arrears_yuan=33_100_000.0, arrears_days=79, monthly_bill_yuan=monthly_bill))
    assert found.risk in {"medium", "high"}
    assert found.reasons[0].code in {"arrears_overdue", "credit_low"}
    arrears = next(r for r in found.reasons if r.code == "arrears_overdue")
    assert arrears.figures["yuan"] == 33_100_000.0
    assert arrears.figures["days"] == 79
    assert arrears.action == "arrears_plan"


def test_three_months_of_bills_79_days_overdue_is_high_risk_and_costs_most_of_the_arrears_points() -> None:
    found = health.assess(with_(arrears_yuan=33_100_000.0, arrears_days=79, monthly_bill_yuan=11_033_333.33))
    assert found.risk == "high"
    assert ("arrears_overdue", "high") in found.floors
    # 3 months owed ≥ 2 (all of it) × (0.5 + 0.5 × 79/90) of age: the part keeps 6 % of its 20 points
    assert found.parts["arrears"] == pytest.approx(round(100 * (1 - (0.5 + 0.5 * 79 / 90)), 1))
    assert found.score < health.DEFAULT_RULES.medium_below  # medium by its score alone, high by the floor


def test_small_or_fresh_arrears_do_not_force_the_risk() -> None:
    small = health.assess(with_(credit_score=100, arrears_yuan=100_000.0, arrears_days=79, monthly_bill_yuan=10e6))
    fresh = health.assess(with_(credit_score=100, arrears_yuan=10e6, arrears_days=10, monthly_bill_yuan=10e6))
    assert small.floors == fresh.floors == ()
    assert small.risk == "low"
    assert small.parts["arrears"] == pytest.approx(round(100 * (1 - 0.005 * (0.5 + 0.5 * 79 / 90)), 1))
    assert fresh.parts["arrears"] < small.parts["arrears"]


def test_no_arrears_keeps_the_part_whole_and_no_bills_leaves_it_out() -> None:
    assert health.assess(with_(monthly_bill_yuan=10e6)).parts["arrears"] == 100.0
    assert health.assess(UNICOM).parts["arrears"] is None


CLEAN = with_(credit_score=100, unplanned_interruptions=0, unplanned_hours=0.0, capacity_kva=10_000.0)


def test_a_closure_application_is_high_risk_and_a_relocation_medium() -> None:
    closure = health.assess(with_(CLEAN, applications_known=True, closure_on="2026-10-20"))
    assert closure.risk == "high"
    assert closure.parts["applications"] == 0.0
    assert closure.reasons[0].code == "closure_applied"
    assert closure.reasons[0].figures == {"on": "2026-10-20"}
    moving = health.assess(with_(CLEAN, applications_known=True, relocation_on="2026-09-01"))
    assert moving.risk == "medium"
    assert moving.parts["applications"] == 50.0


@pytest.mark.parametrize(("kva", "risk", "kept"), [(500, "low", 90.0), (1500, "medium", 70.0), (4000, "high", 20.0)])
def test_capacity_reductions_and_pauses_by_share_of_the_contract_capacity(kva: float, risk: str, kept: float) -> None:
    found = health.assess(with_(CLEAN, applications_known=True, reduced_kva=kva))
    assert found.risk == risk
    assert found.parts["applications"] == kept  # 0.5 of the capacity reduced costs the whole part
    assert found.reasons[0].figures == {"kva": kva, "percent": kva / 100}


def test_applications_imported_but_none_keeps_the_part_whole() -> None:
    assert health.assess(with_(CLEAN, applications_known=True)).parts["applications"] == 100.0


@pytest.mark.parametrize(
    ("days", "status", "kept", "risk"),
    [
        (400, "pending", 100.0, "low"),
        (120, "pending", round(100 * 120 / 180, 1), "low"),
        (60, "pending", round(100 * 60 / 180, 1), "medium"),
        (60, "negotiating", round(100 * (1 - 0.5 * 120 / 180), 1), "medium"),
        (30, "renewed", 100.0, "low"),
        (300, "declined", 0.0, "high"),
        (-10, "", 0.0, "medium"),  # ran out and nothing renewed it
    ],
)
def test_the_supply_contract(days: int, status: str, kept: float, risk: str) -> None:
    found = health.assess(with_(CLEAN, contract_end="2027-01-31", contract_days_left=days, renewal_status=status))
    assert found.parts["contract"] == kept
    assert found.risk == risk


@pytest.mark.parametrize(
    ("status", "kept", "risk"), [("grid_agency", 100.0, "low"), ("direct", 50.0, "medium"), ("retailer", 0.0, "high")]
)
def test_the_market_status(status: str, kept: float, risk: str) -> None:
    found = health.assess(with_(CLEAN, market_status=status, market_since="2026-06-01", retailer="示范售电"))
    assert found.parts["market"] == kept
    assert found.risk == risk


def test_churn_rules_are_configurable_and_checked() -> None:
    rules = HealthRules.from_toml("arrears_high_days = 90\narrears_zero_days = 120\n[weights]\narrears = 40\n")
    found = health.assess(with_(arrears_yuan=33.1e6, arrears_days=79, monthly_bill_yuan=11e6), rules)
    assert ("arrears_overdue", "medium") in found.floors
    with pytest.raises(HealthRulesError, match="arrears_medium_months"):
        HealthRules.from_toml("arrears_medium_months = 3")
    with pytest.raises(HealthRulesError, match="contract_warn_days must be a whole number"):
        HealthRules.from_toml("contract_warn_days = 1.5")


# ---- reading the signals from the store ------------------------------------------------------------

AS_OF = dt.date(2026, 12, 6)


def test_arrears_from_the_store_owed_days_and_monthly_bill(tmp_path: Path) -> None:
    bills = monthly_bills("A", last_period="2026-11", months=14, kwh=1_000_000, price="0.70")
    bills += monthly_bills("PAID", last_period="2026-11", months=3)
    write_dataset(tmp_path, "billing", bills)
    paid = [
        {
            "customer_id": b["customer_id"],
            "period": b["period"],
            "paid_on": b["due_date"],
            "amount_yuan": b["amount_yuan"],
        }
        for b in bills
        if b["customer_id"] == "PAID" or b["period"] < "2026-09"
    ]
    write_dataset(tmp_path, "payments", paid)
    found = churn_signals.arrears(tmp_path, ["A", "PAID", "NONE"], as_of=AS_OF)
    assert found is not None
    # A's September and October bills (due 15 Oct, 15 Nov) are unpaid; November's is not due yet
    assert found["A"] == churn_signals.Arrears(1_400_000.0, (AS_OF - dt.date(2026, 10, 15)).days, 700_000.0)
    assert found["PAID"].yuan == 0.0
    assert "NONE" not in found
    assert churn_signals.arrears(tmp_path / "empty", ["A"], as_of=AS_OF) is None
    write_dataset(tmp_path / "no-payments", "billing", bills)
    assert churn_signals.arrears(tmp_path / "no-payments", ["A"], as_of=AS_OF) is None


def test_applications_contracts_and_market_from_the_store(tmp_path: Path) -> None:
    assert churn_signals.applications(tmp_path, ["A"], as_of=AS_OF) is None
    write_dataset(
        tmp_path,
        "applications",
        [
            {"application_id": "1", "customer_id": "A", "type": "capacity_reduction", "applied_on": dt.date(2026, 3, 1), "capacity_kva": 800.0, "status": "completed"},
            {"application_id": "2", "customer_id": "A", "type": "suspension", "applied_on": dt.date(2026, 6, 1), "capacity_kva": 200.0},
            {"application_id": "3", "customer_id": "A", "type": "capacity_reduction", "applied_on": dt.date(2026, 7, 1), "capacity_kva": 999.0, "status": "withdrawn"},
            {"application_id": "4", "customer_id": "A", "type": "capacity_reduction", "applied_on": dt.date(2025, 7, 1), "capacity_kva": 999.0},
            {"application_id": "5", "customer_id": "B", "type": "closure", "applied_on": dt.date(2026, 11, 2)},
            {"application_id": "6", "customer_id": "B", "type": "capacity_increase", "applied_on": dt.date(2026, 5, 2), "capacity_kva": 5000.0},
        ],
    )  # fmt: skip
    found = churn_signals.applications(tmp_path, ["A", "B", "C"], as_of=AS_OF)
    assert found == {
        "A": churn_signals.Applications(reduced_kva=1000.0),
        "B": churn_signals.Applications(closure_on="2026-11-02"),
        "C": churn_signals.Applications(),
    }
    write_dataset(
        tmp_path,
        "contracts",
        [
            {"contract_no": "A1", "customer_id": "A", "start_on": dt.date(2021, 1, 1), "end_on": dt.date(2025, 12, 31), "renewal_status": "renewed"},
            {"contract_no": "A2", "customer_id": "A", "start_on": dt.date(2026, 1, 1), "end_on": dt.date(2027, 1, 31)},
            {"contract_no": "A3", "customer_id": "A", "start_on": dt.date(2027, 2, 1), "end_on": dt.date(2032, 1, 31)},
        ],
    )  # fmt: skip
    contracts = churn_signals.contracts(tmp_path, ["A", "B"], as_of=AS_OF)
    assert contracts == {"A": churn_signals.SupplyContract(dt.date(2027, 1, 31), 56, "")}
    write_dataset(
        tmp_path,
        "market",
        [
            {"customer_id": "A", "effective_on": dt.date(2025, 1, 1), "status": "grid_agency"},
            {"customer_id": "A", "effective_on": dt.date(2026, 9, 1), "status": "retailer", "retailer": "示范售电"},
            {"customer_id": "A", "effective_on": dt.date(2027, 1, 1), "status": "direct"},
        ],
    )
    assert churn_signals.market(tmp_path, ["A", "B"], as_of=AS_OF) == {
        "A": churn_signals.Market("retailer", dt.date(2026, 9, 1), "示范售电")
    }


def test_money_is_read_as_yuan(tmp_path: Path) -> None:
    write_dataset(tmp_path, "billing", monthly_bills("A", last_period="2026-11", months=1, price="0.70"))
    write_dataset(tmp_path, "payments", [])
    found = churn_signals.arrears(tmp_path, ["A"], as_of=AS_OF)
    assert found is not None
    assert found["A"].monthly_bill_yuan == float(Decimal("70000.00"))
