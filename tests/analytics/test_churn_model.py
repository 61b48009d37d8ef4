"""The churn model (docs/health.md): losses from history, features as of a month, a model trained on
a generated base with known losses that beats the rule baseline on a time-split backtest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from factories import monthly_bills, write_dataset
from powerkam.analytics import churn, store
from powerkam.demo.generator.churn import synthetic_base


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[churn.History, np.ndarray]:
    base = synthetic_base(accounts=1200, months=36, seed=7)
    directory = tmp_path_factory.mktemp("store")
    for kind, table in base.tables.items():
        pq.write_table(table, store.dataset_path(directory, kind))
    history = churn.load_history(directory, base.tables["customers"].column("customer_id").to_pylist())
    return history, base.lost_at


def test_the_loss_definition_finds_the_generated_losses(generated) -> None:
    history, lost_at = generated
    found = churn.loss_months(history)
    assert ((found >= 0) == (lost_at >= 0)).mean() > 0.99
    both = (found >= 0) & (lost_at >= 0)
    # closures and retailers are found in their month, collapses within the 3-month window
    assert np.all(np.abs(found[both] - lost_at[both]) <= 3)


def test_the_model_beats_the_rule_baseline_on_a_time_split_backtest(generated) -> None:
    history, _ = generated
    result = churn.backtest(history, settings=churn.ModelSettings(k=30))
    assert result.model is not None
    assert result.losses > 50
    assert result.test_periods == (history.periods[-12], history.periods[-7])
    assert result.model.auc is not None
    assert result.baseline.auc is not None
    assert result.model.auc > result.baseline.auc
    assert result.model.pr_auc > result.baseline.pr_auc  # type: ignore[operator]
    assert result.model.precision_at_k >= result.baseline.precision_at_k  # type: ignore[operator]
    assert result.model.lead_months is not None
    assert result.model.lead_months >= 1
    assert result.card["backtest"]["auc"] == result.model.auc
    assert result.card["data_window"][1] < result.test_periods[0]  # trained before the test windows


def test_probabilities_are_calibrated_reasons_raise_the_risk_and_the_model_round_trips(
    generated, tmp_path: Path
) -> None:
    history, _ = generated
    model, panel = churn.fit_current(history)
    assert model is not None
    labelled = panel.y >= 0
    prob = model.probability(panel.X[labelled])
    # calibrated: on average as many losses predicted as happened (within a fifth)
    assert prob.mean() == pytest.approx(panel.y[labelled].mean(), rel=0.2)
    scores = churn.score_latest(model, history)
    assert scores[0].probability >= scores[-1].probability
    assert all(r.contribution > 0 for s in scores[:20] for r in s.reasons)
    assert {r.feature for s in scores[:20] for r in s.reasons} <= set(churn.FEATURES)
    again = churn.ChurnModel.load(model.save(tmp_path))
    assert again.card["version"] == model.card["version"]
    assert np.allclose(again.probability(panel.X[:50]), model.probability(panel.X[:50]))


def test_features_as_of_a_month_see_nothing_after_it(generated) -> None:
    history, _ = generated
    t = 20
    before = churn.features_at(history, t)
    later = churn.History(**{**history.__dict__, "kwh": history.kwh.copy(), "amount": history.amount.copy()})
    later.kwh[:, t + 1 :] = 0.0
    later.amount[:, t + 1 :] = 0.0
    assert np.array_equal(np.nan_to_num(churn.features_at(later, t), nan=-1), np.nan_to_num(before, nan=-1))


def test_too_little_history_keeps_the_rules(tmp_path: Path) -> None:
    rows = []
    for i in range(30):
        rows += monthly_bills(f"C{i}", last_period="2026-11", months=20)
    write_dataset(tmp_path, "billing", rows)
    history = churn.load_history(tmp_path, [f"C{i}" for i in range(30)])
    model, _panel = churn.fit_current(history)
    assert model is None  # 20 months and no loss: nothing to learn from
    with pytest.raises(churn.ChurnModelError, match="too few"):
        churn.backtest(history, settings=churn.ModelSettings(test_months=6, horizon=6))


def test_the_loss_definition_is_configurable() -> None:
    with pytest.raises(churn.ChurnModelError, match="drop_fraction"):
        churn.LossDefinition(drop_fraction=1.5)
    assert churn.LossDefinition(closure=False).closure is False


def test_a_history_shorter_than_a_year_has_no_consumption_drop_to_find() -> None:
    """A base with six months of bills (a new installation, the small demo): the drop rule compares with
    the window a year before, which does not exist; closures and retailers are still found."""
    kwh = np.array([[100.0, 100, 100, 5, 5, 5], [100.0, 100, 100, 100, 100, 100], [50.0, 50, 50, 50, 50, 50]])
    history = churn.History(
        customer_ids=["A", "B", "C"],
        periods=[f"2026-{m:02d}" for m in range(1, 7)],
        capacity=np.array([1000.0, 1000.0, 1000.0]),
        kwh=kwh,
        amount=kwh * 0.6,
        due=np.full(kwh.shape, np.nan),
        settled=np.full(kwh.shape, np.inf),
        closure_month=np.array([-1, 4, -1]),
        retailer_month=np.array([-1, -1, 2]),
        direct_from=np.array([-1, -1, -1]),
    )
    assert churn.loss_months(history).tolist() == [-1, 4, 2]


def test_the_vectorised_rule_baseline_agrees_with_assessing_each_account(generated) -> None:
    """baseline_risk scores every account at once; the reference runs the rule engine's assess()
    account by account. The same risk level and the same points lost for every account."""
    from powerkam.analytics import health

    history, _lost = generated
    stricter = health.HealthRules(
        weights={**health.HealthRules().weights, "market": 0.0},
        arrears_high_days=30,
        contract_medium_days=150,
        reduction_medium=0.05,
    )
    levels_seen: set[int] = set()
    for rules in (health.DEFAULT_RULES, stricter):
        for t in (3, 14, 20, 35):
            feats = churn.features_at(history, t)
            fast = churn.baseline_risk(history, t, feats, rules)
            slow = churn.baseline_risk_each(history, t, feats, rules)
            assert np.array_equal(fast, slow), t  # the same level and the same points lost
            levels_seen |= set((fast // 100).astype(int).tolist())
    assert levels_seen == {0, 1, 2}  # every level is exercised
    # a subset of accounts: their rows only, in the order given
    t = 30
    rows = np.array([5, 900, 17, 3])
    feats = churn.features_at(history, t)
    subset = churn.baseline_risk(history, t, feats[rows], health.DEFAULT_RULES, rows)
    assert np.array_equal(subset, churn.baseline_risk(history, t, feats, health.DEFAULT_RULES)[rows])
