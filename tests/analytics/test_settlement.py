"""The derived ``settlements`` dataset (powerkam.analytics.settlement) and when the engine may use it."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import ibis
import pyarrow.parquet as pq

from grading.grading_store import table_of, write_sample_store, write_store
from powerkam.analytics import settlement, store
from powerkam.analytics.grading import bill_settlement, evaluate, load_tables
from powerkam.analytics.rules import GradingRules

CUSTOMER = {"customer_id": "C1", "name": "C1", "voltage_kv": 10, "contract_capacity_kva": 8000}


def bill(period: str, amount: str, due: str) -> dict:
    return {"customer_id": "C1", "period": period, "kwh": 1000.0, "amount_yuan": amount, "due_date": due}


def pay(period: str, paid_on: str, amount: str) -> dict:
    return {"customer_id": "C1", "period": period, "paid_on": paid_on, "amount_yuan": amount}


def settled_rows(store_dir: Path) -> dict[str, dict]:
    rows = store.read_dataset(store_dir, "settlements").to_pylist()
    return {r["period"]: r for r in rows}


def test_each_bill_is_settled_over_all_its_payments(tmp_path):
    store_dir = write_store(
        tmp_path,
        customers=[CUSTOMER],
        billing=[
            bill("2026-07", "1000.00", "2026-08-15"),  # paid in two parts, the second a fen short
            bill("2026-08", "0.00", "2026-09-15"),  # zero bill: settled on its due date
            bill("2026-09", "500.00", "2026-10-15"),  # never paid
            bill("2026-10", "300.00", "2026-11-15"),  # paid short, then topped up later
        ],
        payments=[
            pay("2026-07", "2026-08-10", "600.00"),
            pay("2026-07", "2026-08-20", "399.99"),
            pay("2026-07", "2026-09-01", "5.00"),
            pay("2026-10", "2026-11-10", "100.00"),
            pay("2026-10", "2026-11-10", "100.00"),  # same bill, same day, same amount: both count
            pay("2026-10", "2026-12-01", "100.00"),
            pay("2026-11", "2026-12-01", "999.00"),  # a payment without a bill settles nothing
        ],
    )
    assert settlement.build_settlements(store_dir) == 4
    rows = settled_rows(store_dir)
    assert rows["2026-07"]["paid_yuan"] == Decimal("1004.99")
    assert rows["2026-07"]["settled_on"] == dt.date(2026, 8, 20)
    assert rows["2026-07"]["last_paid_on"] == dt.date(2026, 9, 1)
    assert rows["2026-08"]["settled_on"] == dt.date(2026, 9, 15)
    assert (rows["2026-08"]["paid_yuan"], rows["2026-08"]["last_paid_on"]) == (Decimal("0.00"), None)
    assert (rows["2026-09"]["paid_yuan"], rows["2026-09"]["settled_on"], rows["2026-09"]["last_paid_on"]) == (
        Decimal("0.00"),
        None,
        None,
    )
    assert rows["2026-10"]["paid_yuan"] == Decimal("300.00")
    assert rows["2026-10"]["settled_on"] == dt.date(2026, 12, 1)
    written = pq.read_schema(store.dataset_files(store_dir, "settlements")[0])
    assert [(f.name, f.type) for f in written] == [(f.name, f.type) for f in store.DERIVED_SCHEMAS["settlements"]]

    # As of 2026-11-30 the top-up is not known yet: the 2026-10 bill is open, 200.00 paid.
    tables = load_tables(ibis.duckdb.connect(), store_dir)
    assert tables.settlements is not None
    known = {r["period"]: r for r in bill_settlement(tables, as_of=dt.date(2026, 11, 30)).to_pyarrow().to_pylist()}
    assert (known["2026-10"]["paid_yuan"], known["2026-10"]["settled_on"]) == (Decimal("200.00"), None)
    assert known["2026-07"]["settled_on"] == dt.date(2026, 8, 20)
    # As of 2026-08-31 the 5.00 of September is not known either.
    early = {r["period"]: r for r in bill_settlement(tables, as_of=dt.date(2026, 8, 31)).to_pyarrow().to_pylist()}
    assert early["2026-07"]["paid_yuan"] == Decimal("999.99")
    assert early["2026-07"]["settled_on"] == dt.date(2026, 8, 20)


def test_on_the_samples_settlements_equal_the_reference_path_for_every_as_of(tmp_path):
    store_dir = write_sample_store(tmp_path)
    settlement.build_settlements(store_dir)
    con = ibis.duckdb.connect()
    fast, reference = load_tables(con, store_dir), load_tables(con, store_dir, use_settlements=False)
    assert fast.settlements is not None
    assert reference.settlements is None
    for as_of in (dt.date(2025, 12, 31), dt.date(2026, 6, 30), dt.date(2026, 10, 31), dt.date(2099, 12, 31)):
        want = bill_settlement(reference, as_of=as_of).order_by(["customer_id", "period"]).to_pyarrow()
        got = bill_settlement(fast, as_of=as_of).order_by(["customer_id", "period"]).to_pyarrow()
        assert got.equals(want), as_of
    # With every payment known, the stored columns are the answer itself.
    everything = bill_settlement(reference, as_of=dt.date(2099, 12, 31)).to_pyarrow().to_pylist()
    stored = store.read_dataset(store_dir, "settlements").to_pylist()
    key = ("customer_id", "period")
    assert {tuple(r[k] for k in key): (r["paid_yuan"], r["settled_on"]) for r in stored} == {
        tuple(r[k] for k in key): (r["paid_yuan"], r["settled_on"]) for r in everything
    }


def test_a_stale_settlements_file_is_ignored(tmp_path):
    store_dir = write_store(
        tmp_path,
        customers=[CUSTOMER],
        billing=[bill("2026-10", "300.00", "2026-10-20")],
        payments=[pay("2026-10", "2026-10-18", "300.00")],
    )
    settlement.build_settlements(store_dir)
    assert settlement.current_tolerance(store_dir) == Decimal("0.01")
    # The payments are replaced (as a hand copy would): the bill is now unpaid and late.
    payments = store.dataset_path(store_dir, "payments")
    pq.write_table(table_of("payments", []), payments)
    os.utime(payments, ns=(1, 1))
    assert settlement.current_tolerance(store_dir) is None
    tables = load_tables(ibis.duckdb.connect(), store_dir)
    assert tables.settlements is None
    row = evaluate(tables, "2026-10").to_pylist()[0]
    assert (row["late_payments"], row["max_days_late"]) == (1, 11)
    # A missing settlements file is the same: the engine settles the bills itself.
    store.pointer_path(store_dir, "settlements").unlink()
    assert load_tables(ibis.duckdb.connect(), store_dir).settlements is None


def test_rules_with_another_tolerance_settle_from_the_payments(tmp_path):
    store_dir = write_store(
        tmp_path,
        customers=[CUSTOMER],
        billing=[bill("2026-10", "300.00", "2026-10-20")],
        payments=[pay("2026-10", "2026-10-18", "299.99")],
    )
    settlement.build_settlements(store_dir)  # default tolerance 0.01: settled on time
    strict = GradingRules.from_mapping({"settlement": {"tolerance_yuan": 0}})
    tables = load_tables(ibis.duckdb.connect(), store_dir)
    assert tables.settlements is not None
    assert evaluate(tables, "2026-10").to_pylist()[0]["late_payments"] == 0
    assert evaluate(tables, "2026-10", strict).to_pylist()[0]["late_payments"] == 1


def test_no_billing_no_settlements(tmp_path):
    assert settlement.build_settlements(tmp_path) is None
    assert not store.has_dataset(tmp_path, "settlements")
    assert settlement.current_tolerance(tmp_path) is None


def _rewrite(store_dir: Path, kind: str, *, sort_by: list[tuple[str, str]], row_group_size: int) -> None:
    path = store.dataset_path(store_dir, kind)
    pq.write_table(pq.read_table(path).sort_by(sort_by), path, row_group_size=row_group_size)


def _by_bill(store_dir: Path) -> list[dict]:
    rows = store.read_dataset(store_dir, "settlements").to_pylist()
    for row in rows:  # the days of a bill paid on several days come in no particular order
        row["payment_days"] = sorted(row["payment_days"], key=lambda d: d["paid_on"]) if row["payment_days"] else None
    return sorted(rows, key=lambda r: (r["customer_id"], r["period"]))


def test_settled_range_by_range_as_at_once(tmp_path):
    store_dir = write_sample_store(tmp_path)
    settlement.build_settlements(store_dir)
    at_once = _by_bill(store_dir)
    billing = store.dataset_path(store_dir, "billing")
    bills = pq.read_metadata(billing).num_rows

    # Sorted by customer (as the importer writes it), in small row groups: ranges of customer ids
    # read from the row groups' statistics.
    _rewrite(store_dir, "billing", sort_by=[("customer_id", "ascending"), ("period", "ascending")], row_group_size=7)
    ranges = settlement.customer_ranges(billing, chunk_bills=bills // 4)
    assert len(ranges) >= 3
    assert all("customer_id <" in r or "customer_id >=" in r for r in ranges)
    assert settlement.build_settlements(store_dir, chunk_bills=bills // 4) == bills
    assert _by_bill(store_dir) == at_once

    # Not sorted: split by a hash of the customer id, same result.
    _rewrite(store_dir, "billing", sort_by=[("period", "descending")], row_group_size=7)
    assert settlement.customer_ranges(billing, chunk_bills=bills // 4)[0].startswith("hash(customer_id)")
    assert settlement.build_settlements(store_dir, chunk_bills=bills // 4) == bills
    assert _by_bill(store_dir) == at_once

    # The engine grades the same from either, and as the reference path does.
    con = ibis.duckdb.connect()
    fast, reference = load_tables(con, store_dir), load_tables(con, store_dir, use_settlements=False)
    assert fast.settlements is not None
    for period in ("2026-03", "2026-10"):
        assert evaluate(fast, period).equals(evaluate(reference, period)), period


def test_one_file_per_period_its_fully_paid_bills_first_then_the_unpaid(tmp_path):
    """The order the engine's scans rely on to skip files and row groups (never for correctness)."""
    store_dir = write_sample_store(tmp_path)
    settlement.build_settlements(store_dir)
    files = store.partition_files(store_dir, "settlements")
    assert len(files) > 1
    for period, path in files.items():
        rows = pq.read_table(path).to_pylist()
        assert {r["period"] for r in rows} == {period}
        keys = [(r["unpaid_yuan"] > 0, r["customer_id"]) for r in rows]
        assert keys == sorted(keys)
        assert all(r["unpaid_yuan"] == max(Decimal("0.00"), r["amount_yuan"] - r["paid_yuan"]) for r in rows)
