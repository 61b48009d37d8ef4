"""Typical loads written once (Ibis): DuckDB and PySpark give the same profiles (docs/rules.md §4).

Random loads (tests/analytics/typical_store.py): windows ending on different days, gaps, missing
readings, readings off the quarter hour, holidays and adjusted working days. Equal means the same
customers, first and last days, day types and provisional flag, the same empty slots, and means
equal to 1e-12 relative: the engines add a slot's readings in different orders, so the last bits
of a float mean may differ.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from powerkam.analytics import store, typical
from powerkam.analytics.workcal import WorkCalendar
from tests.analytics.typical_store import write_random_loads

CALENDAR = WorkCalendar()


def assert_same(a: typical._Computed, b: typical._Computed) -> None:
    assert a.loads.customer_ids == b.loads.customer_ids
    np.testing.assert_array_equal(np.isnan(a.loads.kw), np.isnan(b.loads.kw))
    np.testing.assert_allclose(a.loads.kw, b.loads.kw, rtol=1e-12, atol=0, equal_nan=True)
    assert a.loads.first_day == b.loads.first_day
    assert a.loads.last_day == b.loads.last_day
    assert a.loads.provisional == b.loads.provisional
    assert a.first_all == b.first_all
    assert a.day_types is not None
    assert b.day_types is not None
    np.testing.assert_array_equal(a.day_types, b.day_types)


def assert_same_files(a: Path, b: Path) -> None:
    """Two derived ``typical_loads`` files: same metadata (what they were built from), same profiles."""
    ta, tb = pq.read_table(store.dataset_path(a, typical.KIND)), pq.read_table(store.dataset_path(b, typical.KIND))
    assert ta.schema.metadata == tb.schema.metadata
    for column in ("customer_id", "first_day", "last_day"):
        assert ta.column(column).equals(tb.column(column))
    for column in ("working", "non_working"):
        va = ta.column(column).combine_chunks().flatten().to_numpy(zero_copy_only=False)
        vb = tb.column(column).combine_chunks().flatten().to_numpy(zero_copy_only=False)
        np.testing.assert_allclose(va, vb, rtol=1e-12, atol=0, equal_nan=True)


@pytest.fixture(scope="module")
def loads_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    store_dir = tmp_path_factory.mktemp("typical-engines")
    return store_dir, write_random_loads(store_dir)


def test_the_random_loads_cover_what_the_rule_must_handle(loads_store: tuple[Path, list[str]]) -> None:
    store_dir, ids = loads_store
    computed = typical._from_readings(store_dir, tuple(ids), CALENDAR, days=28, before=None)
    loads = computed.loads
    assert loads.without_data == ["NOBODY"]
    assert len(set(loads.last_day.values())) > 10  # windows end on many different days
    assert any((loads.last_day[c] - loads.first_day[c]).days < 27 for c in ids[:-1])  # short histories
    assert computed.day_types is not None
    assert set(computed.day_types.tolist()) == {typical.WORKING, typical.NON_WORKING}
    has = ~np.isnan(loads.kw[:-1])
    assert has.any()
    assert (~has).any()  # some customer misses a slot of a day type


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_pyspark_compute_the_same_typical_loads(
    spark_con: Any, loads_store: tuple[Path, list[str]], tmp_path: Path
) -> None:
    store_dir, ids = loads_store
    for wanted, before in (
        (tuple(ids), None),
        (None, None),  # every customer: what the derived file is built from
        (tuple(ids[::3]), dt.datetime(2026, 12, 1, 7, 14)),  # a history view
    ):
        on_duckdb = typical._from_readings(store_dir, wanted, CALENDAR, days=28, before=before)
        on_spark = typical._from_readings(store_dir, wanted, CALENDAR, days=28, before=before, con=spark_con)
        assert_same(on_spark, on_duckdb)

    # The whole-base step: the derived file built on each engine.
    other = tmp_path / "spark"
    other.mkdir()
    (other / "loads.parquet").hardlink_to(store.dataset_path(store_dir, "loads"))
    assert typical.build_typical_loads(store_dir, CALENDAR, backend="duckdb") == len(ids) - 1
    assert typical.build_typical_loads(other, CALENDAR, backend="pyspark") == len(ids) - 1
    assert_same_files(store_dir, other)
    assert typical.is_current(other, CALENDAR)
