"""Playwright against Django's live server, driving Debian's /usr/bin/chromium headless."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from factories import Team, build_team, monthly_bills, write_dataset
from tests.conftest import SCREENSHOTS


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def demo_team(transactional_db: None, store_dir: Path) -> Team:
    """The team of tests/factories.py with 40 months of bills, payments and a month of loads for E100."""
    team = build_team()
    bills = monthly_bills("E100", last_period="2026-10", months=40, kwh=1_800_000.0)
    for i, bill in enumerate(bills):  # a seasonal shape, so the chart looks like one
        bill["kwh"] = 1_500_000.0 + 400_000.0 * ((i % 12) in (5, 6, 7, 11, 0))
        bill["amount_yuan"] = (Decimal(str(bill["kwh"])) * Decimal("0.68")).quantize(Decimal("0.01"))
    write_dataset(store_dir, "billing", bills)
    payments = [
        {
            "customer_id": "E100",
            "period": b["period"],
            "paid_on": b["due_date"] - dt.timedelta(days=3),
            "amount_yuan": b["amount_yuan"],
        }
        for b in bills[:-2]
    ]
    payments.append(
        {
            "customer_id": "E100",
            "period": bills[-2]["period"],
            "paid_on": dt.date(2026, 10, 25),
            "amount_yuan": bills[-2]["amount_yuan"],
        }
    )
    write_dataset(store_dir, "payments", payments)
    start = dt.datetime(2026, 10, 1)
    loads = []
    for quarter in range(31 * 96):
        ts = start + dt.timedelta(minutes=15 * quarter)
        hour = ts.hour + ts.minute / 60
        working = ts.weekday() < 5
        shape = 1.0 if 8 <= hour < 18 else 0.45
        loads.append({"customer_id": "E100", "ts": ts, "kw": (9000.0 if working else 4000.0) * shape})
    write_dataset(store_dir, "loads", loads)
    return team


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Filter choices are cached for a minute; every test starts from an empty cache."""
    cache.clear()
