"""Fixtures for the grading tests: one analytics connection per backend, the same cases on each.

``analytics_con`` is parametrised over DuckDB and PySpark; the PySpark cases carry the ``spark``
and ``slow`` marks (a Spark session takes seconds to start, so one is shared by the session: ``spark_con`` in
tests/conftest.py).
``grade`` is also parametrised over the two ways the engine settles bills: from the raw payments
(the reference path) and from the importer's ``settlements`` dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from powerkam.analytics.grading import evaluate, load_tables
from powerkam.analytics.grading_backends import connect
from powerkam.analytics.rules import DEFAULT_RULES, GradingRules
from powerkam.analytics.settlement import build_settlements

BACKEND_PARAMS = [
    "duckdb",
    pytest.param("pyspark", marks=[pytest.mark.spark, pytest.mark.slow]),
]


@pytest.fixture(params=BACKEND_PARAMS)
def analytics_con(request: pytest.FixtureRequest) -> Any:
    if request.param == "pyspark":
        return request.getfixturevalue("spark_con")
    return connect("duckdb")


GradeFn = Callable[..., dict[str, dict[str, Any]]]


@pytest.fixture(params=["reference", "settlements"])
def settle_path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def grade(analytics_con: Any, settle_path: str) -> GradeFn:
    """``grade(store_dir, period, rules=…)`` → {customer_id: result row} on the test's backend and path."""

    def run(store_dir: Path, period: str, rules: GradingRules = DEFAULT_RULES) -> dict[str, dict[str, Any]]:
        if settle_path == "settlements":
            build_settlements(store_dir, tolerance=rules.settlement.tolerance_yuan)
        tables = load_tables(analytics_con, store_dir, use_settlements=settle_path == "settlements")
        assert (tables.settlements is not None) == (settle_path == "settlements")
        result = evaluate(tables, period, rules)
        return {row["customer_id"]: row for row in result.to_pylist()}

    return run


@pytest.fixture
def sample_store_dir(store_dir: Path) -> Path:
    """The shared empty store (tests/conftest.py) holding the sample extracts."""
    from grading.grading_store import write_sample_store

    return write_sample_store(store_dir)
