"""The key-account portfolio from the store: share of the base, overdue bills and their ages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from factories import monthly_bills, write_dataset
from powerkam.analytics.portfolio import aging, overdue_bills, portfolio_share

AS_OF = dt.date(2026, 10, 1)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """K1 and K2 are key accounts, N1 is not; three bills each (2026-07..09, due the 15th after)."""
    bills = (
        monthly_bills("K1", last_period="2026-09", months=3, kwh=1_000.0, price="1.00")
        + monthly_bills("K2", last_period="2026-09", months=3, kwh=3_000.0, price="0.50")
        + monthly_bills("N1", last_period="2026-09", months=3, kwh=6_000.0, price="0.50")
    )
    write_dataset(tmp_path, "billing", bills)
    payments = [
        # K1: July paid in full on time; August 400 + 100 late, and 500 only after AS_OF.
        {"customer_id": "K1", "period": "2026-07", "paid_on": dt.date(2026, 8, 10), "amount_yuan": Decimal("1000.00")},
        {"customer_id": "K1", "period": "2026-08", "paid_on": dt.date(2026, 9, 20), "amount_yuan": Decimal("400.00")},
        {"customer_id": "K1", "period": "2026-08", "paid_on": dt.date(2026, 9, 25), "amount_yuan": Decimal("100.00")},
        {"customer_id": "K1", "period": "2026-08", "paid_on": dt.date(2026, 10, 5), "amount_yuan": Decimal("500.00")},
        # K2: July unpaid; August short by one fen (settled: the tolerance of docs/rules.md §1).
        {"customer_id": "K2", "period": "2026-08", "paid_on": dt.date(2026, 9, 10), "amount_yuan": Decimal("1499.99")},
        # N1 owes everything, but is not in the portfolio.
    ]
    write_dataset(tmp_path, "payments", payments)
    return tmp_path


def test_the_share_is_the_portfolio_against_the_whole_base(store: Path) -> None:
    months = portfolio_share(store, ["K1", "K2"], months=2)
    assert [m.period for m in months] == ["2026-08", "2026-09"]  # the newest two, oldest first
    september = months[-1]
    assert september.total_kwh == 10_000.0
    assert september.portfolio_kwh == 4_000.0
    assert september.kwh_share == pytest.approx(0.4)
    # revenue: K1 1,000 + K2 1,500 of 1,000 + 1,500 + 3,000
    assert september.portfolio_yuan == Decimal("2500.00")
    assert september.total_yuan == Decimal("5500.00")
    assert september.yuan_share == pytest.approx(2500 / 5500)


def test_the_share_ends_where_asked_and_is_empty_without_bills(store: Path, tmp_path_factory) -> None:
    assert [m.period for m in portfolio_share(store, ["K1"], months=36, end_period="2026-08")] == [
        "2026-07",
        "2026-08",
    ]
    assert portfolio_share(tmp_path_factory.mktemp("empty"), ["K1"]) == []
    # nobody in the portfolio: the base is still there, the share is nil
    nobody = portfolio_share(store, [], months=1)
    assert nobody[0].portfolio_kwh == 0
    assert nobody[0].kwh_share == 0


def test_overdue_bills_are_those_past_due_and_unpaid_with_the_payments_known_then(store: Path) -> None:
    bills = overdue_bills(store, ["K1", "K2"], as_of=AS_OF)
    assert [(b.customer_id, b.period, b.outstanding_yuan, b.days_overdue) for b in bills] == [
        # K2 July: 1,500 unpaid since 2026-08-15 → 47 days
        ("K2", "2026-07", Decimal("1500.00"), 47),
        # K1 August: 1,000 − 500 known on 2026-10-01 (the 500 of 2026-10-05 is not known yet)
        ("K1", "2026-08", Decimal("500.00"), 16),
    ]
    # September bills fall due on 2026-10-15: not overdue. A bill due today is not overdue either.
    assert overdue_bills(store, ["K1", "K2"], as_of=dt.date(2026, 10, 15))[0].period in {"2026-07", "2026-08"}
    assert all(b.period != "2026-09" for b in overdue_bills(store, ["K1", "K2"], as_of=dt.date(2026, 10, 15)))
    # once the last payment is known, K1 owes nothing
    later = overdue_bills(store, ["K1"], as_of=dt.date(2026, 10, 6))
    assert [b.period for b in later] == []


def test_overdue_bills_without_payments_file_count_every_past_bill(tmp_path: Path) -> None:
    write_dataset(tmp_path, "billing", monthly_bills("K1", last_period="2026-08", months=2, kwh=100.0, price="1.00"))
    bills = overdue_bills(tmp_path, ["K1"], as_of=AS_OF)
    assert sorted(b.period for b in bills) == ["2026-07", "2026-08"]
    assert overdue_bills(tmp_path, [], as_of=AS_OF) == []


def test_aging_buckets_by_days_past_due(store: Path) -> None:
    buckets = aging(overdue_bills(store, ["K1", "K2"], as_of=dt.date(2026, 12, 1)))
    by_range = {(b.first_day, b.last_day): (b.customers, b.bills, b.outstanding_yuan) for b in buckets}
    # on 2026-12-01: K1 Sept bill (due 10-15, 1,000) 47 days; K2 Sept (1,500) 47 days;
    # K2 July (due 08-15) 108 days. K1 August is paid in full by then.
    assert by_range[(1, 30)] == (0, 0, Decimal("0"))
    assert by_range[(31, 90)] == (2, 2, Decimal("2500.00"))
    assert by_range[(91, 180)] == (1, 1, Decimal("1500.00"))
    assert by_range[(181, None)] == (0, 0, Decimal("0"))
