"""A random store for the engine-equality tests (DuckDB against PySpark) of the whole-base steps.

Bills of 24 months with gaps, paid on time, late, in parts, short or never; applications,
supply contracts, market changes and own generation. Every kWh is a multiple of 0.25 and every
amount whole fen: sums of them are exact in float64 and decimal alike, in any order, so the two
engines' answers can be compared exactly (a float sum's last bits depend on the order of its terms,
which no engine promises).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from factories import write_dataset

LAST_PERIOD = "2026-10"
MONTHS = 24
APPLICATION_TYPES = ("capacity_reduction", "suspension", "closure", "relocation", "capacity_increase")


def periods(last: str = LAST_PERIOD, months: int = MONTHS) -> list[str]:
    year, month = int(last[:4]), int(last[5:7])
    out = []
    for back in range(months - 1, -1, -1):
        index = year * 12 + month - 1 - back
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return out


def write_random_store(store_dir: Path, *, customers: int = 90, seed: int = 5) -> list[str]:
    """Write the store; the customer ids (the last one, ``NOBODY``, has no row anywhere)."""
    rng = random.Random(seed)
    ids = [f"E{i:03d}" for i in range(customers)]
    bills, payments, applications, contracts, market, generation = [], [], [], [], [], []
    customers = []
    for cid in ids:
        customers.append(
            {
                "customer_id": cid,
                "name": f"客户{cid}",
                "voltage_kv": rng.choice([0.4, 10.0, 35.0]),
                "contract_capacity_kva": rng.choice([None, 400.0, 2000.0, 8000.0]),
                "tariff": rng.choice(["large_industrial", "general_commercial"]),
            }
        )
        first = rng.choice([0, 0, 0, 5, 14])  # some accounts are new
        time_of_use = rng.random() < 0.6
        for period in periods()[first:]:
            if rng.random() < 0.08:
                continue  # a gap
            year, month = int(period[:4]), int(period[5:7])
            due = dt.date(year + month // 12, month % 12 + 1, rng.randint(5, 25))
            amount = Decimal(rng.choice([0, 1, 9_999, 35_050, 7_000_000, rng.randint(0, 90_000_000)])) / 100
            bills.append(
                {
                    "customer_id": cid,
                    "period": period,
                    "kwh": (kwh := rng.randint(0, 4_000_000) / 4),
                    **(
                        {
                            "kwh_peak": kwh / 4,
                            "kwh_flat": kwh / 2,
                            "kwh_valley": kwh / 4,
                            "kvarh": rng.randint(0, 2_000_000) / 4,
                            "max_demand_kw": float(rng.randint(100, 3000)),
                        }
                        if time_of_use
                        else {}
                    ),
                    "amount_yuan": amount,
                    "due_date": due,
                }
            )
            how = rng.choice(["none", "full", "full", "full", "partial", "cent_short", "short", "over"])
            if how == "none" or amount == 0:
                continue
            half = (amount / 2).quantize(Decimal("0.01"))
            parts = {
                "full": [amount],
                "over": [amount + Decimal("5.00")],
                "partial": [half],
                "cent_short": [half, amount - half - Decimal("0.01")],
                "short": [half, amount - half - Decimal("0.02")],
            }[how]
            for seq, part in enumerate(p for p in parts if p > 0):
                paid_on = due + dt.timedelta(days=rng.randint(-20, 90))
                payments.append(
                    {"customer_id": cid, "period": period, "paid_on": paid_on, "amount_yuan": part, "seq": seq}
                )
        for n in range(rng.choice([0, 0, 1, 2, 3])):
            applied = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
            applications.append(
                {
                    "application_id": f"A-{cid}-{n}",
                    "customer_id": cid,
                    "type": rng.choice(APPLICATION_TYPES),
                    "applied_on": applied,
                    "effective_on": applied + dt.timedelta(days=30),
                    "capacity_kva": float(rng.choice([0, 250, 800, 1250])),
                    "status": rng.choice([None, "in_progress", "done", "withdrawn"]),
                }
            )
        for n in range(rng.choice([0, 1, 1, 2])):
            start = dt.date(2023 + n, rng.randint(1, 12), 1)
            contracts.append(
                {
                    "contract_no": f"K-{cid}-{n}",
                    "customer_id": cid,
                    "start_on": start,
                    "end_on": start + dt.timedelta(days=365 * rng.choice([1, 3, 5]) + n),
                    "capacity_kva": 2000.0,
                    "renewal_status": rng.choice([None, "pending", "negotiating", "declined", "renewed"]),
                }
            )
        for n in range(rng.choice([0, 0, 1, 2])):
            market.append(
                {
                    "customer_id": cid,
                    "effective_on": dt.date(2025, 1, 1) + dt.timedelta(days=200 * n + rng.randint(0, 150)),
                    "status": rng.choice(["direct", "retailer", "grid_agency"]),
                    "retailer": rng.choice([None, "甲售电公司", "乙售电公司"]),
                }
            )
        if rng.random() < 0.4:
            for period in periods():
                generation.append(
                    {
                        "customer_id": cid,
                        "period": period,
                        "technology": "solar",
                        "installed_kw": 500.0,
                        "mode": "self_use",
                        "generated_kwh": rng.randint(0, 400_000) / 4,
                        "self_consumed_kwh": rng.randint(0, 200_000) / 4,
                        "exported_kwh": 0.0,
                    }
                )
    for kind, rows in (
        ("customers", customers),
        ("billing", bills),
        ("payments", payments),
        ("applications", applications),
        ("contracts", contracts),
        ("market", market),
        ("generation", generation),
    ):
        write_dataset(store_dir, kind, rows)
    return [*ids, "NOBODY"]
