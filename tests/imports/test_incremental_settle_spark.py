"""With ``POWERKAM_ANALYTICS_BACKEND=pyspark`` an import settles what it changed on Spark, and the
settlements are those of a full rebuild on DuckDB, row by row.

The store is filled month by month through the importer (on DuckDB, as tests/imports/
test_incremental_settle.py does), then the engine is switched to PySpark (a local session) and a new
month's billing, its payments (with late ones of old bills) and a correction of an old month come in:
whole periods and periods where only some bills changed (merged with the period's other settlements)
are settled on Spark. DuckDB's settling is made to fail meanwhile, so every settlement written came
from Spark.
"""

from __future__ import annotations

from typing import Any

import pytest

from powerkam.analytics import settlement
from powerkam.analytics import store as kam
from powerkam.imports.services import import_file
from tests.analytics.test_settlement_engines import settled_rows
from tests.imports.test_incremental_settle import (
    CUSTOMERS,
    MONTHS,
    _billing,
    _day,
    _ids,
    _month_in,
    _month_resent,
    _paid_in,
    _payments,
    _payments_of,
    _period,
    _settled_files,
    _settlements,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.spark]


def test_on_spark_imports_settle_what_they_changed_as_a_full_rebuild(
    store: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, spark_con: Any
) -> None:
    all_payments = _payments_of(range(MONTHS + 1))
    _month_in(tmp_path, store, all_payments)
    before = _settled_files(store)

    def not_on_duckdb(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("settled with DuckDB although the backend is pyspark")

    monkeypatch.setenv("POWERKAM_ANALYTICS_BACKEND", "pyspark")
    monkeypatch.setattr(settlement, "_settle_period", not_on_duckdb)  # a whole period
    monkeypatch.setattr(settlement, "_copy", not_on_duckdb)  # a merge of the changed bills

    # A new month: settled whole, on Spark; the other periods' files stay as they are.
    import_file(kind="billing", path=_billing(tmp_path / "billing-new.csv", range(MONTHS, MONTHS + 1)))
    assert kam.read_pointer(store, "settlements")["settled"] == "incremental"
    after = _settled_files(store)
    assert {p for p in after if after[p] != before.get(p)} == {_period(MONTHS)}

    # Its payments, and late payments of a few old bills (a period where only those are settled again).
    paid = _paid_in(all_payments, _day(MONTHS + 1, 1), _day(MONTHS + 2, 1))
    late = [(c, _period(1), _day(MONTHS + 1, 3), "10.00") for c in _ids()[5:9]]
    import_file(kind="payments", path=_payments(tmp_path / "payments-new.csv", paid + late))
    again = _settled_files(store)
    assert _period(1) in {p for p in again if again[p] != after.get(p)}

    # An old month sent again with three bills changed: only those are settled again and merged.
    changed = _ids()[:3]
    resent = _month_resent(tmp_path, 3, changed)
    report = import_file(kind="billing", path=resent)
    assert (report.updated, report.unchanged) == (3, CUSTOMERS - 3)
    assert kam.read_pointer(store, "settlements")["settled"] == "incremental"
    assert settlement.current_tolerance(store) is not None
    on_spark = _settlements(store)
    assert any(str(r["amount_yuan"]) == "863.80" for r in on_spark)

    # The same rows, in the same files and order, as settling every bill again on DuckDB.
    monkeypatch.undo()
    files = settled_rows(store)
    assert settlement.build_settlements(store, backend="duckdb") == len(on_spark)
    assert settled_rows(store) == files
    rebuilt = _settlements(store)
    assert len(on_spark) == len(rebuilt) > 0
    for got, want in zip(on_spark, rebuilt, strict=True):
        assert got == want
