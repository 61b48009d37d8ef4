"""Health score and churn risk (docs/health.md): each part, the scaling when data is missing, the risk levels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from factories import write_dataset
from powerkam.analytics import health
from powerkam.analytics.health import HealthRules, HealthRulesError, Signals

HEALTHY = Signals(
    "H",
    recent_kwh=105.0,
    year_ago_kwh=100.0,
    credit_score=100,
    complaints=0,
    late_requests=0,
    unplanned_interruptions=0,
    unplanned_hours=0.0,
    visit_days_overdue=0,
)


def with_(**changes: object) -> Signals:
    return Signals(**{**HEALTHY.__dict__, **changes})  # type: ignore[arg-type]


def test_a_healthy_account_scores_100_with_no_reasons() -> None:
    result = health.assess(HEALTHY)
    assert result.score == 100
    assert result.risk == "low"
    assert result.reasons == ()
    churn_parts = dict.fromkeys(
        ("arrears", "applications", "contract", "market", "self_generation", "complaint_history")
    )
    assert result.parts == dict.fromkeys(health.PARTS, 100.0) | {"satisfaction": None} | churn_parts


def test_consumption_down_a_fifth_loses_two_thirds_of_its_30_points_and_is_medium_risk() -> None:
    result = health.assess(with_(recent_kwh=80.0))
    # (0.8 − 0.7) ÷ (1.0 − 0.7) = 1/3 of 30 points kept → 20 lost.
    assert result.score == pytest.approx(80.0)
    assert result.risk == "medium"  # down 20 % ≥ 15 %, although the score is 80
    (reason,) = result.reasons
    assert (reason.code, reason.points, reason.figures, reason.action) == (
        "consumption_down",
        20.0,
        {"percent": 20.0},
        "visit_why",
    )
    assert result.consumption_change == pytest.approx(-0.2)


def test_consumption_down_by_a_third_is_high_risk_whatever_the_score() -> None:
    result = health.assess(with_(recent_kwh=65.0))
    assert result.score == pytest.approx(70.0)  # all 30 consumption points lost
    assert result.risk == "high"


def test_service_complaints_and_late_requests_take_a_quarter_each() -> None:
    result = health.assess(with_(complaints=2, late_requests=1))
    assert result.score == pytest.approx(85.0)  # 0.75 of 20 lost
    assert [(r.code, r.points) for r in result.reasons] == [("complaints", 10.0), ("late_requests", 5.0)]


def test_reasons_never_cost_more_than_their_part() -> None:
    # 4 complaints and 2 late requests would take 1.5 of the service part: it loses its 20 points, shared 2 : 1.
    result = health.assess(with_(complaints=4, late_requests=2))
    assert result.score == pytest.approx(80.0)
    assert [(r.code, r.points) for r in result.reasons] == [("complaints", 13.3), ("late_requests", 6.7)]


def test_unplanned_interruptions_and_hours() -> None:
    result = health.assess(with_(unplanned_interruptions=3, unplanned_hours=4.0))
    assert result.score == pytest.approx(88.0)  # 3 × 0.2 + 4 × 0.05 = 0.8 of 15 lost
    (reason,) = result.reasons
    assert reason.figures == {"n": 3, "hours": 4.0}
    assert reason.action == "grid_upgrade"


def test_a_visit_overdue_by_half_the_limit_loses_half_the_relationship() -> None:
    result = health.assess(with_(visit_days_overdue=45))
    assert result.score == pytest.approx(92.5)
    assert result.reasons[0].figures == {"days": 45}


def test_parts_without_data_are_left_out_and_the_rest_scaled_to_100() -> None:
    # No year-ago months, no feeders: payment 20 + service 20 + relationship 15 = 55 points of weight.
    result = health.assess(with_(year_ago_kwh=None, unplanned_interruptions=None, credit_score=50))
    assert result.parts["consumption"] is None
    assert result.parts["reliability"] is None
    assert result.score == pytest.approx(round(100 * 45 / 55, 1))
    assert result.reasons[0].points == pytest.approx(round(10 * 100 / 55, 1))


@pytest.mark.parametrize(
    ("credit", "risk"),
    [
        (100, "low"),
        (0, "low"),  # 80 points without payment: still ≥ 70
    ],
)
def test_payment_alone(credit: int, risk: str) -> None:
    assert health.assess(with_(credit_score=credit)).risk == risk


def test_risk_thresholds_are_strictly_below() -> None:
    # Relationship at 0 (15) + service at 0 (20) = 35 lost → 65: medium.
    assert health.assess(with_(visit_days_overdue=90, complaints=4)).risk == "medium"
    # Exactly 70: not below 70 → low.
    exactly_70 = health.assess(with_(complaints=4, credit_score=50))
    assert exactly_70.score == pytest.approx(70.0)
    assert exactly_70.risk == "low"
    # Service 20 + relationship 15 + payment 20 + 1 of consumption lost → 44: high.
    below_50 = health.assess(with_(complaints=4, visit_days_overdue=90, credit_score=0, recent_kwh=99.0))
    assert below_50.score < 50
    assert below_50.risk == "high"


def test_assess_many_puts_the_riskiest_first() -> None:
    found = health.assess_many(
        [HEALTHY, with_(customer_id="B", recent_kwh=60.0), with_(customer_id="C", recent_kwh=80.0)]
    )
    assert [h.customer_id for h in found] == ["B", "C", "H"]


def test_consumption_comparison_needs_every_month_of_both_sides(tmp_path: Path) -> None:
    rows = []
    for cid in ("A", "GAP", "NEW"):
        for year in (2025, 2026):
            for month in range(1, 13):
                if cid == "GAP" and (year, month) == (2025, 9):
                    continue
                if cid == "NEW" and year == 2025:
                    continue
                kwh = 100.0 if year == 2025 else 80.0
                rows.append(
                    {
                        "customer_id": cid,
                        "period": f"{year}-{month:02d}",
                        "kwh": kwh,
                        "amount_yuan": Decimal("1.00"),
                        "due_date": dt.date(year, month, 28),
                    }
                )
    write_dataset(tmp_path, "billing", rows)
    found = health.consumption_comparison(tmp_path, ["A", "GAP", "NEW", "NONE"], period="2026-10")
    assert found["A"] == (240.0, 300.0)  # Aug–Oct 2026 against Aug–Oct 2025
    assert found["GAP"] == (240.0, None)  # September 2025 missing
    assert found["NEW"] == (240.0, None)
    assert "NONE" not in found


def test_rules_from_toml() -> None:
    rules = HealthRules.from_toml("high_below = 40\n[weights]\nconsumption = 50\n")
    assert rules.high_below == 40
    assert rules.weights["consumption"] == 50
    assert rules.weights["payment"] == 20


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[weights]\nloyalty = 10", "unknown part"),
        ("zero_ratio = 1.2", "zero_ratio must be"),
        ("high_below = 80", "high_below must not be above medium_below"),
        ('visit_zero_days = "ninety"', "visit_zero_days must be a whole number"),
        ("colour = 1", "unknown key"),
    ],
)
def test_bad_rules_name_the_key(text: str, message: str) -> None:
    with pytest.raises(HealthRulesError, match=message):
        HealthRules.from_toml(text)


def test_satisfaction_counts_only_when_surveyed() -> None:
    assert health.assess(with_(satisfaction=5)).score == 100
    # 3 of 5 keeps half of its 10 points; with a survey the weights add up to 110, scaled to 100.
    result = health.assess(with_(satisfaction=3, surveyed_on="2026-11-02"))
    assert result.score == pytest.approx(round(100 * 105 / 110, 1))
    assert result.reasons[0].points == pytest.approx(round(5 * 100 / 110, 1))
    assert result.reasons[0].code == "satisfaction_low"
    assert result.reasons[0].figures == {"score": 3, "on": "2026-11-02"}
    assert result.reasons[0].action == "call_back"
    assert health.assess(HEALTHY).parts["satisfaction"] is None
