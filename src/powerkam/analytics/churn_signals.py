"""The churn signals of the key accounts read from the analytics store (docs/health.md): overdue
arrears against the monthly bill, business applications (减容, 暂停, 迁址, 销户 …), the supply contract
in force, the market status and the growth of the account's own generation (renewables). Pure functions over the Parquet store (DuckDB); no Django.

Each function returns ``{customer_id: figures}`` for the ids asked; a kind never imported returns
``None`` (the signal is unknown for everyone: its part of the score is left out), an account without
rows of a kind that was imported gets the "nothing to report" figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from powerkam.analytics.accounts import connection, shift_period, source_path
from powerkam.analytics.portfolio import _portfolio_table, overdue_bills
from powerkam.analytics.renewables import YearFigures, self_generation_signal

#: Application types that give capacity up for a while or for good.
REDUCING = ("capacity_reduction", "suspension")


@dataclass(frozen=True)
class Arrears:
    yuan: float  # owed on bills past their due date
    days: int  # days past due of the oldest of them
    monthly_bill_yuan: float  # average bill of the last 12 billed months


@dataclass(frozen=True)
class Applications:
    reduced_kva: float = 0.0
    closure_on: str = ""
    relocation_on: str = ""


@dataclass(frozen=True)
class SupplyContract:
    end: dt.date
    days_left: int
    renewal_status: str


@dataclass(frozen=True)
class Market:
    status: str
    since: dt.date
    retailer: str


def arrears(
    store_dir: Path, customer_ids: Sequence[str], *, as_of: dt.date, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, Arrears] | None:
    """Overdue arrears of each account with bills; the accounts without bills are left out. Without
    payments imported nothing can be said of arrears (None), as without bills."""
    billing = source_path(store_dir, "billing")
    if billing is None or source_path(store_dir, "payments") is None or not customer_ids:
        return None
    with connection(con) as con:
        ids = _portfolio_table(con, customer_ids)
        monthly = con.execute(
            f"""
            WITH last AS (SELECT customer_id, period, sum(amount_yuan) AS amount
                          FROM read_parquet(?) b SEMI JOIN {ids} p USING (customer_id)
                          WHERE due_date <= ? + INTERVAL 60 DAY GROUP BY ALL),
                 ranked AS (SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY period DESC) AS n FROM last)
            SELECT customer_id, avg(amount)::DOUBLE FROM ranked WHERE n <= 12 GROUP BY ALL
            """,
            [billing, as_of],
        ).fetchall()
        owed: dict[str, tuple[float, int]] = {}
        for bill in overdue_bills(store_dir, customer_ids, as_of=as_of, con=con):
            yuan, days = owed.get(bill.customer_id, (0.0, 0))
            owed[bill.customer_id] = (yuan + float(bill.outstanding_yuan), max(days, bill.days_overdue))
    return {
        cid: Arrears(owed.get(cid, (0.0, 0))[0], owed.get(cid, (0.0, 0))[1], float(bill or 0.0))
        for cid, bill in monthly
    }


def applications(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    as_of: dt.date,
    months: int = 12,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, Applications] | None:
    """Each account's applications of the ``months`` months up to ``as_of`` (withdrawn ones left out)."""
    path = source_path(store_dir, "applications")
    if path is None:
        return None
    since = as_of - dt.timedelta(days=round(months * 365.25 / 12))
    found: dict[str, Applications] = dict.fromkeys(customer_ids, Applications())
    if not customer_ids:
        return found
    with connection(con) as con:
        ids = _portfolio_table(con, customer_ids)
        rows = con.execute(
            f"""
            SELECT customer_id,
                   coalesce(sum(capacity_kva) FILTER (WHERE type IN {REDUCING}), 0),
                   max(applied_on) FILTER (WHERE type = 'closure'),
                   max(applied_on) FILTER (WHERE type = 'relocation')
            FROM read_parquet(?) a SEMI JOIN {ids} p USING (customer_id)
            WHERE applied_on > ? AND applied_on <= ? AND coalesce(status, 'in_progress') <> 'withdrawn'
            GROUP BY ALL
            """,
            [path, since, as_of],
        ).fetchall()
    for cid, kva, closure, relocation in rows:
        found[cid] = Applications(
            float(kva), f"{closure:%Y-%m-%d}" if closure else "", f"{relocation:%Y-%m-%d}" if relocation else ""
        )
    return found


def contracts(
    store_dir: Path, customer_ids: Sequence[str], *, as_of: dt.date, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, SupplyContract] | None:
    """Each account's contract in force (the latest end among those started by ``as_of``)."""
    path = source_path(store_dir, "contracts")
    if path is None:
        return None
    if not customer_ids:
        return {}
    with connection(con) as con:
        ids = _portfolio_table(con, customer_ids)
        rows = con.execute(
            f"""
            SELECT customer_id, arg_max(end_on, end_on), arg_max(coalesce(renewal_status, ''), end_on)
            FROM read_parquet(?) c SEMI JOIN {ids} p USING (customer_id)
            WHERE start_on <= ? GROUP BY ALL
            """,
            [path, as_of],
        ).fetchall()
    return {cid: SupplyContract(end, (end - as_of).days, status) for cid, end, status in rows}


def market(
    store_dir: Path, customer_ids: Sequence[str], *, as_of: dt.date, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, Market] | None:
    """Each account's market status on ``as_of`` (the newest row on or before it); accounts without
    rows buy through the grid's agency purchase and are left out."""
    path = source_path(store_dir, "market")
    if path is None:
        return None
    if not customer_ids:
        return {}
    with connection(con) as con:
        ids = _portfolio_table(con, customer_ids)
        rows = con.execute(
            f"""
            SELECT customer_id, arg_max(status, effective_on), max(effective_on),
                   arg_max(coalesce(retailer, ''), effective_on)
            FROM read_parquet(?) m SEMI JOIN {ids} p USING (customer_id)
            WHERE effective_on <= ? GROUP BY ALL
            """,
            [path, as_of],
        ).fetchall()
    return {cid: Market(status, since, retailer) for cid, status, since, retailer in rows}


@dataclass(frozen=True)
class SelfGeneration:
    """Own generation of the 12 months to a period against the 12 months before, and how much of the
    account's supply it already is; ``risk`` is :func:`powerkam.analytics.renewables.self_generation_signal`
    (0 none … 1 high; None: no generation a year earlier to compare with)."""

    generated_kwh: float
    generated_kwh_prior: float
    self_consumed_kwh: float
    grid_kwh: float
    growth: float | None
    own_share: float
    risk: float | None


def self_generation(
    store_dir: Path, customer_ids: Sequence[str], *, period: str, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, SelfGeneration] | None:
    """Each account's own generation (renewables ``generation`` kind) over the 12 months ending
    ``period`` against the 12 before, with its grid kWh (billing) of the same 12 months. None when no
    generation was imported; accounts without generation rows are left out (no part for them)."""
    path = source_path(store_dir, "generation")
    if path is None:
        return None
    if not customer_ids:
        return {}
    billing = source_path(store_dir, "billing")
    start, prior_start, prior_end = shift_period(period, -11), shift_period(period, -23), shift_period(period, -12)
    with connection(con) as con:
        ids = _portfolio_table(con, customer_ids)
        grid = (
            f"""SELECT customer_id, sum(kwh) AS kwh FROM read_parquet($billing) SEMI JOIN {ids} p USING (customer_id)
                WHERE period BETWEEN $start AND $period GROUP BY customer_id"""
            if billing
            else "SELECT NULL::VARCHAR AS customer_id, NULL::DOUBLE AS kwh WHERE false"
        )
        rows = con.execute(
            f"""
            WITH gen AS (
                SELECT customer_id,
                       sum(generated_kwh) FILTER (WHERE period BETWEEN $start AND $period) AS generated,
                       sum(generated_kwh) FILTER (WHERE period BETWEEN $prior_start AND $prior_end) AS prior,
                       sum(self_consumed_kwh) FILTER (WHERE period BETWEEN $start AND $period) AS own
                FROM read_parquet($generation) SEMI JOIN {ids} p USING (customer_id)
                WHERE period BETWEEN $prior_start AND $period
                GROUP BY customer_id),
            grid AS ({grid})
            SELECT gen.customer_id, generated, prior, own, grid.kwh FROM gen LEFT JOIN grid USING (customer_id)
            """,
            {
                "generation": path,
                "start": start,
                "period": period,
                "prior_start": prior_start,
                "prior_end": prior_end,
                **({"billing": billing} if billing else {}),
            },
        ).fetchall()
    found = {}
    for cid, generated, prior, own, grid in rows:
        figures = YearFigures(
            cid,
            int(period[:4]),
            consumption_kwh=float(grid or 0),
            generated_kwh=float(generated or 0),
            self_consumed_kwh=float(own or 0),
            generated_kwh_prior=float(prior) if prior else None,
        )
        supply = figures.self_consumed_kwh + figures.consumption_kwh
        found[cid] = SelfGeneration(
            generated_kwh=figures.generated_kwh,
            generated_kwh_prior=float(prior or 0),
            self_consumed_kwh=figures.self_consumed_kwh,
            grid_kwh=figures.consumption_kwh,
            growth=figures.generation_growth,
            own_share=figures.self_consumed_kwh / supply if supply > 0 else 0.0,
            risk=self_generation_signal(figures),
        )
    return found
