"""Insights tests: the web team of tests/factories with 12 months of bills for two key accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from factories import Team, build_team, write_dataset


def bills(customer_id: str, **values: Any) -> list[dict[str, Any]]:
    rows = []
    for m in range(12):
        year, month = (2025, 11 + m) if m < 2 else (2026, m - 1)
        rows.append(
            {
                "customer_id": customer_id,
                "period": f"{year}-{month:02d}",
                "kwh": 250_000.0,
                "amount_yuan": Decimal("180000.00"),
                "due_date": dt.date(year, month, 28),
                **values,
            }
        )
    return rows


@pytest.fixture
def team(db: None) -> Team:
    team = build_team()
    e100 = team.accounts["E100"]  # 110 kV, 40,000 kVA, billed by capacity
    e100.basic_charge_mode = "capacity"
    e100.save()
    return team


@pytest.fixture
def billed(store_dir: Path, team: Team) -> Path:
    """E100 runs at 15,000 kW on 40,000 kVA (much cheaper by demand); E200 has a poor power factor."""
    rows = bills(
        "E100",
        max_demand_kw=15_000.0,
        kwh_peak=100_000.0,
        kwh_flat=100_000.0,
        kwh_valley=50_000.0,
        kwh_critical=0.0,
        kvarh=80_000.0,
    )
    rows += bills("E200", kvarh=154_937.0, amount_yuan=Decimal("184500.00"))  # PF 0.85 → +2.5 %
    write_dataset(store_dir, "billing", rows)
    return store_dir


def team_with_three_months_billed(settings: Any, store: Path, unpaid: set[tuple[str, str]]) -> Team:
    """The test team, with E100, E200 (key accounts) and X1, X2 (the rest of the base) billed 100,000 kWh
    at 1.00 yuan for 2026-08 … 2026-10, every bill paid on time but the ``unpaid`` ones."""
    from django.core.cache import cache

    from factories import monthly_bills, paid_on_time

    cache.clear()
    settings.ANALYTICS_DIR = store
    rows = []
    for customer_id in ("E100", "E200", "X1", "X2"):
        rows += monthly_bills(customer_id, last_period="2026-10", months=3, kwh=100_000.0, price="1.00")
    write_dataset(store, "billing", rows)
    write_dataset(store, "payments", paid_on_time(rows, except_=unpaid))
    return build_team()
