"""The accounts' copy of their bills (powerkam.analytics.account_bills): the 360 page's figures read from
it equal those read from the period files, for every customer, and the copy is never used stale."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest

from factories import write_dataset
from powerkam.analytics import account_bills, store
from powerkam.analytics.accounts import bill_record, monthly_history
from powerkam.analytics.io.writer import partition_in_place

AS_OF = dt.date(2026, 11, 20)


def periods(last: str, months: int) -> list[str]:
    year, month = int(last[:4]), int(last[5:7])
    out = []
    for offset in range(months - 1, -1, -1):
        y, m = divmod(year * 12 + month - 1 - offset, 12)
        out.append(f"{y:04d}-{m + 1:02d}")
    return out


def generated_store(store_dir: Path, customers: int, seed: int = 7) -> list[str]:
    """Bills over 36 months with gaps, zero bills, null kWh, partial payments over several days, payments
    after ``AS_OF``, several payments on one day and customers without any payment."""
    rng = random.Random(seed)
    ids = [f"C{i:05d}" for i in range(customers)]
    bills, payments = [], []
    for cid in ids:
        for period in periods("2026-10", 36):
            if rng.random() < 0.08:
                continue  # a month without a bill
            amount = Decimal(rng.choice([0, rng.randint(1, 900_000)])) / 100
            due = dt.date(int(period[:4]), int(period[5:7]), 1) + dt.timedelta(days=45)
            kwh = None if rng.random() < 0.05 else float(rng.randint(0, 2_000_000))
            bills.append({"customer_id": cid, "period": period, "kwh": kwh, "amount_yuan": amount, "due_date": due})
            if cid.endswith("7") or amount == 0:
                continue  # never pays
            left, day, seq = amount, due - dt.timedelta(days=rng.randint(-40, 20)), 0
            while left > 0 and rng.random() < 0.9:
                part = left if rng.random() < 0.6 else (left / 2).quantize(Decimal("0.01"))
                payments.append({"customer_id": cid, "period": period, "paid_on": day, "amount_yuan": part, "seq": seq})
                left -= part
                seq += 1
                if rng.random() < 0.7:  # else a second payment on the same day
                    day += dt.timedelta(days=rng.randint(1, 30))
    write_dataset(store_dir, "billing", bills)
    write_dataset(store_dir, "payments", payments)
    return ids


def figures(store_dir: Path, customer_id: str) -> tuple[object, ...]:
    return (
        bill_record(store_dir, customer_id, as_of=AS_OF),
        bill_record(store_dir, customer_id, as_of=dt.date(2025, 3, 1), months=12),
        monthly_history(store_dir, customer_id),
        monthly_history(store_dir, customer_id, months=12, end_period="2025-06"),
    )


@pytest.mark.parametrize("partitioned", [True, False], ids=["period files", "single files"])
def test_the_copy_gives_the_figures_the_period_files_give_for_every_customer(tmp_path: Path, partitioned: bool) -> None:
    ids = generated_store(tmp_path, 30)
    if partitioned:
        for kind in ("billing", "payments"):
            partition_in_place(tmp_path, kind)
        assert store.is_partitioned(tmp_path, "billing")
    expected = {cid: figures(tmp_path, cid) for cid in [*ids, "UNKNOWN"]}
    assert account_bills.rows_of(tmp_path, ids[0]) is None  # nothing built yet: the period files answer

    account_bills.build(tmp_path, [*ids[:25], "UNKNOWN"])

    assert account_bills.is_current(tmp_path, [*ids[:25], "UNKNOWN"])
    assert account_bills.rows_of(tmp_path, ids[0]) is not None  # the copy answers …
    assert account_bills.rows_of(tmp_path, ids[27]) is None  # … for the customers it holds only
    for cid, wanted in expected.items():
        assert figures(tmp_path, cid) == wanted, cid
    assert any(b.in_arrears for cid in ids for b in expected[cid][0])  # the data has the hard cases
    assert any(b.paid_yuan and b.settled_on is None for cid in ids for b in expected[cid][0])


def test_the_copy_is_not_used_once_billing_or_payments_change(tmp_path: Path) -> None:
    ids = generated_store(tmp_path, 5)
    for kind in ("billing", "payments"):
        partition_in_place(tmp_path, kind)
    account_bills.build(tmp_path, ids)
    before = bill_record(tmp_path, ids[0], as_of=AS_OF)

    # A new landing of payments (a new directory, the pointer renamed over): the copy is stale.
    partition_in_place_again = store.new_parts_dir(tmp_path, "payments")
    store.write_pointer(tmp_path, "payments", partition_in_place_again)  # no payment at all any more

    assert not account_bills.is_current(tmp_path)
    assert account_bills.rows_of(tmp_path, ids[0]) is None
    after = bill_record(tmp_path, ids[0], as_of=AS_OF)
    assert after != before
    assert all(b.paid_yuan == 0 for b in after)
    # Rebuilt, it answers again, with what is in place now.
    account_bills.build(tmp_path, ids)
    assert account_bills.rows_of(tmp_path, ids[0]) is not None
    assert bill_record(tmp_path, ids[0], as_of=AS_OF) == after


def test_a_build_keeps_three_copies_and_names_what_it_was_built_from(tmp_path: Path) -> None:
    ids = generated_store(tmp_path, 3)
    for _ in range(5):
        account_bills.build(tmp_path, ids)
    folders = sorted(p.name for p in (tmp_path / account_bills.NAME).iterdir())
    assert folders == ["3", "4", "5"]
    pointer = account_bills.read_pointer(tmp_path)
    assert pointer is not None
    assert pointer["dir"] == f"{account_bills.NAME}/5"
    assert pointer["stamps"] == account_bills.source_stamps(tmp_path)
    assert pointer["customers"] == 3
    assert not account_bills.is_current(tmp_path, ids[:2])  # another set of accounts: rebuild


def test_a_store_without_payments_gets_a_copy_of_its_bills(tmp_path: Path) -> None:
    ids = generated_store(tmp_path, 4)
    store.dataset_path(tmp_path, "payments").unlink()
    expected = {cid: figures(tmp_path, cid) for cid in ids}
    account_bills.build(tmp_path, ids)
    assert account_bills.rows_of(tmp_path, ids[0]) is not None
    assert {cid: figures(tmp_path, cid) for cid in ids} == expected
