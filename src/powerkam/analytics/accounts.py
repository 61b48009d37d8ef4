"""One customer's figures from the analytics store, for the account 360 page.

Pure functions over the Parquet store (DuckDB reads it); no Django. Every function takes the
store directory and a customer id and returns plain Python values, empty when the store does not
hold the dataset yet; ``con`` lets a caller share one DuckDB connection between calls.

- :func:`monthly_history` — consumption (kWh) and billed revenue (yuan) per month, 36 months.
- :func:`typical_load_curve` — mean kW per 15-minute slot over the customer's last 28 days of
  interval data, split by day type (working / non-working; weekdays vs weekend for now).
- :func:`bill_record` — every bill with what was paid, when it was settled and how late
  (the definitions of ``docs/rules.md`` §1: known payments are those on or before ``as_of``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from powerkam.analytics import account_bills, store

HISTORY_MONTHS = 36
LOAD_DAYS = 28
SLOTS_PER_DAY = 96
#: Two amounts closer than this are equal (money is exact to the fen).
FEN = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class MonthFigures:
    period: str  # YYYY-MM
    kwh: float | None
    amount_yuan: Decimal | None


@dataclass(frozen=True)
class LoadCurve:
    first_day: dt.date | None
    last_day: dt.date | None
    working_days: int
    non_working_days: int
    #: 96 values (kW, mean per slot; None where no reading fell in the slot).
    working_kw: list[float | None]
    non_working_kw: list[float | None]

    @property
    def empty(self) -> bool:
        return self.first_day is None

    @staticmethod
    def slot_labels() -> list[str]:
        return [f"{slot // 4:02d}:{slot % 4 * 15:02d}" for slot in range(SLOTS_PER_DAY)]


@dataclass(frozen=True)
class Bill:
    period: str
    amount_yuan: Decimal
    due_date: dt.date
    paid_yuan: Decimal
    last_paid_on: dt.date | None
    settled_on: dt.date | None
    #: Days after the due date the bill was settled (or is still open as of ``as_of``); 0 if on time.
    days_late: int
    outstanding_yuan: Decimal

    @property
    def late(self) -> bool:
        return self.days_late > 0

    @property
    def in_arrears(self) -> bool:
        """Unpaid after its due date."""
        return self.outstanding_yuan > 0 and self.days_late > 0


@contextmanager
def connection(con: duckdb.DuckDBPyConnection | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The caller's connection (a web server shares one: opening a database costs more than these
    queries), or a fresh in-memory one closed afterwards."""
    if con is not None:
        yield con
        return
    with duckdb.connect(database=":memory:") as own:
        yield own


def source_path(store_dir: Path, kind: str) -> str | None:
    return store.dataset_source(store_dir, kind)


def shift_period(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def monthly_history(
    store_dir: Path,
    customer_id: str,
    *,
    months: int = HISTORY_MONTHS,
    end_period: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[MonthFigures]:
    """The ``months`` billing periods ending with ``end_period`` (default: the customer's latest bill).

    Every month of the window is present; a month without a bill has ``None`` figures.
    """
    if (found := account_bills.rows_of(store_dir, customer_id, payments=False)) is not None:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for bill in found.bills:
            grouped.setdefault(bill["period"], []).append(bill)
        rows: list[Any] = [
            (period, _sum(b["kwh"] for b in bills), _sum(b["amount_yuan"] for b in bills))
            for period, bills in sorted(grouped.items())
        ]
    else:
        source = source_path(store_dir, "billing")
        if source is None:
            return []
        with connection(con) as con:
            rows = con.execute(
                "SELECT period, sum(kwh) AS kwh, sum(amount_yuan) AS amount_yuan "
                "FROM read_parquet(?) WHERE customer_id = ? GROUP BY period ORDER BY period",
                [source, customer_id],
            ).fetchall()
    if not rows:
        return []
    by_period = {period: (kwh, amount) for period, kwh, amount in rows}
    last = end_period or rows[-1][0]
    periods = [shift_period(last, -offset) for offset in range(months - 1, -1, -1)]
    result = []
    for period in periods:
        kwh, amount = by_period.get(period, (None, None))
        result.append(
            MonthFigures(
                period=period,
                kwh=None if kwh is None else float(kwh),
                amount_yuan=None if amount is None else Decimal(amount).quantize(FEN),
            )
        )
    return result


def _sum(values: Iterable[Any]) -> Any:
    """SQL's sum: of the values that are not null; null when none is."""
    known = [v for v in values if v is not None]
    return sum(known[1:], known[0]) if known else None


def _bill_rows(found: account_bills.CustomerRows, as_of: dt.date) -> list[tuple[Any, ...]]:
    """:func:`bill_record`'s query over the copy of :mod:`account_bills`: each bill (period, None, amount,
    due date) and each day's payments known on ``as_of`` (period, day, amount, None), newest period
    first, a period's bill before its payments, the payments by day."""
    bills: dict[str, list[dict[str, Any]]] = {}
    for bill in found.bills:
        bills.setdefault(bill["period"], []).append(bill)
    paid: dict[tuple[str, dt.date], list[Decimal]] = {}
    for payment in found.payments:
        if payment["paid_on"] <= as_of:
            paid.setdefault((payment["period"], payment["paid_on"]), []).append(payment["amount_yuan"])
    rows: list[tuple[Any, ...]] = [
        (period, None, _sum(b["amount_yuan"] for b in group), min(b["due_date"] for b in group))
        for period, group in bills.items()
    ]
    rows += [(period, day, _sum(amounts), None) for (period, day), amounts in paid.items()]
    rows.sort(key=lambda r: (r[1] is not None, r[1] or dt.date.min))  # the bill first, then by day …
    rows.sort(key=lambda r: r[0], reverse=True)  # … within each period, newest first (a stable sort)
    return rows


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday. The official PRC calendar (adjusted working days) comes with the workdays app."""
    return day.weekday() < 5


def typical_load_curve(
    store_dir: Path, customer_id: str, *, days: int = LOAD_DAYS, con: duckdb.DuckDBPyConnection | None = None
) -> LoadCurve:
    """Mean kW per 15-minute slot of day over the customer's last ``days`` days of readings."""
    empty = LoadCurve(None, None, 0, 0, [None] * SLOTS_PER_DAY, [None] * SLOTS_PER_DAY)
    source = source_path(store_dir, "loads")
    if source is None:
        return empty
    with connection(con) as con:
        rows = con.execute(
            """
            WITH mine AS (SELECT ts, kw FROM read_parquet(?) WHERE customer_id = ?),
                 last_day AS (SELECT max(ts)::DATE AS d FROM mine)
            SELECT ts::DATE AS day,
                   (extract(hour FROM ts) * 4 + extract(minute FROM ts) // 15)::INTEGER AS slot,
                   avg(kw) AS kw
            FROM mine, last_day
            WHERE ts >= last_day.d - (? - 1) * INTERVAL 1 DAY
            GROUP BY day, slot
            """,
            [source, customer_id, days],
        ).fetchall()
    if not rows:
        return empty
    sums: dict[bool, list[float]] = {True: [0.0] * SLOTS_PER_DAY, False: [0.0] * SLOTS_PER_DAY}
    counts: dict[bool, list[int]] = {True: [0] * SLOTS_PER_DAY, False: [0] * SLOTS_PER_DAY}
    day_types: dict[dt.date, bool] = {}
    for day, slot, kw in rows:
        working = is_working_day(day)
        day_types[day] = working
        sums[working][slot] += float(kw)
        counts[working][slot] += 1

    def means(working: bool) -> list[float | None]:
        return [round(total / n, 3) if n else None for total, n in zip(sums[working], counts[working], strict=True)]

    return LoadCurve(
        first_day=min(day_types),
        last_day=max(day_types),
        working_days=sum(1 for w in day_types.values() if w),
        non_working_days=sum(1 for w in day_types.values() if not w),
        working_kw=means(True),
        non_working_kw=means(False),
    )


def bill_record(
    store_dir: Path,
    customer_id: str,
    *,
    as_of: dt.date,
    months: int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[Bill]:
    """Every bill of the customer (newest first), with the payments known on ``as_of``.

    A bill is settled on the first date on which its known payments add up to its amount (within
    0.01 yuan); a zero bill is settled on its due date. days_late = (settled date, or ``as_of`` if
    unsettled) − due date, for bills due on or before ``as_of``; 0 when paid on time.
    """
    if (found := account_bills.rows_of(store_dir, customer_id)) is not None:
        rows = _bill_rows(found, as_of)
    else:
        billing = source_path(store_dir, "billing")
        if billing is None:
            return []
        payments = source_path(store_dir, "payments")
        # One round trip for both files (each query costs ~2.5 ms, most of it fixed): bills are the rows
        # with no payment date, payments the rows with one.
        sql = (
            "SELECT period, NULL::DATE AS paid_on, sum(amount_yuan) AS amount, min(due_date) AS due "
            "FROM read_parquet(?) WHERE customer_id = ? GROUP BY period"
        )
        params: list[object] = [billing, customer_id]
        if payments is not None:
            sql += (
                " UNION ALL SELECT period, paid_on, sum(amount_yuan), NULL FROM read_parquet(?) "
                "WHERE customer_id = ? AND paid_on <= ? GROUP BY period, paid_on"
            )
            params += [payments, customer_id, as_of]
        with connection(con) as con:
            rows = con.execute(f"{sql} ORDER BY period DESC, paid_on NULLS FIRST", params).fetchall()
    bills = []
    paid_by_period: dict[str, list[tuple[dt.date, Decimal]]] = {}  # each period's payments by date
    for period, paid_on, amount, due in rows:
        if paid_on is None:
            bills.append((period, amount, due))
        else:
            paid_by_period.setdefault(period, []).append((paid_on, Decimal(amount)))
    if months is not None:
        bills = bills[:months]

    record = []
    for period, amount, due_date in bills:
        amount = Decimal(amount).quantize(FEN)
        paid = ZERO
        settled_on: dt.date | None = due_date if amount == 0 else None
        last_paid_on = None
        for paid_on, paid_amount in paid_by_period.get(period, []):
            paid += paid_amount
            last_paid_on = paid_on
            if settled_on is None and paid >= amount - FEN:
                settled_on = paid_on
        # A bill not yet due cannot be late; one settled on time is 0 days late.
        days_late = 0 if due_date > as_of else max(0, ((settled_on or as_of) - due_date).days)
        record.append(
            Bill(
                period=period,
                amount_yuan=amount,
                due_date=due_date,
                paid_yuan=paid.quantize(FEN),
                last_paid_on=last_paid_on,
                settled_on=settled_on,
                days_late=days_late,
                outstanding_yuan=max(ZERO, amount - paid).quantize(FEN),
            )
        )
    return record
