"""The key-account portfolio from the analytics store, for the marketing head's overview.

Pure functions over the Parquet store (DuckDB reads it); no Django. The caller passes the customer
ids of the portfolio (the key accounts a user sees); the store holds every customer of the base.

- :func:`portfolio_share` — per month, the consumption (kWh) and billed revenue (yuan) of the
  portfolio against the whole customer base ("key accounts are x % of what we sell").
- :func:`overdue_bills` — the portfolio's bills unpaid after their due date as of a day, with the
  amount still owed (known payments are those on or before ``as_of``, as in docs/rules.md §1).
- :func:`aging` — those bills in age buckets (days past the due date), the collection view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from powerkam.analytics.accounts import FEN, ZERO, connection, shift_period, source_path

#: Age buckets of overdue bills, in days past the due date: (first day, last day or None).
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((1, 30), (31, 90), (91, 180), (181, None))


@dataclass(frozen=True)
class ShareMonth:
    period: str  # YYYY-MM
    total_kwh: float
    portfolio_kwh: float
    total_yuan: Decimal
    portfolio_yuan: Decimal

    @property
    def kwh_share(self) -> float | None:
        """The portfolio's share of the month's consumption, 0–1 (None for a month with none)."""
        return self.portfolio_kwh / self.total_kwh if self.total_kwh else None

    @property
    def yuan_share(self) -> float | None:
        return float(self.portfolio_yuan / self.total_yuan) if self.total_yuan else None


def _portfolio_table(con: duckdb.DuckDBPyConnection, customer_ids: Sequence[str]) -> str:
    """Registers the ids as a relation of this connection (a cursor of its own: names do not clash)."""
    con.register("portfolio_ids", pa.table({"customer_id": pa.array(sorted(set(customer_ids)), pa.string())}))
    return "portfolio_ids"


def portfolio_share(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    months: int = 36,
    end_period: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[ShareMonth]:
    """The last ``months`` months of bills (ending ``end_period``, else the newest billed month),
    oldest first: the whole base and the portfolio's part of it."""
    billing = source_path(store_dir, "billing")
    if billing is None:
        return []
    with connection(con) as con:
        if end_period is None:
            end_period = con.execute("SELECT max(period) FROM read_parquet(?)", [billing]).fetchall()[0][0]
            if end_period is None:
                return []
        ids = _portfolio_table(con, customer_ids)
        rows = con.execute(
            f"""
            SELECT b.period,
                   coalesce(sum(b.kwh), 0),
                   coalesce(sum(b.kwh) FILTER (WHERE p.customer_id IS NOT NULL), 0),
                   coalesce(sum(b.amount_yuan), 0),
                   coalesce(sum(b.amount_yuan) FILTER (WHERE p.customer_id IS NOT NULL), 0)
            FROM read_parquet(?) b LEFT JOIN {ids} p ON p.customer_id = b.customer_id
            WHERE b.period > ? AND b.period <= ?
            GROUP BY b.period ORDER BY b.period
            """,
            [billing, shift_period(end_period, -months), end_period],
        ).fetchall()
    return [
        ShareMonth(period, float(kwh), float(mine_kwh), Decimal(yuan).quantize(FEN), Decimal(mine_yuan).quantize(FEN))
        for period, kwh, mine_kwh, yuan, mine_yuan in rows
    ]


@dataclass(frozen=True)
class OverdueBill:
    customer_id: str
    period: str
    due_date: dt.date
    amount_yuan: Decimal
    outstanding_yuan: Decimal
    #: Days past the due date on ``as_of`` (≥ 1).
    days_overdue: int


def overdue_bills(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    as_of: dt.date,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[OverdueBill]:
    """Every bill of the portfolio due before ``as_of`` and not fully paid by then (more than one fen
    owed), most owed first."""
    billing = source_path(store_dir, "billing")
    if billing is None or not customer_ids:
        return []
    payments = source_path(store_dir, "payments")
    with connection(con) as con:
        ids = _portfolio_table(con, customer_ids)
        paid, params = "SELECT NULL::VARCHAR AS customer_id, NULL::VARCHAR AS period, 0 AS paid WHERE false", []
        if payments is not None:
            paid = (
                f"SELECT y.customer_id, y.period, sum(y.amount_yuan) AS paid FROM read_parquet(?) y "
                f"SEMI JOIN {ids} p ON p.customer_id = y.customer_id WHERE y.paid_on <= ? GROUP BY ALL"
            )
            params = [payments, as_of]
        rows = con.execute(
            f"""
            WITH bills AS (
                SELECT b.customer_id, b.period, sum(b.amount_yuan) AS amount, min(b.due_date) AS due_date
                FROM read_parquet(?) b SEMI JOIN {ids} p ON p.customer_id = b.customer_id
                GROUP BY ALL HAVING min(b.due_date) < ?
            ), paid AS ({paid})
            SELECT bills.customer_id, bills.period, bills.due_date, bills.amount,
                   bills.amount - coalesce(paid.paid, 0) AS owed
            FROM bills LEFT JOIN paid USING (customer_id, period)
            WHERE bills.amount - coalesce(paid.paid, 0) > ?
            ORDER BY owed DESC, bills.customer_id, bills.period
            """,
            [billing, as_of, *params, FEN],
        ).fetchall()
    return [
        OverdueBill(
            customer_id=customer_id,
            period=period,
            due_date=due_date,
            amount_yuan=Decimal(amount).quantize(FEN),
            outstanding_yuan=Decimal(owed).quantize(FEN),
            days_overdue=(as_of - due_date).days,
        )
        for customer_id, period, due_date, amount, owed in rows
    ]


@dataclass(frozen=True)
class AgeBucket:
    first_day: int
    last_day: int | None
    bills: int
    customers: int
    outstanding_yuan: Decimal


def aging(bills: Sequence[OverdueBill], buckets: Sequence[tuple[int, int | None]] = AGE_BUCKETS) -> list[AgeBucket]:
    """The overdue bills by days past due; a customer counts in each bucket one of its bills is in."""
    result = []
    for first, last in buckets:
        inside = [b for b in bills if b.days_overdue >= first and (last is None or b.days_overdue <= last)]
        result.append(
            AgeBucket(
                first_day=first,
                last_day=last,
                bills=len(inside),
                customers=len({b.customer_id for b in inside}),
                outstanding_yuan=sum((b.outstanding_yuan for b in inside), ZERO),
            )
        )
    return result


def customer_totals(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    months: int = 12,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, tuple[float, Decimal]]:
    """Each customer's consumption (kWh) and billed revenue (yuan) over the base's last ``months``
    billed months (ending with the newest period in the billing file); customers without bills then
    are left out."""
    billing = source_path(store_dir, "billing")
    if billing is None or not customer_ids:
        return {}
    with connection(con) as con:
        ids = _portfolio_table(con, customer_ids)
        rows = con.execute(
            f"""
            WITH last AS (SELECT max(period) AS p FROM read_parquet(?))
            SELECT b.customer_id, coalesce(sum(b.kwh), 0), coalesce(sum(b.amount_yuan), 0)
            FROM read_parquet(?) b SEMI JOIN {ids} i ON i.customer_id = b.customer_id, last
            WHERE b.period > strftime(strptime(last.p || '-01', '%Y-%m-%d') - to_months(?), '%Y-%m')
              AND b.period <= last.p
            GROUP BY b.customer_id
            """,
            [billing, billing, months],
        ).fetchall()
    return {cid: (float(kwh), Decimal(yuan).quantize(FEN)) for cid, kwh, yuan in rows}
