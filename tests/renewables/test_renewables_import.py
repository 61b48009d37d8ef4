"""The ``generation`` and ``green`` kinds: clean files land whole; bad rows are each named and nothing lands."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from factories import write_dataset
from powerkam.analytics.store import SCHEMAS, dataset_path
from powerkam.imports.services import ImportRefused, import_file
from powerkam.renewables import services
from tests.imports.conftest import write

pytestmark = pytest.mark.django_db

HEADER = "户号,发电年月,类型,装机容量,消纳模式,发电量,自用电量,上网电量\n"


@pytest.fixture
def customers(store):
    """The sample's customers that generate: E002 at 10 kV, E007 at 35 kV, E010 at 110 kV."""
    write_dataset(
        store,
        "customers",
        [
            {
                "customer_id": cid,
                "name": f"客户{cid}",
                "voltage_kv": kv,
                "contract_capacity_kva": kva,
                "tariff": "large_industrial",
            }
            for cid, kv, kva in (("E002", 10.0, 1999.0), ("E007", 35.0, 8000.0), ("E010", 110.0, 50000.0))
        ],
    )
    return store


def test_sample_files_land_with_the_store_schema_and_reimport_changes_nothing(customers, samples):
    report = import_file(kind="generation", path=samples / "generation.csv")
    assert report.inserted == 54
    green = import_file(kind="green", path=samples / "green.csv")
    assert green.inserted == 6
    for kind in ("generation", "green"):
        written = pq.read_schema(dataset_path(customers, kind))
        assert [(f.name, f.type) for f in written] == [(f.name, f.type) for f in SCHEMAS[kind]], kind
    table = pq.read_table(dataset_path(customers, "generation")).to_pylist()
    first = next(r for r in table if r["customer_id"] == "E002" and r["period"] == "2025-06")
    assert (first["technology"], first["mode"]) == ("pv", "surplus")  # Chinese values stored in English
    again = import_file(kind="generation", path=samples / "generation.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 54)


def test_generation_problems_are_each_named_and_nothing_lands(customers, tmp_path):
    path = write(
        tmp_path / "gen.csv",
        HEADER
        + "E002,2026-01,光伏,2000,自发自用余电上网,1000,600,400\n"  # row 2: fine
        + "E002,2026-02,光伏,2000,自发自用余电上网,1000,600,300\n"  # row 3: 900 ≠ 1000
        + "E002,2026-03,光伏,2000,全额上网,1000,0,1000\n"  # row 4: full export at 10 kV
        + "E002,2026-04,光伏,8000,全额自发自用,1000,1000,0\n"  # row 5: 8 MW at 10 kV
        + "E007,2026-01,光伏,5000,自发自用余电上网,1000,600,400\n"  # row 6: surplus at 35 kV, no spot market
        + "E007,2026-02,光伏,5000,全额自发自用,1000,900,100\n"  # row 7: exports under self-use
        + "E010,2026-01,风电,20000,全额上网,1000,0,1000\n"  # row 8: wind is not distributed PV: fine
        + "NOPE,2026-01,光伏,10,全额自发自用,1,1,0\n",  # row 9: unknown customer
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(kind="generation", path=path)
    found = {(e.row, e.code) for e in refused.value.errors}
    assert found == {
        (3, "generation_mismatch"),
        (4, "mode_not_allowed"),
        (5, "pv_over_limit"),
        (6, "mode_not_allowed"),
        (7, "export_in_self_use"),
        (9, "unknown_reference"),
    }
    row4 = next(e for e in refused.value.errors if e.row == 4)
    assert "10.0 kV / 2000.0 kW → self_use, surplus" in row4.reason
    assert not dataset_path(customers, "generation").exists()


def test_a_spot_market_lets_large_pv_export_its_surplus(customers, tmp_path):
    services.rules_set(rules_toml="spot_market = true")
    path = write(tmp_path / "gen.csv", HEADER + "E007,2026-01,光伏,5000,自发自用余电上网,1000,600,400\n")
    assert import_file(kind="generation", path=path).inserted == 1


def test_green_rows_need_the_figures_of_their_type(customers, tmp_path):
    path = write(
        tmp_path / "green.csv",
        "record_id,customer_id,type,traded_on,kwh,certificates,certificate_price_yuan\n"
        "G1,E002,绿电,2026-01-05,,,\n"
        "G2,E002,绿证,2026-01-05,,10,\n"
        "G3,E002,绿证,2026-01-05,,10,2.31\n",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(kind="green", path=path)
    assert {(e.row, e.column, e.code) for e in refused.value.errors} == {
        (2, "kwh", "missing_for_type"),
        (3, "certificate_price_yuan", "missing_for_type"),
    }
