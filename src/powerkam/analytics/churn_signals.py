"""The churn signals of the key accounts read from the analytics store (docs/health.md): overdue
arrears against the monthly bill, business applications (减容, 暂停, 迁址, 销户 …), the supply contract
in force, the market status and the growth of the account's own generation (renewables). Pure
functions over the Parquet store; no Django. Each query is written once in Ibis (the ``*_table``
functions) and runs on the engine ``POWERKAM_ANALYTICS_BACKEND`` names (DuckDB by default, or
PySpark; ``backend=`` chooses).

Each function returns ``{customer_id: figures}`` for the ids asked; a kind never imported returns
``None`` (the signal is unknown for everyone: its part of the score is left out), an account without
rows of a kind that was imported gets the "nothing to report" figures."""

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

from powerkam.analytics.accounts import shift_period, source_path
from powerkam.analytics.grading_backends import drop_temp_table, ids_table, store_connection
from powerkam.analytics.portfolio import overdue_on
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


#: Names of the working tables and views in the connection (one query at a time per connection).
_IDS = "powerkam_signals_ids"


def _view(con: Any, store_dir: Path, kind: str) -> ir.Table:
    """The store's *kind* dataset as a view of the Ibis connection *con* (the caller checked it exists)."""
    source = source_path(store_dir, kind)
    assert source is not None
    return con.read_parquet(source, table_name=f"powerkam_signals_{kind}")


def monthly_bill_table(billing: ir.Table, ids: ir.Table, *, as_of: dt.date) -> ir.Table:
    """Each account's bills of its last 12 billed periods (due by ``as_of`` + 60 days): ``customer_id,
    yuan`` (their sum), ``bills`` (their number). Ibis, for any engine."""
    mine = billing.filter(
        billing.customer_id.isin(ids.customer_id)
        & (billing.due_date <= ibis.literal(as_of + dt.timedelta(days=60), type="date"))
    )
    periods = mine.group_by(["customer_id", "period"]).aggregate(amount=mine.amount_yuan.sum())
    ranked = periods.mutate(n=ibis.row_number().over(group_by=periods.customer_id, order_by=ibis.desc(periods.period)))
    latest = ranked.filter(ranked.n < 12)  # row_number counts from 0
    return latest.group_by("customer_id").aggregate(yuan=latest.amount.sum(), bills=latest.count())


def arrears(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    as_of: dt.date,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: str | None = None,
) -> dict[str, Arrears] | None:
    """Overdue arrears of each account with bills; the accounts without bills are left out. Without
    payments imported nothing can be said of arrears (None), as without bills.

    The monthly bill is the average of the last 12 billed months, their sum divided here (exact
    decimals from the engine: the same on every one)."""
    billing = source_path(store_dir, "billing")
    if billing is None or source_path(store_dir, "payments") is None or not customer_ids:
        return None
    with store_connection(con, backend) as ic:
        ids = ids_table(ic, _IDS, customer_ids)
        try:
            monthly = monthly_bill_table(_view(ic, store_dir, "billing"), ids, as_of=as_of).to_pyarrow().to_pylist()
            overdue = overdue_on(ic, store_dir, ids, as_of=as_of)
        finally:
            drop_temp_table(ic, _IDS)
    owed: dict[str, tuple[float, int]] = {}
    for bill in overdue:
        yuan, days = owed.get(bill.customer_id, (0.0, 0))
        owed[bill.customer_id] = (yuan + float(bill.outstanding_yuan), max(days, bill.days_overdue))
    return {
        row["customer_id"]: Arrears(
            owed.get(row["customer_id"], (0.0, 0))[0],
            owed.get(row["customer_id"], (0.0, 0))[1],
            float(Decimal(row["yuan"] or 0) / row["bills"]),
        )
        for row in monthly
    }


def applications_table(applications: ir.Table, ids: ir.Table, *, since: dt.date, as_of: dt.date) -> ir.Table:
    """Each account's applications in (``since``, ``as_of``], withdrawn ones left out: capacity reduced
    or paused (kVA), latest closure and relocation applied for. Ibis, for any engine."""
    a = applications
    mine = a.filter(
        a.customer_id.isin(ids.customer_id)
        & (a.applied_on > ibis.literal(since, type="date"))
        & (a.applied_on <= ibis.literal(as_of, type="date"))
        & (ibis.coalesce(a.status, "in_progress") != "withdrawn")
    )
    return mine.group_by("customer_id").aggregate(
        kva=mine.capacity_kva.sum(where=mine.type.isin(REDUCING)),
        closure=mine.applied_on.max(where=mine.type == "closure"),
        relocation=mine.applied_on.max(where=mine.type == "relocation"),
    )


def applications(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    as_of: dt.date,
    months: int = 12,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: str | None = None,
) -> dict[str, Applications] | None:
    """Each account's applications of the ``months`` months up to ``as_of`` (withdrawn ones left out)."""
    if source_path(store_dir, "applications") is None:
        return None
    since = as_of - dt.timedelta(days=round(months * 365.25 / 12))
    found: dict[str, Applications] = dict.fromkeys(customer_ids, Applications())
    if not customer_ids:
        return found
    with store_connection(con, backend) as ic:
        ids = ids_table(ic, _IDS, customer_ids)
        try:
            table = applications_table(_view(ic, store_dir, "applications"), ids, since=since, as_of=as_of)
            rows = table.to_pyarrow().to_pylist()
        finally:
            drop_temp_table(ic, _IDS)
    for row in rows:
        closure, relocation = row["closure"], row["relocation"]
        found[row["customer_id"]] = Applications(
            float(row["kva"] or 0),
            f"{closure:%Y-%m-%d}" if closure else "",
            f"{relocation:%Y-%m-%d}" if relocation else "",
        )
    return found


def contracts_table(contracts: ir.Table, ids: ir.Table, *, as_of: dt.date) -> ir.Table:
    """Each account's contract in force on ``as_of``: the latest end among those started by then, and
    its renewal status. Ibis, for any engine."""
    mine = contracts.filter(
        contracts.customer_id.isin(ids.customer_id) & (contracts.start_on <= ibis.literal(as_of, type="date"))
    )
    return mine.group_by("customer_id").aggregate(
        end=mine.end_on.max(), status=ibis.coalesce(mine.renewal_status, "").argmax(mine.end_on)
    )


def contracts(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    as_of: dt.date,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: str | None = None,
) -> dict[str, SupplyContract] | None:
    """Each account's contract in force (the latest end among those started by ``as_of``)."""
    if source_path(store_dir, "contracts") is None:
        return None
    if not customer_ids:
        return {}
    with store_connection(con, backend) as ic:
        ids = ids_table(ic, _IDS, customer_ids)
        try:
            rows = contracts_table(_view(ic, store_dir, "contracts"), ids, as_of=as_of).to_pyarrow().to_pylist()
        finally:
            drop_temp_table(ic, _IDS)
    return {r["customer_id"]: SupplyContract(r["end"], (r["end"] - as_of).days, r["status"]) for r in rows}


def market_table(market: ir.Table, ids: ir.Table, *, as_of: dt.date) -> ir.Table:
    """Each account's market status on ``as_of``: its newest row on or before it. Ibis, for any engine."""
    mine = market.filter(
        market.customer_id.isin(ids.customer_id) & (market.effective_on <= ibis.literal(as_of, type="date"))
    )
    return mine.group_by("customer_id").aggregate(
        status=mine.status.argmax(mine.effective_on),
        since=mine.effective_on.max(),
        retailer=ibis.coalesce(mine.retailer, "").argmax(mine.effective_on),
    )


def market(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    as_of: dt.date,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: str | None = None,
) -> dict[str, Market] | None:
    """Each account's market status on ``as_of`` (the newest row on or before it); accounts without
    rows buy through the grid's agency purchase and are left out."""
    if source_path(store_dir, "market") is None:
        return None
    if not customer_ids:
        return {}
    with store_connection(con, backend) as ic:
        ids = ids_table(ic, _IDS, customer_ids)
        try:
            rows = market_table(_view(ic, store_dir, "market"), ids, as_of=as_of).to_pyarrow().to_pylist()
        finally:
            drop_temp_table(ic, _IDS)
    return {r["customer_id"]: Market(r["status"], r["since"], r["retailer"]) for r in rows}


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


def self_generation_table(generation: ir.Table, billing: ir.Table | None, ids: ir.Table, *, period: str) -> ir.Table:
    """Each account's own generation of the 12 months ending ``period`` and of the 12 before, its
    self-consumed kWh and its grid kWh (billing) of the same 12 months (accounts with generation
    rows only). Ibis, for any engine."""
    start, prior_start, prior_end = shift_period(period, -11), shift_period(period, -23), shift_period(period, -12)
    g = generation.filter(generation.customer_id.isin(ids.customer_id) & generation.period.between(prior_start, period))
    recent = g.period.between(start, period)
    gen = g.group_by("customer_id").aggregate(
        generated=g.generated_kwh.sum(where=recent),
        prior=g.generated_kwh.sum(where=g.period.between(prior_start, prior_end)),
        own=g.self_consumed_kwh.sum(where=recent),
    )
    if billing is None:
        return gen.mutate(grid=ibis.null("float64"))
    b = billing.filter(billing.customer_id.isin(ids.customer_id) & billing.period.between(start, period))
    grid = b.group_by("customer_id").aggregate(grid=b.kwh.sum())
    joined = gen.left_join(grid, "customer_id")
    return joined.select("customer_id", "generated", "prior", "own", "grid")


def self_generation(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    period: str,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: str | None = None,
) -> dict[str, SelfGeneration] | None:
    """Each account's own generation (renewables ``generation`` kind) over the 12 months ending
    ``period`` against the 12 before, with its grid kWh (billing) of the same 12 months. None when no
    generation was imported; accounts without generation rows are left out (no part for them)."""
    if source_path(store_dir, "generation") is None:
        return None
    if not customer_ids:
        return {}
    with store_connection(con, backend) as ic:
        ids = ids_table(ic, _IDS, customer_ids)
        try:
            billing = _view(ic, store_dir, "billing") if source_path(store_dir, "billing") else None
            table = self_generation_table(_view(ic, store_dir, "generation"), billing, ids, period=period)
            found_rows = table.to_pyarrow().to_pylist()
        finally:
            drop_temp_table(ic, _IDS)
    rows = [(r["customer_id"], r["generated"], r["prior"], r["own"], r["grid"]) for r in found_rows]
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
