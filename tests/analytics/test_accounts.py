"""One customer's figures from the store (powerkam.analytics.accounts): no Django involved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from factories import monthly_bills, write_dataset
from powerkam.analytics import store
from powerkam.analytics.accounts import LoadCurve, bill_record, monthly_history, typical_load_curve
from tests.conftest import SAMPLES


def pay(period: str, paid_on: str, amount: str, customer_id: str = "C1", seq: int = 0) -> dict:
    return {
        "customer_id": customer_id,
        "period": period,
        "paid_on": dt.date.fromisoformat(paid_on),
        "amount_yuan": Decimal(amount),
        "seq": seq,
    }


# ---- monthly history -------------------------------------------------------------------------


def test_without_a_billing_dataset_there_is_no_history(tmp_path: Path) -> None:
    assert monthly_history(tmp_path, "C1") == []


def test_history_is_36_months_ending_with_the_latest_bill_and_gaps_stay_empty(tmp_path: Path) -> None:
    bills = [b for b in monthly_bills("C1", last_period="2026-10", months=40) if b["period"] != "2026-02"]
    write_dataset(tmp_path, "billing", bills + monthly_bills("C2", last_period="2026-12", months=1))
    months = monthly_history(tmp_path, "C1")
    assert len(months) == 36
    assert (months[0].period, months[-1].period) == ("2023-11", "2026-10")
    february = next(m for m in months if m.period == "2026-02")
    assert (february.kwh, february.amount_yuan) == (None, None)
    assert months[-1].kwh == 100_000.0
    assert months[-1].amount_yuan == Decimal("70000.00")


def test_history_can_end_at_a_chosen_period_across_a_year_boundary(tmp_path: Path) -> None:
    write_dataset(tmp_path, "billing", monthly_bills("C1", last_period="2026-02", months=5))
    months = monthly_history(tmp_path, "C1", months=4, end_period="2026-01")
    assert [m.period for m in months] == ["2025-10", "2025-11", "2025-12", "2026-01"]


def test_an_unknown_customer_has_no_history(tmp_path: Path) -> None:
    write_dataset(tmp_path, "billing", monthly_bills("C1", last_period="2026-02", months=5))
    assert monthly_history(tmp_path, "NOPE") == []


# ---- typical load curve ----------------------------------------------------------------------


def loads(customer_id: str, start: dt.datetime, days: int, kw: object) -> list[dict]:
    rows = []
    for quarter in range(days * 96):
        ts = start + dt.timedelta(minutes=15 * quarter)
        rows.append({"customer_id": customer_id, "ts": ts, "kw": kw(ts) if callable(kw) else kw})
    return rows


def test_the_curve_is_the_mean_per_slot_of_the_last_28_days_by_day_type(tmp_path: Path) -> None:
    # Early October is much higher: it lies outside the last 28 days and must not count.
    def kw(ts: dt.datetime) -> float:
        if ts.date() < dt.date(2026, 10, 4):
            return 10_000.0
        base = 500.0 if ts.weekday() < 5 else 100.0
        return base + ts.hour  # a shape over the day

    write_dataset(
        tmp_path, "loads", loads("C1", dt.datetime(2026, 10, 1), 31, kw) + loads("C2", dt.datetime(2026, 10, 1), 1, 1.0)
    )
    curve = typical_load_curve(tmp_path, "C1")
    assert (curve.first_day, curve.last_day) == (dt.date(2026, 10, 4), dt.date(2026, 10, 31))
    assert (curve.working_days, curve.non_working_days) == (20, 8)
    assert len(curve.working_kw) == len(curve.non_working_kw) == 96
    assert curve.working_kw[0] == 500.0  # 00:00
    assert curve.working_kw[4 * 13 + 2] == 513.0  # 13:30
    assert curve.non_working_kw[95] == 123.0  # 23:45


def test_slots_average_the_days_of_their_type(tmp_path: Path) -> None:
    # Monday 2026-10-05 at 100 kW, Tuesday at 300 kW: the working-day mean is 200 kW.
    rows = loads("C1", dt.datetime(2026, 10, 5), 1, 100.0) + loads("C1", dt.datetime(2026, 10, 6), 1, 300.0)
    write_dataset(tmp_path, "loads", rows)
    curve = typical_load_curve(tmp_path, "C1")
    assert set(curve.working_kw) == {200.0}
    assert set(curve.non_working_kw) == {None}


def test_no_loads_gives_an_empty_curve(tmp_path: Path) -> None:
    assert typical_load_curve(tmp_path, "C1").empty
    write_dataset(tmp_path, "loads", loads("C2", dt.datetime(2026, 10, 5), 1, 1.0))
    assert typical_load_curve(tmp_path, "C1").empty


def test_slot_labels() -> None:
    labels = LoadCurve.slot_labels()
    assert (labels[0], labels[1], labels[95], len(labels)) == ("00:00", "00:15", "23:45", 96)


def test_the_sample_metering_extract(tmp_path: Path) -> None:
    sample = pq.read_table(SAMPLES / "loads-2026-10.parquet").cast(store.SCHEMAS["loads"])
    pq.write_table(sample, store.dataset_path(tmp_path, "loads"))
    customer = sample.column("customer_id")[0].as_py()
    curve = typical_load_curve(tmp_path, customer)
    assert (curve.first_day, curve.last_day) == (dt.date(2026, 10, 4), dt.date(2026, 10, 31))
    assert all(v is not None and v >= 0 for v in curve.working_kw)


# ---- bills and payments (docs/rules.md §1 definitions) --------------------------------------------


@pytest.fixture
def three_bills(tmp_path: Path) -> Path:
    # 2026-07, 2026-08, 2026-09 at 70,000.00 yuan, due 2026-08-15, 2026-09-15, 2026-10-15.
    write_dataset(tmp_path, "billing", monthly_bills("C1", last_period="2026-09", months=3))
    return tmp_path


def by_period(bills: list) -> dict:
    return {b.period: b for b in bills}


def test_a_bill_paid_on_time_is_not_late(three_bills: Path) -> None:
    write_dataset(three_bills, "payments", [pay("2026-07", "2026-08-15", "70000.00")])
    bill = by_period(bill_record(three_bills, "C1", as_of=dt.date(2026, 8, 31)))["2026-07"]
    assert (bill.settled_on, bill.days_late, bill.outstanding_yuan, bill.in_arrears) == (
        dt.date(2026, 8, 15),
        0,
        Decimal("0.00"),
        False,
    )


def test_partial_payments_settle_the_bill_on_the_day_they_add_up(three_bills: Path) -> None:
    write_dataset(
        three_bills,
        "payments",
        [
            pay("2026-07", "2026-08-10", "40000.00"),
            pay("2026-07", "2026-08-20", "29999.99"),
            pay("2026-07", "2026-09-01", "0.01"),
        ],
    )
    bill = by_period(bill_record(three_bills, "C1", as_of=dt.date(2026, 9, 30)))["2026-07"]
    # 69,999.99 is within 0.01 of 70,000.00: settled on 2026-08-20, 5 days late.
    assert (bill.settled_on, bill.days_late, bill.paid_yuan) == (dt.date(2026, 8, 20), 5, Decimal("70000.00"))


def test_an_unsettled_bill_is_late_until_as_of_and_in_arrears(three_bills: Path) -> None:
    write_dataset(three_bills, "payments", [pay("2026-08", "2026-09-10", "50000.00")])
    bills = by_period(bill_record(three_bills, "C1", as_of=dt.date(2026, 10, 1)))
    august = bills["2026-08"]
    assert (august.settled_on, august.days_late, august.outstanding_yuan, august.in_arrears) == (
        None,
        16,
        Decimal("20000.00"),
        True,
    )
    # The September bill is not due yet on 2026-10-01: not late, not in arrears, though unpaid.
    september = bills["2026-09"]
    assert (september.days_late, september.in_arrears, september.outstanding_yuan) == (0, False, Decimal("70000.00"))


def test_payments_after_as_of_are_not_known(three_bills: Path) -> None:
    write_dataset(three_bills, "payments", [pay("2026-07", "2026-09-20", "70000.00")])
    early = by_period(bill_record(three_bills, "C1", as_of=dt.date(2026, 9, 1)))["2026-07"]
    assert (early.settled_on, early.days_late, early.paid_yuan) == (None, 17, Decimal("0.00"))
    later = by_period(bill_record(three_bills, "C1", as_of=dt.date(2026, 10, 1)))["2026-07"]
    assert (later.settled_on, later.days_late) == (dt.date(2026, 9, 20), 36)


def test_a_zero_bill_is_settled_on_its_due_date(tmp_path: Path) -> None:
    write_dataset(tmp_path, "billing", monthly_bills("C1", last_period="2026-07", months=1, kwh=0.0))
    bill = bill_record(tmp_path, "C1", as_of=dt.date(2026, 12, 1))[0]
    assert (bill.amount_yuan, bill.settled_on, bill.days_late, bill.in_arrears) == (
        Decimal("0.00"),
        dt.date(2026, 8, 15),
        0,
        False,
    )


def test_bills_come_newest_first_and_can_be_limited(three_bills: Path) -> None:
    assert [b.period for b in bill_record(three_bills, "C1", as_of=dt.date(2026, 10, 1))] == [
        "2026-09",
        "2026-08",
        "2026-07",
    ]
    assert [b.period for b in bill_record(three_bills, "C1", as_of=dt.date(2026, 10, 1), months=2)] == [
        "2026-09",
        "2026-08",
    ]


def test_without_a_payments_dataset_every_bill_is_open(three_bills: Path) -> None:
    bills = bill_record(three_bills, "C1", as_of=dt.date(2026, 10, 1))
    assert [b.outstanding_yuan for b in bills] == [Decimal("70000.00")] * 3
