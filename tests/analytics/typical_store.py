"""Random interval loads for the typical-load equality tests (DuckDB = PySpark, docs/rules.md §4).

Seeded, so a failure can be replayed. Each customer has its own last day (so windows differ),
some start inside their window, some skip days, some readings are missing (null kW) or off the
quarter hour (07:14 belongs to slot 28), and the data crosses the 2026 National Day holidays and the
new year, so both day types and adjusted working days occur.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from powerkam.analytics import store

LAST = dt.date(2027, 1, 10)


def write_random_loads(store_dir: Path, *, customers: int = 40, seed: int = 7) -> list[str]:
    """Write a ``loads`` dataset; the customer ids with readings, and one id without any (last)."""
    rng = np.random.default_rng(seed)
    ids, stamps, kws = [], [], []
    names = [f"L{i:03d}" for i in range(customers)]
    for n, cid in enumerate(names):
        last = LAST - dt.timedelta(days=int(rng.integers(0, 110)))
        span = int(rng.integers(3, 45))  # fewer or more days than a 28-day window
        base = float(rng.choice([0.0, 1.0, 250.0, 12_000.0]))
        for back in range(span):
            day = last - dt.timedelta(days=back)
            if n % 5 == 1 and rng.random() < 0.3:
                continue  # a day without readings
            minutes = np.arange(96) * 15
            if n % 7 == 3:
                minutes = minutes + rng.integers(0, 15, size=96)  # not on the quarter hour
            values = base + rng.random(96) * 100
            midnight = np.datetime64(day, "us")
            for m, v in zip(minutes.tolist(), values.tolist(), strict=True):
                ids.append(cid)
                stamps.append(midnight + np.timedelta64(int(m), "m"))
                kws.append(None if n % 4 == 2 and rng.random() < 0.1 else v)
    table = pa.table(
        {"customer_id": pa.array(ids, pa.string()), "ts": pa.array(stamps, pa.timestamp("us")), "kw": pa.array(kws)},
        schema=store.SCHEMAS["loads"],
    )
    path = store.dataset_path(store_dir, "loads")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Shuffled: no engine may rely on the file's order.
    pq.write_table(table.take(rng.permutation(table.num_rows)), path, row_group_size=20_000)
    return [*names, "NOBODY"]
