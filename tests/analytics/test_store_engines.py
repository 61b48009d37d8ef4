"""The whole-base store steps written once in Ibis give the same answers on DuckDB and PySpark.

A random store (tests/analytics/engines_store.py: exact kWh and fen, so sums agree in any order),
as one file per kind and partitioned by period as the importer writes it. Each step runs on both
engines and the answers must be equal, row by row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grading.grading_store import partition_store
from powerkam.analytics import churn, churn_signals, health, portfolio, tariff
from tests.analytics.engines_store import write_random_store

pytestmark = [pytest.mark.spark, pytest.mark.slow]

AS_OF_DAYS = (dt.date(2026, 11, 20), dt.date(2025, 6, 30), dt.date(2024, 1, 1))


@pytest.fixture(scope="module", params=["single", "partitioned"])
def engines_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    store_dir = tmp_path_factory.mktemp(f"engines-{request.param}")
    ids = write_random_store(store_dir)
    if request.param == "partitioned":
        partition_store(store_dir)
    return store_dir, ids


def rows(items: Any) -> Any:
    """Dataclasses as tuples (the answers of both engines compared field by field)."""
    if isinstance(items, dict):
        return {k: rows(v) for k, v in items.items()}
    if isinstance(items, list):
        return [rows(v) for v in items]
    return dataclasses.astuple(items) if dataclasses.is_dataclass(items) else items


def both(function: Any, *args: Any, **kwargs: Any) -> Any:
    """*function* on DuckDB and on PySpark: the same answer (returned)."""
    on_duckdb = function(*args, backend="duckdb", **kwargs)
    on_spark = function(*args, backend="pyspark", **kwargs)
    assert rows(on_spark) == rows(on_duckdb), function.__name__
    return on_duckdb


def test_portfolio_figures_are_the_same_on_both_engines(spark_con: Any, engines_store: tuple[Path, list[str]]) -> None:
    store_dir, ids = engines_store
    mine = ids[::3]
    share = both(portfolio.portfolio_share, store_dir, mine, months=36)
    assert len(share) == 24
    assert 0 < share[-1].portfolio_kwh < share[-1].total_kwh
    assert both(portfolio.portfolio_share, store_dir, mine, months=6, end_period="2025-08")[-1].period == "2025-08"
    assert all(m.portfolio_kwh == 0 for m in both(portfolio.portfolio_share, store_dir, [], months=3))
    for as_of in AS_OF_DAYS:
        overdue = both(portfolio.overdue_bills, store_dir, mine, as_of=as_of)
        assert len({b.customer_id for b in overdue}) > 3 or as_of.year == 2024
    assert both(portfolio.overdue_bills, store_dir, ["NOBODY"], as_of=AS_OF_DAYS[0]) == []
    totals = both(portfolio.customer_totals, store_dir, mine, months=12)
    assert len(totals) >= len(mine) - 3
    assert "NOBODY" not in totals


def test_portfolio_without_payments_is_the_same_on_both_engines(spark_con: Any, tmp_path: Path) -> None:
    write_random_store(tmp_path, customers=20)
    for kind in ("payments",):
        path = tmp_path / f"{kind}.parquet"
        shutil.move(path, tmp_path / f"{kind}.away")
    overdue = both(portfolio.overdue_bills, tmp_path, [f"E{i:03d}" for i in range(20)], as_of=AS_OF_DAYS[0])
    assert overdue
    assert all(b.outstanding_yuan == b.amount_yuan for b in overdue)


def assert_same_history(a: churn.History, b: churn.History) -> None:
    """Two histories equal in every matrix and event column (NaN where the other has NaN)."""
    for name, value in vars(a).items():
        other = vars(b)[name]
        if isinstance(value, np.ndarray):
            assert value.dtype == other.dtype, name
            np.testing.assert_array_equal(value, other, err_msg=name)
        else:
            assert value == other, name


def test_the_churn_history_is_the_same_on_both_engines(spark_con: Any, engines_store: tuple[Path, list[str]]) -> None:
    store_dir, ids = engines_store
    for wanted, months, end in ((ids, None, None), (ids[::4], 12, "2026-03")):
        on_duckdb = churn.load_history(store_dir, wanted, months=months, end_period=end, backend="duckdb")
        on_spark = churn.load_history(store_dir, wanted, months=months, end_period=end, backend="pyspark")
        assert_same_history(on_spark, on_duckdb)
    # The data reaches every part of the history: settled, never settled and zero bills, events.
    assert np.isfinite(on_duckdb.settled).any()
    assert np.isinf(on_duckdb.settled).any()
    whole = churn.load_history(store_dir, ids, backend="duckdb")
    assert len(whole.reduced_account)
    assert len(whole.relocation_account)
    assert len(whole.contract_account)
    assert (whole.capacity > 0).any()
    assert (whole.capacity == 0).any()
    assert (whole.closure_month >= 0).any()
    assert (whole.retailer_month >= 0).any()
    assert (whole.direct_from >= 0).any()


def test_the_health_and_churn_signals_are_the_same_on_both_engines(
    spark_con: Any, engines_store: tuple[Path, list[str]]
) -> None:
    store_dir, ids = engines_store
    found = {}
    for as_of in AS_OF_DAYS:
        found[as_of] = (
            both(churn_signals.arrears, store_dir, ids, as_of=as_of),
            both(churn_signals.applications, store_dir, ids, as_of=as_of, months=12),
            both(churn_signals.contracts, store_dir, ids, as_of=as_of),
            both(churn_signals.market, store_dir, ids, as_of=as_of),
        )
    # Each signal has accounts to compare (on the latest day: the market rows start in 2025).
    owed, applied, in_force, status = found[AS_OF_DAYS[0]]
    assert any(a.yuan for a in owed.values())
    assert in_force
    assert status
    assert any(a.reduced_kva for a in applied.values())
    assert any(a.closure_on for a in applied.values())
    sides = []
    for period in ("2026-10", "2025-12", "2025-02"):  # the last one has no year-ago months
        assert both(churn_signals.self_generation, store_dir, ids, period=period)
        sides += both(health.consumption_comparison, store_dir, ids, period=period, months=3).values()
    assert any(r is None for r, _ in sides)
    assert any(r is not None for r, _ in sides)
    assert any(e is None for _, e in sides)
    assert any(e is not None for _, e in sides)


def test_the_tariff_advice_reads_the_same_bills_on_both_engines(
    spark_con: Any, engines_store: tuple[Path, list[str]]
) -> None:
    store_dir, ids = engines_store
    bills = both(tariff.read_bills, store_dir, ids, period="2026-10")
    assert any(b.max_demand_kw for months in bills.values() for b in months)
    assert all([b.period for b in months] == sorted(b.period for b in months) for months in bills.values())
    terms = [tariff.Terms(cid, "large_industrial", 10.0, 2000.0, "capacity") for cid in ids]
    advice = both(tariff.advise_many, store_dir, terms, period="2026-10", today=dt.date(2026, 11, 20))
    assert any(a.basic is not None for a in advice)
