"""Build an analytics store (Parquet per store.SCHEMAS) from rows or from the sample CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from powerkam.analytics import store
from tests.conftest import SAMPLES

CENT = Decimal("0.01")


def _value(field: pa.Field, raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    if pa.types.is_decimal(field.type):
        return Decimal(str(raw)).quantize(CENT)
    if pa.types.is_date(field.type):
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
    if pa.types.is_floating(field.type):
        return float(raw)
    if pa.types.is_integer(field.type):
        return int(raw)
    return str(raw)


def table_of(kind: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    schema = store.SCHEMAS[kind]
    rows = list(rows)
    if kind == "payments":
        # Identical payments of one bill on one day are told apart by their occurrence number.
        seen: Counter[tuple[Any, ...]] = Counter()
        numbered = []
        for row in rows:
            key = (row["customer_id"], row["period"], str(row["paid_on"]), str(row["amount_yuan"]))
            numbered.append({**row, "seq": seen[key]})
            seen[key] += 1
        rows = numbered
    columns = {f.name: pa.array([_value(f, r.get(f.name)) for r in rows], f.type) for f in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def write_store(
    store_dir: Path,
    *,
    customers: Iterable[Mapping[str, Any]],
    billing: Iterable[Mapping[str, Any]],
    payments: Iterable[Mapping[str, Any]] = (),
) -> Path:
    store_dir.mkdir(parents=True, exist_ok=True)
    for kind, rows in (("customers", customers), ("billing", billing), ("payments", payments)):
        pq.write_table(table_of(kind, rows), store.dataset_path(store_dir, kind))
    return store_dir


def read_sample(kind: str) -> list[dict[str, str]]:
    with (SAMPLES / f"{kind}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_sample_store(store_dir: Path) -> Path:
    return write_store(
        store_dir,
        customers=read_sample("customers"),
        billing=read_sample("billing"),
        payments=read_sample("payments"),
    )


def customer(customer_id: str, **overrides: Any) -> dict[str, Any]:
    """A 10 kV large-industrial customer that qualifies on capacity alone unless told otherwise."""
    row: dict[str, Any] = {
        "customer_id": customer_id,
        "name": f"客户{customer_id}",
        "voltage_kv": 10,
        "contract_capacity_kva": 2500,
        "tariff": "large_industrial",
        "important_grade": None,
        "district": "示范区",
    }
    row.update(overrides)
    return row


def monthly_bills(
    customer_id: str,
    periods: Iterable[str],
    *,
    kwh: float = 100_000,
    amount: str | Decimal = "70000.00",
    due_day: int = 15,
) -> list[dict[str, Any]]:
    """One bill per period, due on *due_day* of the following month."""
    rows = []
    for period in periods:
        year, month = map(int, period.split("-"))
        ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
        rows.append(
            {
                "customer_id": customer_id,
                "period": period,
                "kwh": kwh,
                "amount_yuan": amount,
                "due_date": dt.date(ny, nm, due_day),
            }
        )
    return rows


def pay_on_time(bills: Iterable[Mapping[str, Any]], *, days_early: int = 5) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": b["customer_id"],
            "period": b["period"],
            "paid_on": b["due_date"] - dt.timedelta(days=days_early),
            "amount_yuan": b["amount_yuan"],
        }
        for b in bills
        if Decimal(str(b["amount_yuan"])) > 0
    ]


def periods_ending(last: str, count: int) -> list[str]:
    year, month = map(int, last.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def write_random_grading_store(store_dir: Path, *, customers: int = 60, seed: int = 21) -> Path:
    """Customers on every side of the key-account rules, bills paid on time, late, in parts, short or never."""
    rng = random.Random(seed)
    rows, bills, payments = [], [], []
    periods = periods_ending("2026-12", 18)  # arrears before the window, months after the period
    for i in range(customers):
        cid = f"G{i:03d}"
        rows.append(
            customer(
                cid,
                voltage_kv=rng.choice([0.4, 10, 35, 110]),
                contract_capacity_kva=rng.choice([0, 1999.99, 2000, 8000]),
                important_grade=rng.choice([None, None, None, "first", "temporary"]),
            )
        )
        mine = [p for p in periods if rng.random() < 0.8]
        for bill in monthly_bills(
            cid,
            mine,
            kwh=rng.choice([0.0, 1.0, 83_333.33, 1_000_000 / 12, 100_000.0]),
            amount=rng.choice(["0.00", "0.01", "99.99", "350.50", "70000.00", "700000.00"]),
            due_day=rng.randint(5, 25),
        ):
            bills.append(bill)
            amount = Decimal(str(bill["amount_yuan"]))
            how = rng.choice(["none", "full", "full", "partial", "cent_short", "short"])
            if how == "none" or amount == 0:
                continue
            if how == "full":
                parts = [amount]
            else:
                first = (amount / 2).quantize(Decimal("0.01"))
                short_by = {"short": Decimal("0.02"), "cent_short": Decimal("0.01")}.get(how, Decimal(0))
                parts = [p for p in (first, amount - first - short_by) if p > 0]
            for part in parts:
                paid_on = bill["due_date"] + dt.timedelta(days=rng.randint(-20, 60))
                payments.append({"customer_id": cid, "period": bill["period"], "paid_on": paid_on, "amount_yuan": part})
    return write_store(store_dir, customers=rows, billing=bills, payments=payments)


def partition_store(store_dir: Path) -> Path:
    """Turn a store of single billing and payments files into the partitioned layout the importer
    writes (one file per period under ``parts/``, a pointer beside), as it is since partitions."""
    for kind in ("billing", "payments"):
        path = store.dataset_path(store_dir, kind)
        table = pq.read_table(path)
        folder = store.new_parts_dir(store_dir, kind)
        for period in sorted(set(table.column("period").to_pylist())):
            part = table.filter(pc.equal(table.column("period"), period)).sort_by("customer_id")
            pq.write_table(part, folder / store.partition_name(period))
        store.write_pointer(store_dir, kind, folder)
        path.unlink()
    return store_dir
