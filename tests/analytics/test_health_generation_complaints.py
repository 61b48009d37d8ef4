"""Two more health parts (docs/health.md): the growth of the account's own generation (renewables
``generation`` data; none, no part) and complaints repeated within 90 days (penalty only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import monthly_bills, write_dataset
from powerkam.analytics import churn_signals, health, strategies
from powerkam.analytics.health import HealthRules, HealthRulesError, Signals

BASE = Signals(
    "G",
    recent_kwh=100.0,
    year_ago_kwh=100.0,
    credit_score=100,
    unplanned_interruptions=0,
    visit_days_overdue=0,
)


def with_(**changes: object) -> Signals:
    return Signals(**{**BASE.__dict__, **changes})  # type: ignore[arg-type]


def test_no_generation_data_leaves_the_part_out_and_the_score_unchanged() -> None:
    result = health.assess(BASE)
    assert result.parts["self_generation"] is None
    assert result.score == 100


def test_growing_own_generation_costs_points_and_at_half_risk_is_medium() -> None:
    # weights 30+20+20+15+15 = 100 of the base parts, + 10 for own generation
    small = health.assess(with_(self_generation_risk=0.2, generation_growth=0.5, own_generation_share=0.05))
    assert small.parts["self_generation"] == 80.0
    assert small.score == pytest.approx(100 * (100 + 10 * 0.8) / 110, abs=0.05)
    reason = next(r for r in small.reasons if r.code == "self_generation_up")
    assert reason.figures == {"growth": 50.0, "share": 5.0}
    assert reason.action == "green_offer"
    assert reason.points == pytest.approx(10 * 0.2 * 100 / 110, abs=0.05)
    assert small.risk == "low"
    large = health.assess(with_(self_generation_risk=0.6, generation_growth=1.0, own_generation_share=0.3))
    assert ("self_generation_up", "medium") in large.floors
    assert large.risk == "medium"


def test_steady_own_generation_keeps_the_part_whole() -> None:
    steady = health.assess(with_(self_generation_risk=0.0, generation_growth=0.05, own_generation_share=0.4))
    assert steady.parts["self_generation"] == 100.0
    assert not [r for r in steady.reasons if r.part == "self_generation"]


def test_repeated_complaints_cost_the_part_and_raise_the_risk() -> None:
    assert health.assess(BASE).parts["complaint_history"] is None  # no repeat: nothing changes
    one = health.assess(with_(complaints=2, repeated_complaints=1, repeated_complaint_on="2026-11-20"))
    assert one.parts["complaint_history"] == 50.0
    assert ("complaints_repeated", "medium") in one.floors
    assert one.risk == "medium"
    reason = next(r for r in one.reasons if r.code == "complaints_repeated")
    assert reason.figures == {"n": 1, "on": "2026-11-20", "days": 90}
    three = health.assess(with_(complaints=4, repeated_complaints=3, repeated_complaint_on="2026-11-20"))
    assert three.parts["complaint_history"] == 0.0
    assert three.risk == "high"


def test_the_floors_of_repeated_complaints_are_configurable() -> None:
    rules = HealthRules.from_toml("repeat_complaints_medium = 0\nrepeat_complaints_high = 0\n")
    calm = health.assess(with_(repeated_complaints=1), rules)
    assert calm.floors == ()
    with pytest.raises(HealthRulesError, match="repeat_complaints_medium"):
        HealthRules.from_toml("repeat_complaints_medium = 4\nrepeat_complaints_high = 3\n")


def test_strategies_answer_the_new_reasons() -> None:
    result = health.assess(with_(self_generation_risk=0.6, generation_growth=1.0, own_generation_share=0.3))
    found = strategies.recommend(result, annual_yuan=10_000_000)
    assert "green_power" in [r.strategy for r in found]


def test_self_generation_reads_the_generation_kind_over_12_months(tmp_path: Path) -> None:
    store_dir = tmp_path
    assert churn_signals.self_generation(store_dir, ["P1"], period="2026-11") is None  # not imported: no part
    write_dataset(store_dir, "billing", monthly_bills("P1", last_period="2026-11", months=24, kwh=90_000.0))
    rows = []
    for bill in monthly_bills("P1", last_period="2026-11", months=24):
        this_year = bill["period"] >= "2025-12"
        generated = 20_000.0 if this_year else 10_000.0  # doubled on the year
        rows.append(
            {
                "customer_id": bill["customer_id"],
                "period": bill["period"],
                "technology": "pv",
                "installed_kw": 2000.0,
                "generated_kwh": generated,
                "self_consumed_kwh": generated,
                "exported_kwh": 0.0,
            }
        )
    rows.append({**rows[-1], "customer_id": "P2", "period": "2026-11"})  # a new plant: nothing to compare
    write_dataset(store_dir, "generation", rows)
    found = churn_signals.self_generation(store_dir, ["P1", "P2", "P3"], period="2026-11")
    assert found is not None
    p1 = found["P1"]
    assert (p1.generated_kwh, p1.generated_kwh_prior, p1.grid_kwh) == (240_000.0, 120_000.0, 1_080_000.0)
    assert p1.growth == pytest.approx(1.0)
    share = 240_000 / (240_000 + 1_080_000)
    assert p1.own_share == pytest.approx(share)
    # renewables.self_generation_signal: (1.0 − 0.10) × (0.5 + share × 2.5)
    assert p1.risk == pytest.approx(round(min(1.0, 0.9 * (0.5 + share * 2.5)), 4))
    assert found["P2"].risk is None  # no generation a year earlier
    assert "P3" not in found  # no generation rows: no part
