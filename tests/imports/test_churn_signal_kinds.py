"""The churn-signal kinds (applications, contracts, market) import like the others: the Chinese
headers and values of a marketing-system extract, all rows or none, each bad row named."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow.parquet as pq
import pytest

from powerkam.analytics.store import SCHEMAS, dataset_path
from powerkam.imports.selectors import data_summary
from powerkam.imports.services import ImportRefused, import_file
from tests.imports.conftest import write

pytestmark = pytest.mark.django_db

KINDS = ("applications", "contracts", "market")


@pytest.fixture
def customers(store, samples):
    import_file(kind="customers", path=samples / "customers.csv")


def rows(store, kind: str, order: str) -> list[tuple]:
    return duckdb.sql(f"select * from read_parquet('{dataset_path(store, kind)}') order by {order}").fetchall()


def test_sample_files_land_with_the_contract_schema_and_english_values(store, samples, customers):
    for kind in KINDS:
        report = import_file(kind=kind, path=samples / f"{kind}.csv")
        assert report.inserted > 0, kind
        written = pq.read_schema(dataset_path(store, kind))
        assert [(f.name, f.type) for f in written] == [(f.name, f.type) for f in SCHEMAS[kind]], kind
    counts = data_summary()
    assert (counts["applications"], counts["contracts"], counts["market"]) == (8, 6, 6)

    applications = rows(store, "applications", "application_id")
    assert applications[0] == (
        "YK2026-0001", "E002", "capacity_reduction", dt.date(2026, 3, 2), dt.date(2026, 4, 1), 800.0, "completed"
    )  # fmt: skip
    assert applications[3][2:] == ("closure", dt.date(2026, 10, 20), None, None, "in_progress")
    assert rows(store, "contracts", "contract_no")[4][5] == "declined"
    market = rows(store, "market", "customer_id, effective_on")
    assert market[-1] == ("E005", dt.date(2026, 9, 1), "retailer", "示范售电有限公司")


def test_reimport_changes_nothing(store, samples, customers):
    for kind in KINDS:
        import_file(kind=kind, path=samples / f"{kind}.csv")
        again = import_file(kind=kind, path=samples / f"{kind}.csv")
        assert again.inserted == again.updated == 0, kind


def test_bad_rows_refuse_the_whole_file_each_named(store, tmp_path, customers):
    path = write(
        tmp_path / "contracts.csv",
        "contract_no,customer_id,start_on,end_on,renewal_status\n"
        "C1,E002,2022-01-01,2026-12-31,pending\n"
        "C2,NOPE,2022-01-01,2026-12-31,pending\n"
        "C3,E003,2026-01-01,2025-12-31,renewed\n"
        "C4,E004,2022-01-01,2026-12-31,maybe\n",
    )
    with pytest.raises(ImportRefused) as caught:
        import_file(kind="contracts", path=path)
    errors = [(e.row, e.column, e.code) for e in caught.value.errors]
    assert errors == [
        (3, "customer_id", "unknown_reference"),
        (4, "end_on", "end_not_after_start"),
        (5, "renewal_status", "not_enum"),
    ]
    assert not dataset_path(store, "contracts").exists()


def test_market_status_needs_a_known_value_and_a_date(store, tmp_path, customers):
    path = write(tmp_path / "market.csv", "户号,生效日期,购电方式\nE002,,直接交易\nE003,2026-01-01,自备电厂\n")
    with pytest.raises(ImportRefused) as caught:
        import_file(kind="market", path=path)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "effective_on"), (3, "status")]
