"""The bad-input corpus: every refusal names the row, column, value and reason, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from powerkam.accounts.models import Account
from powerkam.analytics.store import dataset_path, has_dataset
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.imports.services import ImportRefused, import_file
from tests.imports.conftest import write

pytestmark = pytest.mark.django_db

CUSTOMER_HEADER = "customer_id,name,voltage_kv,contract_capacity_kva,tariff\n"


def refusal(kind: str, path: Path) -> list[tuple[int, str, str | None, str]]:
    with pytest.raises(ImportRefused) as caught:
        import_file(kind=kind, path=path)
    return [(e.row, e.column, e.value, e.reason) for e in caught.value.errors]


def test_sample_bad_customers_are_refused_whole_with_every_bad_row_named(store, samples):
    errors = refusal("customers", samples / "customers-bad.csv")

    assert [(row, column) for row, column, _, _ in errors] == [
        (3, "name"),
        (4, "voltage_kv"),
        (5, "contract_capacity_kva"),
        (6, "customer_id"),
        (7, "tariff"),
        (8, "connected_on"),
    ]
    reasons = {row: reason for row, _, _, reason in errors}
    assert reasons[3] == "missing value"
    assert reasons[4] == "must be greater than 0"
    assert reasons[5] == "not a number"
    assert reasons[6] == "duplicate key (first on row 2)"
    assert reasons[7].startswith("unknown value")
    assert "YYYY-MM-DD" in reasons[8]
    # Nothing written: not the good row B001 either.
    assert not dataset_path(store, "customers").exists()
    assert not Account.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.REFUSED
    assert len(run.errors) == 6


def test_missing_required_column_is_reported_on_the_header_row(store, tmp_path):
    path = write(tmp_path / "c.csv", "customer_id,name,voltage_kv,tariff\nX1,甲,10,large_industrial\n")
    errors = refusal("customers", path)
    assert errors == [(1, "contract_capacity_kva", None, errors[0][3])]
    assert "missing column" in errors[0][3]
    assert "合同容量" in errors[0][3]


def test_bad_period_negative_and_non_numeric_numbers_in_billing(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(
        tmp_path / "b.csv",
        "customer_id,period,kwh,amount_yuan,due_date\n"
        "E001,2026-13,100,50,2026-11-15\n"
        "E001,2026-10,-5,50,2026-11-15\n"
        "E001,2026-09,abc,50,2026-10-15\n"
        "E001,2026-08,100,-1,2026-09-15\n"
        "E001,2026-07,100,50,2026-02-30\n",
    )
    errors = refusal("billing", path)
    assert [(r, c, v) for r, c, v, _ in errors] == [
        (2, "period", "2026-13"),
        (3, "kwh", "-5"),
        (4, "kwh", "abc"),
        (5, "amount_yuan", "-1"),
        (6, "due_date", "2026-02-30"),
    ]
    assert not has_dataset(store, "billing")


def test_unknown_customer_in_billing(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(
        tmp_path / "b.csv",
        "customer_id,period,kwh,amount_yuan,due_date\nE001,2026-10,1,1,2026-11-15\nNOPE,2026-10,1,1,2026-11-15\n",
    )
    assert refusal("billing", path) == [(3, "customer_id", "NOPE", "unknown customer")]


def test_tou_parts_must_add_up_to_kwh_within_half_a_percent(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(
        tmp_path / "b.csv",
        "customer_id,period,kwh,kwh_peak,kwh_flat,kwh_valley,amount_yuan,due_date\n"
        "E001,2026-10,1000,300,400,302,1,2026-11-15\n"  # 1002: within 0.5 %
        "E001,2026-09,1000,300,400,306,1,2026-10-15\n",  # 1006: off by 0.6 %
    )
    errors = refusal("billing", path)
    assert [(r, c) for r, c, _, _ in errors] == [(3, "kwh_peak+kwh_flat+kwh_valley")]
    assert "TOU" in errors[0][3]


def test_outage_end_before_start_and_unknown_feeder(store, tmp_path, samples):
    import_file(kind="feeders", path=samples / "feeders.csv")
    path = write(
        tmp_path / "o.csv",
        "outage_id,feeder_id,start,end,planned\n"
        "O1,F001,2026-05-19T15:00,2026-05-19T14:00,true\n"
        "O2,F999,2026-05-19T15:00,2026-05-19T16:00,false\n"
        "O3,F001,2026-05-19T15:00,2026-05-19T16:00,maybe\n",
    )
    errors = refusal("outages", path)
    assert [(r, c) for r, c, _, _ in errors] == [(2, "end"), (3, "feeder_id"), (4, "planned")]
    assert errors[0][3].startswith("end is not after start")
    assert errors[1][3] == "unknown feeder"


def test_loads_off_the_15_minute_grid(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(tmp_path / "l.csv", "customer_id,ts,kw\nE001,2026-10-01T00:15,5\nE001,2026-10-01T00:20,5\n")
    assert refusal("loads", path) == [(3, "ts", "2026-10-01T00:20", "not on the 15-minute grid")]


def test_unknown_staff_and_customer_in_assignments(store, tmp_path, samples):
    import_file(kind="staff", path=samples / "staff.csv")
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(
        tmp_path / "a.csv",
        "customer_id,username,role\nE002,ghost,primary\nR00000,m01,primary\nE002,m01,boss\n",
    )
    errors = refusal("assignments", path)
    assert [(r, c) for r, c, _, _ in errors] == [(2, "username"), (3, "customer_id"), (4, "role")]


def test_two_primaries_for_one_account_in_one_file_are_a_duplicate(store, tmp_path, samples):
    import_file(kind="staff", path=samples / "staff.csv")
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(tmp_path / "a.csv", "customer_id,username,role\nE002,m01,primary\nE002,m02,主经理\n")
    errors = refusal("assignments", path)
    assert errors == [(3, "customer_id+role", "E002/primary", "duplicate key (first on row 2)")]


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("latin1.csv", "customer_id,name\nX,Café\n".encode("latin-1"), "neither UTF-8 nor GB18030"),
        ("utf16.csv", "customer_id,name\nX,甲\n".encode("utf-16"), "UTF-16"),
        ("data.json", b"{}", "unsupported file type"),
        ("broken.xlsx", b"not a zip", "not a readable Excel workbook"),
        ("broken.parquet", b"not parquet", "not a readable Parquet file"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(store, tmp_path, name, payload, message):
    path = tmp_path / name
    path.write_bytes(payload)
    with pytest.raises(ImportRefused) as caught:
        import_file(kind="customers", path=path)
    assert message in caught.value.message


def test_missing_file(store, tmp_path):
    with pytest.raises(ImportRefused, match="no such file"):
        import_file(kind="customers", path=tmp_path / "nope.csv")


def test_self_reference_and_unknown_group_company(store, tmp_path):
    path = write(
        tmp_path / "c.csv",
        CUSTOMER_HEADER.replace("\n", ",parent_id\n")
        + "G1,集团,10,100,large_industrial,\n"
        + "S1,分厂,10,100,large_industrial,G1\n"
        + "S2,分厂二,10,100,large_industrial,NOPE\n"
        + "S3,自己,10,100,large_industrial,S3\n",
    )
    errors = refusal("customers", path)
    assert [(r, c, reason) for r, c, _, reason in errors] == [
        (4, "parent_id", "unknown customer id"),
        (5, "parent_id", "refers to itself"),
    ]


def test_infinite_and_not_a_number_values_are_refused(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(
        tmp_path / "b.csv",
        "customer_id,period,kwh,amount_yuan,due_date\nE001,2026-10,inf,1,2026-11-15\nE001,2026-09,NaN,1,2026-10-15\n",
    )
    assert [(r, c) for r, c, _, _ in refusal("billing", path)] == [(2, "kwh"), (3, "kwh")]


def test_typed_parquet_with_wrong_values_is_refused_by_row(store, tmp_path, samples):
    import pyarrow as pa
    import pyarrow.parquet as pq

    import_file(kind="customers", path=samples / "customers.csv")
    table = pa.table(
        {
            "customer_id": ["E001", "E001", "E001"],
            "ts": pa.array(["2026-10-01 00:00", "2026-10-01 00:15", "yesterday"]),
            "kw": pa.array([1.0, -2.5, 3.0]),
        }
    )
    path = tmp_path / "loads.parquet"
    pq.write_table(table, path)
    errors = refusal("loads", path)
    # Parquet has no header row: its first record is row 1.
    assert [(r, c, v) for r, c, v, _ in errors] == [(3, "ts", "yesterday")]
