"""Settling on PySpark (``build_settlements(backend="pyspark")``) writes the same settlements as DuckDB.

Same files period by period: the same bills in the same order (the fully paid ones first, then
the unpaid, each by customer), the same sums to the fen, settlement and last payment days, and
payment days (a list in no particular order: compared as sets). And the grading from them is the
same. On a store of single files (from before partitions) and on a partitioned one.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from grading.grading_store import partition_store, write_random_grading_store
from powerkam.analytics import settlement, store
from powerkam.analytics.grading import evaluate, load_tables
from powerkam.analytics.grading_backends import connect

pytestmark = [pytest.mark.spark, pytest.mark.slow]

PERIOD = "2026-10"


def settled_rows(store_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Each period's settlements, in file order, payment days sorted by day."""
    files = store.partition_files(store_dir, settlement.KIND)
    result = {}
    for period, path in files.items():
        rows = pq.read_table(path).to_pylist()
        for row in rows:
            if row["payment_days"] is not None:
                row["payment_days"] = sorted(row["payment_days"], key=lambda day: day["paid_on"])
        result[period] = rows
    return result


def assert_same_settlements(on_duckdb: Path, on_spark: Path) -> None:
    expected, got = settled_rows(on_duckdb), settled_rows(on_spark)
    assert list(got) == list(expected)
    for period, rows in expected.items():
        assert got[period] == rows, period
    assert settlement.current_tolerance(on_spark) == settlement.current_tolerance(on_duckdb) is not None
    graded = [evaluate(load_tables(connect("duckdb"), d), PERIOD).to_pylist() for d in (on_duckdb, on_spark)]
    assert graded[0] == graded[1]


@pytest.mark.parametrize("partitioned", [False, True], ids=["single-files", "partitioned"])
def test_pyspark_settles_as_duckdb(spark_con: Any, tmp_path: Path, partitioned: bool) -> None:
    on_duckdb = write_random_grading_store(tmp_path / "duckdb")
    if partitioned:
        partition_store(on_duckdb)
    on_spark = tmp_path / "spark"
    shutil.copytree(on_duckdb, on_spark)
    rows = settlement.build_settlements(on_duckdb, backend="duckdb")
    assert settlement.build_settlements(on_spark, backend="pyspark") == rows
    assert rows is not None
    assert rows > 500
    assert_same_settlements(on_duckdb, on_spark)
    # The data reaches every case: bills paid over several days, unpaid ones, zero bills.
    table = pq.read_table(store.partition_files(on_spark, settlement.KIND)[PERIOD])
    assert table.column("payment_days").null_count < table.num_rows
    assert pc.sum(pc.greater(table.column("unpaid_yuan"), 0)).as_py() > 0
