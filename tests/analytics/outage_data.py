"""Hand-made interval loads for the outage tests (docs/rules.md §4).

Customer K1, on the 28 days 2026-10-04 … 2026-10-31 (its last 28 days of data):
working days (official calendar: 2026-10-10 is an adjusted working Saturday, 10-05 a holiday
Monday) draw ``slot`` kW in 15-minute slot ``slot`` of the day (0 … 95); non-working days draw
``1000 + slot`` kW. Older readings (10-01 … 10-03) are 99,999 kW and must not count.
Customer K2 has the same shape at half the power. Customer K3 has no readings at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from factories import write_dataset
from powerkam.analytics.workcal import WorkCalendar

CALENDAR = WorkCalendar()
FIRST = dt.date(2026, 10, 4)
LAST = dt.date(2026, 10, 31)


def k1_kw(day: dt.date, slot: int) -> float:
    return float(slot) if CALENDAR.is_workday(day).workday else 1000.0 + slot


def write_loads(store_dir: Path) -> Path:
    rows = []
    day = dt.date(2026, 10, 1)
    while day <= LAST:
        for slot in range(96):
            ts = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=15 * slot)
            kw = 99_999.0 if day < FIRST else k1_kw(day, slot)
            rows.append({"customer_id": "K1", "ts": ts, "kw": kw})
            rows.append({"customer_id": "K2", "ts": ts, "kw": kw / 2})
        day += dt.timedelta(days=1)
    return write_dataset(store_dir, "loads", rows)
