"""The key-account portfolio from the analytics store, for the marketing head's overview.

Pure functions over the Parquet store; no Django. Each query is written once in Ibis
(:func:`share_table`, :func:`overdue_table`, :func:`totals_table`) and runs on the engine
``POWERKAM_ANALYTICS_BACKEND`` names (DuckDB by default, or PySpark; ``backend=`` chooses). The caller passes the customer
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
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow.compute as pc
import pyarrow.parquet as pq

from powerkam.analytics import store
from powerkam.analytics.accounts import FEN, ZERO, shift_period, source_path
from powerkam.analytics.grading_backends import drop_temp_table, ids_table, store_connection

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


#: Names of the working tables and views in the connection (one query at a time per connection).
_BILLING, _PAYMENTS, _IDS = "powerkam_portfolio_billing", "powerkam_portfolio_payments", "powerkam_portfolio_ids"
_MONEY = "decimal(18,2)"


def latest_period(store_dir: Path, con: Any | None = None) -> str | None:
    """The newest billed period of the store (``None``: no billing). A partitioned store names it
    in its files; an older single file is asked (its ``period`` column only)."""
    if store.is_partitioned(store_dir, "billing"):
        periods = store.partition_files(store_dir, "billing")
        return max(periods) if periods else None
    path = store.dataset_path(store_dir, "billing")
    if not path.exists():
        return None
    # The row groups' statistics when they all have them (no data read), else the column.
    meta = pq.read_metadata(path)
    column = meta.schema.names.index("period")
    found: list[str] = []
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(column).statistics
        if meta.row_group(i).num_rows == 0:
            continue
        if stats is None or not stats.has_min_max or stats.null_count:
            found = [pc.max(pq.read_table(path, columns=["period"]).column(0)).as_py()]
            break
        found.append(stats.max)
    latest = max((p for p in found if p is not None), default=None)
    return None if latest is None else str(latest)


def share_table(billing: ir.Table, ids: ir.Table, *, after: str, through: str) -> ir.Table:
    """Per period in (``after``, ``through``]: the kWh and yuan of every bill, and of the bills of
    the customers in *ids* (a ``customer_id`` table), by period. Ibis, for any engine."""
    window = billing.filter((billing.period > after) & (billing.period <= through))
    # One join marks the portfolio's bills (an IN in each sum would probe the ids once per sum).
    marked = ids.select("customer_id", mine=ibis.literal(True))
    bills = window.left_join(marked, "customer_id").select("period", "kwh", "amount_yuan", "mine")
    mine = bills.mine.notnull()
    return (
        bills.group_by("period")
        .aggregate(
            total_kwh=bills.kwh.sum(),
            portfolio_kwh=bills.kwh.sum(where=mine),
            total_yuan=bills.amount_yuan.sum(),
            portfolio_yuan=bills.amount_yuan.sum(where=mine),
        )
        .order_by("period")
    )


def portfolio_share(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    months: int = 36,
    end_period: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: str | None = None,
) -> list[ShareMonth]:
    """The last ``months`` months of bills (ending ``end_period``, else the newest billed month),
    oldest first: the whole base and the portfolio's part of it.

    Runs on *backend* (default ``POWERKAM_ANALYTICS_BACKEND``, else DuckDB: *con* when given)."""
    billing_source = source_path(store_dir, "billing")
    if billing_source is None:
        return []
    end_period = end_period or latest_period(store_dir)
    if end_period is None:
        return []
    with store_connection(con, backend) as ic:
        ids = ids_table(ic, _IDS, customer_ids)
        try:
            billing = ic.read_parquet(billing_source, table_name=_BILLING)
            rows = share_table(billing, ids, after=shift_period(end_period, -months), through=end_period)
            table = rows.to_pyarrow()
        finally:
            drop_temp_table(ic, _IDS)
    return [
        ShareMonth(
            row["period"],
            float(row["total_kwh"] or 0),
            float(row["portfolio_kwh"] or 0),
            Decimal(row["total_yuan"] or 0).quantize(FEN),
            Decimal(row["portfolio_yuan"] or 0).quantize(FEN),
        )
        for row in table.to_pylist()
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


def overdue_table(billing: ir.Table, payments: ir.Table | None, ids: ir.Table, *, as_of: dt.date) -> ir.Table:
    """The bills of the customers in *ids* due before ``as_of`` and owing more than a fen after the
    payments known on ``as_of`` (docs/rules.md §1), most owed first: ``customer_id, period,
    due_date, amount, owed``. Ibis, for any engine."""
    day = ibis.literal(as_of, type="date")
    mine = billing.filter(billing.customer_id.isin(ids.customer_id))
    bills = mine.group_by(["customer_id", "period"]).aggregate(
        amount=mine.amount_yuan.sum(), due_date=mine.due_date.min()
    )
    bills = bills.filter(bills.due_date < day)
    zero = ibis.literal(ZERO, type=_MONEY)
    if payments is None:
        owing = bills.mutate(owed=bills.amount - zero)
    else:
        known = payments.filter(payments.customer_id.isin(ids.customer_id) & (payments.paid_on <= day))
        paid = known.group_by(["customer_id", "period"]).aggregate(paid=known.amount_yuan.sum())
        joined = bills.left_join(paid, ["customer_id", "period"])
        owing = joined.select(
            "customer_id", "period", "due_date", "amount", owed=joined.amount - ibis.coalesce(joined.paid, zero)
        )
    owing = owing.filter(owing.owed > ibis.literal(FEN, type=_MONEY))
    return owing.select("customer_id", "period", "due_date", "amount", "owed").order_by(
        [ibis.desc("owed"), "customer_id", "period"]
    )


def overdue_bills(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    as_of: dt.date,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: str | None = None,
) -> list[OverdueBill]:
    """Every bill of the portfolio due before ``as_of`` and not fully paid by then (more than one fen
    owed), most owed first (:func:`overdue_table`, on *backend* as :func:`portfolio_share`)."""
    billing_source = source_path(store_dir, "billing")
    if billing_source is None or not customer_ids:
        return []
    with store_connection(con, backend) as ic:
        ids = ids_table(ic, _IDS, customer_ids)
        try:
            return overdue_on(ic, store_dir, ids, as_of=as_of)
        finally:
            drop_temp_table(ic, _IDS)


def overdue_on(con: Any, store_dir: Path, ids: ir.Table, *, as_of: dt.date) -> list[OverdueBill]:
    """:func:`overdue_bills` of the customers in *ids*, a table of the Ibis connection *con* (a
    caller that already has both: the churn signals' arrears)."""
    billing = con.read_parquet(source_path(store_dir, "billing"), table_name=_BILLING)
    payments_source = source_path(store_dir, "payments")
    payments = con.read_parquet(payments_source, table_name=_PAYMENTS) if payments_source else None
    table = overdue_table(billing, payments, ids, as_of=as_of).to_pyarrow()
    return [
        OverdueBill(
            customer_id=row["customer_id"],
            period=row["period"],
            due_date=row["due_date"],
            amount_yuan=Decimal(row["amount"]).quantize(FEN),
            outstanding_yuan=Decimal(row["owed"]).quantize(FEN),
            days_overdue=(as_of - row["due_date"]).days,
        )
        for row in table.to_pylist()
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


def totals_table(billing: ir.Table, ids: ir.Table, *, after: str, through: str) -> ir.Table:
    """Each customer of *ids*' kWh and yuan billed in the periods (``after``, ``through``]
    (``customer_id, kwh, yuan``; customers without bills then left out). Ibis, for any engine."""
    bills = billing.filter(
        billing.customer_id.isin(ids.customer_id) & (billing.period > after) & (billing.period <= through)
    )
    return bills.group_by("customer_id").aggregate(kwh=bills.kwh.sum(), yuan=bills.amount_yuan.sum())


def customer_totals(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    months: int = 12,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: str | None = None,
) -> dict[str, tuple[float, Decimal]]:
    """Each customer's consumption (kWh) and billed revenue (yuan) over the base's last ``months``
    billed months (ending with the newest period in the billing file); customers without bills then
    are left out (:func:`totals_table`, on *backend* as :func:`portfolio_share`)."""
    billing_source = source_path(store_dir, "billing")
    if billing_source is None or not customer_ids:
        return {}
    last = latest_period(store_dir)
    if last is None:
        return {}
    with store_connection(con, backend) as ic:
        ids = ids_table(ic, _IDS, customer_ids)
        try:
            billing = ic.read_parquet(billing_source, table_name=_BILLING)
            table = totals_table(billing, ids, after=shift_period(last, -months), through=last).to_pyarrow()
        finally:
            drop_temp_table(ic, _IDS)
    return {
        row["customer_id"]: (float(row["kwh"] or 0), Decimal(row["yuan"] or 0).quantize(FEN))
        for row in table.to_pylist()
    }
