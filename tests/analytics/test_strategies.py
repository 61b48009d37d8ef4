"""Service strategies (docs/health.md): matched by reasons, risk and value, ranked by the revenue they
are expected to keep, and learning from the outcomes recorded."""

from __future__ import annotations

import pytest

from powerkam.analytics import health, strategies
from powerkam.analytics.health import Signals
from powerkam.analytics.strategies import Outcome, StrategyError, StrategyRules

OWING = health.assess(
    Signals("A", recent_kwh=100.0, year_ago_kwh=100.0, arrears_yuan=3e6, arrears_days=80, monthly_bill_yuan=1e6)
)
SLIDING = health.assess(Signals("B", recent_kwh=60.0, year_ago_kwh=100.0))
HEALTHY = health.assess(Signals("C", recent_kwh=100.0, year_ago_kwh=100.0, credit_score=100))


def test_an_account_in_arrears_is_offered_a_payment_plan_worth_the_revenue_kept() -> None:
    found = strategies.recommend(OWING, annual_yuan=12e6)
    assert OWING.risk == "high"
    assert [r.strategy for r in found] == ["payment_plan"]
    # P(loss) of a high risk 0.5 × ¥12 M × half kept − ¥1,000
    assert found[0].expected_yuan == pytest.approx(0.5 * 12e6 * 0.5 - 1_000)
    assert found[0].reasons == ("arrears_overdue",)


def test_strategies_are_ranked_by_expected_revenue_and_filtered_by_value() -> None:
    big = strategies.recommend(SLIDING, annual_yuan=20e6)
    small = strategies.recommend(SLIDING, annual_yuan=300_000)
    assert [r.strategy for r in big][:2] == ["senior_visit", "tariff_optimisation"]
    assert [r.expected_yuan for r in big] == sorted((r.expected_yuan for r in big), reverse=True)
    assert "senior_visit" not in {r.strategy for r in small}  # not worth a senior visit under ¥5 M a year
    # the model's probability, when there is one, replaces the risk level's
    assert strategies.recommend(SLIDING, annual_yuan=20e6, loss_probability=0.9)[0].expected_yuan > big[0].expected_yuan


def test_a_healthy_account_gets_nothing() -> None:
    assert strategies.recommend(HEALTHY, annual_yuan=50e6) == []


def test_outcomes_move_the_success_rate_from_the_prior() -> None:
    kept = [Outcome("payment_plan", True)] * 10
    lost = [Outcome("efficiency_audit", False)] * 10
    rates = strategies.learned_success([*kept, *lost])
    assert rates["payment_plan"] == pytest.approx((10 * 0.5 + 10) / 20)  # 0.75
    assert rates["efficiency_audit"] == pytest.approx((10 * 0.2) / 20)  # 0.1
    assert rates["senior_visit"] == pytest.approx(0.35)  # no outcome yet: the prior
    worse = strategies.recommend(OWING, annual_yuan=12e6, success={"payment_plan": 0.1})
    better = strategies.recommend(OWING, annual_yuan=12e6, success=rates)
    assert better[0].expected_yuan > worse[0].expected_yuan


def test_the_table_is_configurable_and_checked() -> None:
    rules = StrategyRules.from_toml(
        "prior_weight = 5\n[loss_by_risk]\nhigh = 0.8\n[strategy.payment_plan]\nsuccess = 0.6\n"
        '[strategy.key_account_party]\nreasons = ["satisfaction_low"]\nmin_risk = "low"\n'
    )
    assert rules.prior_weight == 5
    assert next(s for s in rules.strategies if s.code == "payment_plan").success == 0.6
    assert "key_account_party" in {s.code for s in rules.strategies}
    assert strategies.recommend(OWING, annual_yuan=12e6, rules=rules)[0].expected_yuan == pytest.approx(
        0.8 * 12e6 * 0.6 - 1_000
    )
    for text, message in [
        ("colour = 1", "unknown key"),
        ("[strategy.payment_plan]\nsuccess = 2", "success must be between 0 and 1"),
        ('[strategy.payment_plan]\nmin_risk = "extreme"', "min_risk must be one of"),
        ("[strategy.payment_plan]\nflavour = 1", "unknown key"),
    ]:
        with pytest.raises(StrategyError, match=message):
            StrategyRules.from_toml(text)
