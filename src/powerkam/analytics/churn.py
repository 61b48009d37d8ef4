"""A churn model that learns from the base's own history (docs/health.md, "The churn model").

1. **Losses from history.** :class:`LossDefinition` says when a key account counts as lost: a
   closure (销户) applied for, a move to a retailer (售电公司代理), or its consumption collapsing —
   the kWh of ``drop_months`` months below ``drop_fraction`` of the same months a year earlier.
   Applied to the store's history, it gives each account the month it was lost (or none).
2. **Features as of month T** (:data:`FEATURES`), from what was known at the end of T only:
   consumption year on year, against the quarter before, its recent slope and idle months,
   overdue arrears against the monthly bill and their age, capacity reduced or paused and
   relocations applied for in 12 months, direct trading, days to the end of the supply contract.
   Label: lost within the next ``horizon`` months.
3. **A gradient-boosted classifier** (LightGBM, monotone in each signal), calibrated by Platt
   scaling on the last training months, with per-account reasons from its own feature contributions (TreeSHAP).
4. **A time-split backtest** on the last complete windows, for the model and for the rule
   baseline (:func:`powerkam.analytics.health.assess` on the same history): ``auc``, ``pr_auc``,
   ``precision_at_k``, ``recall_at_k`` and ``lead_months``.

Too little history (too few months or too few losses) trains nothing: the rules stay in use.
No Django here; the caller passes the store directory and the customer ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from powerkam.analytics import health as rules_engine
from powerkam.analytics.accounts import shift_period, source_path
from powerkam.analytics.grading_backends import drop_temp_table, ids_table, store_connection
from powerkam.analytics.portfolio import latest_period

#: The model's inputs, in order; docs/health.md explains each.
FEATURES = (
    "kwh_yoy",  # kWh of the last 3 months ÷ the same 3 months a year earlier
    "kwh_qoq",  # kWh of the last 3 months ÷ the 3 months before
    "kwh_slope",  # slope of the last 6 months' kWh, as a share of their mean per month
    "kwh_vs_best",  # kWh of the last 3 months ÷ the best 3 consecutive months of the 9 before
    "idle_months",  # months without consumption among the last 6
    "log_kwh",  # log of the average monthly kWh of the last 12 months (size)
    "arrears_months",  # overdue arrears ÷ the average monthly bill
    "arrears_days",  # days past due of the oldest unpaid bill
    "reduced_share",  # kVA reduced or paused in 12 months ÷ contract capacity
    "relocation",  # a relocation (迁址) applied for in 12 months
    "direct_trading",  # buys on the market directly (直接交易)
    "contract_days",  # days to the end of the supply contract in force (NaN: none on file)
)

#: How each feature may move the risk (+1 up, -1 down, 0 either): a sliding consumption, arrears or a
#: reduction can only raise it. Keeps the model from learning noise and its reasons readable.
MONOTONE = (-1, -1, -1, -1, 1, 0, 1, 1, 1, 1, 1, -1)


class ChurnModelError(ValueError):
    """A model or definition that cannot be used; the message says why."""


@dataclass(frozen=True)
class LossDefinition:
    """When a key account counts as lost (each rule can be switched off)."""

    closure: bool = True
    retailer: bool = True
    drop_months: int = 3
    #: kWh of ``drop_months`` months below this share of the same months a year earlier (0: off)
    drop_fraction: float = 0.2

    def __post_init__(self) -> None:
        if not 1 <= self.drop_months <= 12:
            raise ChurnModelError("drop_months must be between 1 and 12")
        if not 0 <= self.drop_fraction < 1:
            raise ChurnModelError("drop_fraction must be 0 or more and below 1")


@dataclass(frozen=True)
class ModelSettings:
    horizon: int = 6  # label: lost within this many months after T
    #: accounts the managers can call on in a month: precision and recall are taken at this k
    k: int = 50
    test_months: int = 6  # the backtest's test windows: the last complete ones
    calibration_months: int = 2  # the last training months, kept to calibrate the probabilities
    min_months: int = 24  # fewer months of billing: no model, the rules stay
    min_losses: int = 20  # fewer losses in the training windows: no model
    n_estimators: int = 150
    learning_rate: float = 0.05
    num_leaves: int = 7
    seed: int = 2026


# ---- the history as arrays -----------------------------------------------------------------------


@dataclass
class History:
    """The base's history month by month: one row per account, one column per period."""

    customer_ids: list[str]
    periods: list[str]
    capacity: np.ndarray  # (n,) contract capacity, kVA
    kwh: np.ndarray  # (n, p), NaN: no bill
    amount: np.ndarray  # (n, p) yuan billed
    due: np.ndarray  # (n, p) due day as a day ordinal, NaN: no bill
    settled: np.ndarray  # (n, p) day ordinal the bill was paid in full, inf: never
    closure_month: np.ndarray  # (n,) first period index a closure was applied for, -1 none
    retailer_month: np.ndarray  # (n,) first period index buying through a retailer, -1 none
    direct_from: np.ndarray  # (n,) first period index in direct trading, -1 none
    #: Events as flat columns (one entry per event, ``*_account`` the account's row), so the features
    #: of every account are array operations, not a Python loop per account:
    #: capacity reductions and pauses — day ordinal applied, kVA
    reduced_account: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    reduced_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    reduced_kva: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: relocations (迁址) — day ordinal applied
    relocation_account: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    relocation_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: supply contracts — start and end day ordinals
    contract_account: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    contract_start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    contract_end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def month_end(self, t: int) -> int:
        """Day ordinal of the last day of period ``t``."""
        year, month = int(self.periods[t][:4]), int(self.periods[t][5:7])
        first_next = dt.date(year + month // 12, month % 12 + 1, 1)
        return (first_next - dt.timedelta(days=1)).toordinal()


#: ``date.toordinal()`` of 1970-01-01: DuckDB counts days from the epoch, the features from year 1.
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _month_number(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def history_bills(billing: ir.Table, payments: ir.Table | None, ids: ir.Table, *, first: str, last: str) -> ir.Table:
    """The accounts' bills of the periods ``first``…``last`` with the day each was settled: per
    (customer, period) the kWh, the yuan (as float64), the due date and ``paid_on``, the first
    payment day the running total of its payments reaches the bill (docs/rules.md §1; null: never).
    Ibis, for any engine."""
    mine = billing.filter(billing.customer_id.isin(ids.customer_id) & billing.period.between(first, last))
    bills = mine.group_by(["customer_id", "period"]).aggregate(
        kwh=mine.kwh.sum(), amount=mine.amount_yuan.sum(), due_date=mine.due_date.min()
    )
    if payments is None:
        joined = bills.mutate(paid_on=ibis.null("date"))
    else:
        paid = payments.filter(payments.customer_id.isin(ids.customer_id) & payments.period.between(first, last))
        running = paid.select(
            "customer_id",
            "period",
            "paid_on",
            running=paid.amount_yuan.sum().over(
                ibis.window(
                    group_by=[paid.customer_id, paid.period], order_by=paid.paid_on, preceding=None, following=0
                )
            ),
        )
        # One join, the bills read once: the payment rows whose running total reaches the bill.
        reached = bills.left_join(
            running,
            [
                bills.customer_id == running.customer_id,
                bills.period == running.period,
                running.running >= bills.amount - ibis.literal(Decimal("0.01"), type="decimal(18,2)"),
            ],
        )
        joined = reached.group_by(["customer_id", "period", "kwh", "amount", "due_date"]).aggregate(
            paid_on=reached.paid_on.min()
        )
    return joined.select(
        "customer_id",
        "period",
        kwh=joined.kwh.cast("float64"),
        amount=joined.amount.cast("float64"),
        over_fen=joined.amount > ibis.literal(Decimal("0.01"), type="decimal(18,2)"),
        due_date=joined.due_date,
        paid_on=joined.paid_on,
    )


def _days(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Dates as day ordinals (``date.toordinal()``), NaN for nulls."""
    values = pc.cast(column, pa.date32()).cast(pa.int32())
    return values.to_numpy(zero_copy_only=False).astype(float) + _EPOCH_ORDINAL


def _month_numbers(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Dates as :func:`_month_number` of their month."""
    months = pc.add(pc.multiply(pc.year(column), 12), pc.subtract(pc.month(column), 1))
    return months.to_numpy(zero_copy_only=False).astype(np.int64)


def _positions(column: pa.ChunkedArray, values: pa.Array) -> np.ndarray:
    """The position of each of *column*'s values in *values* (every one is there)."""
    return pc.index_in(column, value_set=values).to_numpy(zero_copy_only=False).astype(np.int64)


def _sorted_events(table: pa.Table, *keys: str) -> pa.Table:
    """Event rows in one order whatever the engine (features add them up; tests compare them)."""
    return table.sort_by([(k, "ascending") for k in keys])


def load_history(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    months: int | None = None,
    end_period: str | None = None,
    backend: str | None = None,
) -> History:
    """Read the accounts' history from the store (billing, payments, applications, contracts, market).

    Set-based: each dataset is one query written in Ibis (:func:`history_bills` for the bills and
    the day each was settled, a window sum of its payments joined back to it) and run on *backend*
    (default ``POWERKAM_ANALYTICS_BACKEND``, else DuckDB, or PySpark); the answers are placed into
    the matrices by NumPy indexing. docs/health.md, "Reading the history", has the timings.
    """
    billing_source = source_path(store_dir, "billing")
    ids = sorted(set(customer_ids))
    if billing_source is None or not ids:
        raise ChurnModelError("no billing history")
    with store_connection(None, backend) as con:
        id_table = ids_table(con, _IDS, ids)
        try:
            return _load_history(con, store_dir, ids, id_table, months, end_period, billing_source)
        finally:
            drop_temp_table(con, _IDS)


_IDS = "powerkam_churn_ids"


def _load_history(
    con: Any,
    store_dir: Path,
    ids: list[str],
    id_table: ir.Table,
    months: int | None,
    end_period: str | None,
    billing_source: str,
) -> History:
    n = len(ids)
    id_values = pa.array(ids, pa.string())

    def positions(column: pa.ChunkedArray) -> np.ndarray:
        return _positions(column, id_values)

    billing = con.read_parquet(billing_source, table_name="powerkam_churn_billing")
    last = end_period or latest_period(store_dir)
    first = billing.filter(billing.customer_id.isin(id_table.customer_id)).period.min().to_pyarrow().as_py()
    if first is None or last is None:
        raise ChurnModelError("no billing history")
    if months is not None:
        first = max(first, shift_period(last, -(months - 1)))
    periods = [first]
    while periods[-1] < last:
        periods.append(shift_period(periods[-1], 1))
    p = len(periods)
    base = _month_number(first)
    kwh = np.full((n, p), np.nan)
    amount = np.zeros((n, p))
    due = np.full((n, p), np.nan)
    settled = np.full((n, p), np.inf)
    payments_source = source_path(store_dir, "payments")
    payments = con.read_parquet(payments_source, table_name="powerkam_churn_payments") if payments_source else None
    found = history_bills(billing, payments, id_table, first=first, last=last).to_pyarrow()
    if found.num_rows:
        rows = positions(found.column("customer_id"))
        cols = _positions(found.column("period"), pa.array(periods, pa.string()))
        kwh[rows, cols] = found.column("kwh").to_numpy(zero_copy_only=False).astype(float)
        amount[rows, cols] = found.column("amount").to_numpy(zero_copy_only=False).astype(float)
        due_days = _days(found.column("due_date"))
        due[rows, cols] = due_days
        paid_days = _days(found.column("paid_on"))
        over = found.column("over_fen").to_numpy(zero_copy_only=False).astype(bool)
        settled[rows, cols] = np.where(~np.isnan(paid_days), paid_days, np.where(over, np.inf, due_days))
    capacity = np.zeros(n)
    customers = source_path(store_dir, "customers")
    if customers:
        table = con.read_parquet(customers, table_name="powerkam_churn_customers")
        mine = table.filter(table.customer_id.isin(id_table.customer_id))
        cap = mine.select(
            "customer_id", kva=ibis.coalesce(mine.contract_capacity_kva.cast("float64"), 0.0)
        ).to_pyarrow()
        capacity[positions(cap.column("customer_id"))] = cap.column("kva").to_numpy(zero_copy_only=False).astype(float)

    reduced = relocation = contract = None
    closure_month = np.full(n, -1)
    applications = source_path(store_dir, "applications")
    if applications:
        table = con.read_parquet(applications, table_name="powerkam_churn_applications")
        mine = table.filter(
            table.customer_id.isin(id_table.customer_id) & (ibis.coalesce(table.status, "in_progress") != "withdrawn")
        )
        events = _sorted_events(
            mine.select(
                "customer_id", "type", "applied_on", kva=ibis.coalesce(mine.capacity_kva.cast("float64"), 0.0)
            ).to_pyarrow(),
            "customer_id",
            "applied_on",
            "type",
            "kva",
        )
        kinds = np.asarray(events.column("type").to_pylist(), dtype=object)
        accounts = positions(events.column("customer_id"))
        days = _days(events.column("applied_on")).astype(np.int64)
        kva = events.column("kva").to_numpy(zero_copy_only=False).astype(float)
        event_months = _month_numbers(events.column("applied_on")) - base
        cut = np.isin(kinds, ["capacity_reduction", "suspension"])
        reduced = (accounts[cut], days[cut], kva[cut])
        moved = kinds == "relocation"
        relocation = (accounts[moved], days[moved])
        closed = kinds == "closure"
        closure_month = _first_months(n, p, accounts[closed], days[closed], event_months[closed])
    retailer_month = np.full(n, -1)
    direct_from = np.full(n, -1)
    market = source_path(store_dir, "market")
    if market:
        table = con.read_parquet(market, table_name="powerkam_churn_market")
        mine = table.filter(table.customer_id.isin(id_table.customer_id))
        rows_m = _sorted_events(
            mine.select("customer_id", "status", "effective_on").to_pyarrow(), "customer_id", "effective_on", "status"
        )
        status = np.asarray(rows_m.column("status").to_pylist(), dtype=object)
        accounts = positions(rows_m.column("customer_id"))
        days = _days(rows_m.column("effective_on")).astype(np.int64)
        cols_m = _month_numbers(rows_m.column("effective_on")) - base
        chosen = status == "retailer"
        retailer_month = _first_months(n, p, accounts[chosen], days[chosen], cols_m[chosen])
        chosen = status == "direct"
        direct_from = _first_months(n, p, accounts[chosen], days[chosen], cols_m[chosen])
    contract_path = source_path(store_dir, "contracts")
    if contract_path:
        table = con.read_parquet(contract_path, table_name="powerkam_churn_contracts")
        mine = table.filter(table.customer_id.isin(id_table.customer_id))
        got = _sorted_events(
            mine.select("customer_id", "start_on", "end_on").to_pyarrow(), "customer_id", "start_on", "end_on"
        )
        contract = (
            positions(got.column("customer_id")),
            _days(got.column("start_on")).astype(np.int64),
            _days(got.column("end_on")).astype(np.int64),
        )
    history = History(ids, periods, capacity, kwh, amount, due, settled, closure_month, retailer_month, direct_from)
    if reduced is not None:
        history.reduced_account, history.reduced_day, history.reduced_kva = reduced
    if relocation is not None:
        history.relocation_account, history.relocation_day = relocation
    if contract is not None:
        history.contract_account, history.contract_start, history.contract_end = contract
    return history


def _first_months(n: int, p: int, accounts: np.ndarray, days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Per account, the period index of its earliest event (before the history: 0; after it: -1), -1
    when it has none, for every account at once."""
    out = np.full(n, -1)
    if not len(accounts):
        return out
    order = np.lexsort((days, accounts))  # by account, then day
    accounts, months = accounts[order], np.asarray(months, dtype=np.int64)[order]
    firsts = np.flatnonzero(np.r_[True, accounts[1:] != accounts[:-1]])
    first_month = months[firsts]
    out[accounts[firsts]] = np.where(first_month < 0, 0, np.where(first_month > p - 1, -1, first_month))
    return out


# ---- losses ------------------------------------------------------------------------------------------


def _rolling(values: np.ndarray, months: int) -> np.ndarray:
    """Sum of each ``months``-month window ending at each column (NaN when any month is missing)."""
    n, p = values.shape
    out = np.full((n, p), np.nan)
    for t in range(months - 1, p):
        out[:, t] = values[:, t - months + 1 : t + 1].sum(axis=1)
    return out


def loss_months(history: History, definition: LossDefinition = LossDefinition()) -> np.ndarray:
    """The period index each account was lost in (-1: not lost), by the first rule that fires."""
    n, p = history.kwh.shape
    candidates = [np.where(history.closure_month >= 0, history.closure_month, p)] if definition.closure else []
    if definition.retailer:
        candidates.append(np.where(history.retailer_month >= 0, history.retailer_month, p))
    if definition.drop_fraction > 0 and p > 12:  # a drop compares with the window 12 months before
        window = _rolling(history.kwh, definition.drop_months)
        dropped = np.full((n, p), False)
        dropped[:, 12:] = window[:, 12:] < definition.drop_fraction * window[:, :-12]
        dropped &= ~np.isnan(window) & np.concatenate([np.full((n, 12), False), window[:, :-12] > 0], axis=1)
        candidates.append(np.where(dropped.any(axis=1), dropped.argmax(axis=1), p))
    if not candidates:
        return np.full(n, -1)
    first = np.min(np.stack(candidates), axis=0)
    return np.where(first < p, first, -1)


# ---- features --------------------------------------------------------------------------------------


def features_at(history: History, t: int) -> np.ndarray:
    """The :data:`FEATURES` of every account as known at the end of period ``t`` (n × features)."""
    kwh = history.kwh
    n = kwh.shape[0]
    out = np.full((n, len(FEATURES)), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an account without bills yet: NaN, as meant
        recent = kwh[:, t - 2 : t + 1].sum(axis=1) if t >= 2 else np.full(n, np.nan)
        if t >= 14:
            year_ago = kwh[:, t - 14 : t - 11].sum(axis=1)
            out[:, 0] = np.where(year_ago > 0, np.minimum(recent / year_ago, 3.0), np.nan)
        if t >= 5:
            before = kwh[:, t - 5 : t - 2].sum(axis=1)
            out[:, 1] = np.where(before > 0, np.minimum(recent / before, 3.0), np.nan)
            six = kwh[:, t - 5 : t + 1]
            mean = six.mean(axis=1)
            x = np.arange(6) - 2.5
            slope = ((six - mean[:, None]) * x).sum(axis=1) / (x**2).sum()
            out[:, 2] = np.where(mean > 0, slope / mean, np.nan)
            out[:, 4] = (six <= 0).sum(axis=1)
        if t >= 5:
            sums = [kwh[:, j - 2 : j + 1].sum(axis=1) for j in range(max(2, t - 9), t - 2)]
            best = np.nanmax(np.stack(sums), axis=0) if sums else np.full(n, np.nan)
            out[:, 3] = np.where(best > 0, np.minimum(recent / best, 3.0), np.nan)
        start = max(0, t - 11)
        year = kwh[:, start : t + 1]
        out[:, 5] = np.log1p(np.nanmean(np.where(np.isnan(year), np.nan, year), axis=1))
        end = history.month_end(t)
        overdue = (history.due[:, : t + 1] < end) & (history.settled[:, : t + 1] > end)
        owed = np.where(overdue, history.amount[:, : t + 1], 0.0).sum(axis=1)
        bill = history.amount[:, start : t + 1].mean(axis=1)
        out[:, 6] = np.where(bill > 0, np.minimum(owed / bill, 24.0), np.where(owed > 0, 24.0, 0.0))
        oldest = np.where(overdue, history.due[:, : t + 1], np.inf).min(axis=1)
        out[:, 7] = np.where(np.isfinite(oldest), end - oldest, 0.0)
    year_before = end - 365
    # the events of the 12 months to T, summed per account with bincount (no loop over accounts)
    recent_cut = (history.reduced_day > year_before) & (history.reduced_day <= end)
    reduced = np.bincount(history.reduced_account[recent_cut], weights=history.reduced_kva[recent_cut], minlength=n)[:n]
    cap = history.capacity
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, 8] = np.where(cap > 0, np.minimum(reduced / np.where(cap > 0, cap, 1.0), 1.0), (reduced != 0) * 1.0)
    moved = (history.relocation_day > year_before) & (history.relocation_day <= end)
    out[:, 9] = (np.bincount(history.relocation_account[moved], minlength=n)[:n] > 0).astype(float)
    in_force = history.contract_start <= end
    latest_end = np.full(n, -np.inf)
    np.maximum.at(latest_end, history.contract_account[in_force], history.contract_end[in_force].astype(float))
    out[:, 11] = np.where(np.isfinite(latest_end), latest_end - end, np.nan)
    out[:, 10] = ((history.direct_from >= 0) & (history.direct_from <= t)).astype(float)
    return out


def baseline_risk(
    history: History,
    t: int,
    feats: np.ndarray,
    rules: rules_engine.HealthRules,
    accounts: np.ndarray | None = None,
) -> np.ndarray:
    """The rule score's churn risk of each account at ``t`` (higher: riskier): the risk level first
    (high 2, medium 1, low 0), then the points lost — the order the health page lists them in.

    ``feats`` are the :func:`features_at` rows of ``accounts`` (every account when None). The parts
    the history knows — consumption, service (nothing recorded: whole), arrears, applications,
    contract, market — scored as :func:`powerkam.analytics.health.assess` scores them, for every
    account at once (NumPy); :func:`baseline_risk_each` is the one-at-a-time reference."""
    rows = np.arange(history.kwh.shape[0]) if accounts is None else np.asarray(accounts, dtype=np.int64)
    kwh = history.kwh[rows]
    m = len(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        recent = kwh[:, t - 2 : t + 1].sum(axis=1) if t >= 2 else np.full(m, np.nan)
        year_ago = kwh[:, t - 14 : t - 11].sum(axis=1) if t >= 14 else np.full(m, np.nan)
        has_ratio = ~np.isnan(recent) & ~np.isnan(year_ago) & (year_ago != 0)
        ratio = np.where(has_ratio, recent / np.where(has_ratio, year_ago, 1.0), np.nan)
        bill = history.amount[rows, max(0, t - 11) : t + 1].mean(axis=1)
        owed = np.where(bill > 0, feats[:, 6] * bill, 0.0)
        days = np.trunc(feats[:, 7])
        months_owed = np.where(bill > 0, owed / np.where(bill > 0, bill, 1.0), 0.0)
    zero = np.zeros(m)

    def clamp(values: np.ndarray) -> np.ndarray:
        return np.clip(values, 0.0, 1.0)

    weighted, total = zero.copy(), zero.copy()

    def add(part: str, fraction: np.ndarray, present: np.ndarray | bool = True) -> None:
        nonlocal weighted, total
        weight = rules.weight(part)
        if weight <= 0:
            return
        weighted = weighted + np.where(present, weight * np.nan_to_num(fraction), 0.0)
        total = total + np.where(present, weight, 0.0)

    floor = zero.copy()  # the floors: 2 high, 1 medium
    # consumption
    add("consumption", clamp((ratio - rules.zero_ratio) / (rules.full_ratio - rules.zero_ratio)), has_ratio)
    # service: nothing recorded in the history, so whole
    add("service", np.ones(m))
    # arrears
    age = clamp(days / rules.arrears_zero_days)
    indebted = owed > 0
    lost = np.where(indebted, clamp(months_owed / rules.arrears_zero_months) * (0.5 + 0.5 * age), 0.0)
    add("arrears", 1 - lost)
    high = indebted & (months_owed >= rules.arrears_high_months) & (days >= rules.arrears_high_days)
    medium = indebted & (months_owed >= rules.arrears_medium_months) & (days >= rules.arrears_medium_days)
    floor = np.maximum(floor, np.where(high, 2, np.where(medium, 1, 0)))
    # applications: capacity reduced or paused, relocation (the history keeps closures as losses)
    capacity = history.capacity[rows]
    reduced_kva = feats[:, 8] * capacity
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(capacity > 0, reduced_kva / np.where(capacity > 0, capacity, 1.0), 1.0)
    cut = reduced_kva > 0
    lost = np.where(cut, clamp(share / rules.reduction_zero_share), 0.0)
    floor = np.maximum(
        floor,
        np.where(cut & (share >= rules.reduction_high), 2, np.where(cut & (share >= rules.reduction_medium), 1, 0)),
    )
    moved = feats[:, 9] > 0
    lost = lost + np.where(moved, np.minimum(0.5, 1 - lost), 0.0)
    floor = np.maximum(floor, np.where(moved, 1, 0))
    add("applications", 1 - lost)
    # contract: days to the end of the one in force (no renewal status in the history)
    contract_days = np.trunc(feats[:, 11])
    on_file = ~np.isnan(contract_days)
    lost = np.where(on_file, clamp(1 - np.nan_to_num(contract_days) / rules.contract_warn_days), 0.0)
    add("contract", 1 - lost, on_file)
    floor = np.maximum(floor, np.where(on_file & (lost > 0) & (contract_days <= rules.contract_medium_days), 1, 0))
    # market: direct trading loses half (a retailer is a loss already)
    direct = feats[:, 10] > 0
    add("market", np.where(direct, 0.5, 1.0))
    floor = np.maximum(floor, np.where(direct, 1, 0))

    score = np.where(total > 0, 100 * weighted / np.where(total > 0, total, 1.0), 100.0)
    score = np.round(score, 1)
    drop = np.where(has_ratio, 1 - np.nan_to_num(ratio), -np.inf)
    level = np.where(
        (score < rules.high_below) | (drop >= rules.high_drop),
        2,
        np.where((score < rules.medium_below) | (drop >= rules.medium_drop), 1, 0),
    )
    level = np.maximum(level, floor)
    return level * 100 + (100 - score)


def baseline_risk_each(history: History, t: int, feats: np.ndarray, rules: rules_engine.HealthRules) -> np.ndarray:
    """:func:`baseline_risk` one account at a time through :func:`powerkam.analytics.health.assess`:
    the reference the vectorised version is checked against (tests, benchmark); slow (~20 s at 100k)."""
    kwh = history.kwh
    level = {"high": 2, "medium": 1, "low": 0}
    out = np.zeros(kwh.shape[0])
    end = history.month_end(t)
    for i in range(kwh.shape[0]):
        recent = kwh[i, t - 2 : t + 1].sum() if t >= 2 else math.nan
        year_ago = kwh[i, t - 14 : t - 11].sum() if t >= 14 else math.nan
        f = feats[i]
        bill = history.amount[i, max(0, t - 11) : t + 1].mean()
        signals = rules_engine.Signals(
            history.customer_ids[i],
            recent_kwh=None if math.isnan(recent) else float(recent),
            year_ago_kwh=None if math.isnan(year_ago) else float(year_ago),
            arrears_yuan=float(f[6] * bill) if bill > 0 else 0.0,
            arrears_days=int(f[7]),
            monthly_bill_yuan=float(bill),
            applications_known=True,
            reduced_kva=float(f[8] * history.capacity[i]),
            capacity_kva=float(history.capacity[i]) or None,
            relocation_on="yes" if f[9] else "",
            contract_days_left=None if math.isnan(f[11]) else int(f[11]),
            contract_end="" if math.isnan(f[11]) else dt.date.fromordinal(int(end + f[11])).isoformat(),
            market_status="direct" if f[10] else "grid_agency",
        )
        found = rules_engine.assess(signals, rules)
        out[i] = level[found.risk] * 100 + (100 - found.score)
    return out


@dataclass
class Panel:
    """Rows (account, month T) with their features and label, for the months that can be labelled."""

    account: np.ndarray  # row → account index
    month: np.ndarray  # row → period index T
    X: np.ndarray
    y: np.ndarray  # lost within the horizon after T
    loss_month: np.ndarray  # per account


def build_panel(
    history: History, *, horizon: int, definition: LossDefinition = LossDefinition(), first_t: int = 5
) -> Panel:
    """Every (account, T) with T from ``first_t`` to the last period, the account not yet lost at T.
    Rows whose horizon runs past the history have an unknown label (y = -1): they are scored only."""
    lost = loss_months(history, definition)
    p = len(history.periods)
    accounts, months, xs, ys = [], [], [], []
    for t in range(first_t, p):
        alive = (lost < 0) | (lost > t)
        billed = ~np.isnan(history.kwh[:, t])
        rows = np.flatnonzero(alive & billed)
        if not len(rows):
            continue
        feats = features_at(history, t)[rows]
        complete = t + horizon <= p - 1
        label = ((lost[rows] > t) & (lost[rows] <= t + horizon)).astype(int) if complete else np.full(len(rows), -1)
        accounts.append(rows)
        months.append(np.full(len(rows), t))
        xs.append(feats)
        ys.append(label)
    if not xs:
        raise ChurnModelError("not enough history to build a single month of features")
    return Panel(np.concatenate(accounts), np.concatenate(months), np.vstack(xs), np.concatenate(ys), lost)


# ---- the model -------------------------------------------------------------------------------------


@dataclass
class ChurnModel:
    booster: Any  # lightgbm.Booster
    #: Platt scaling of the booster's raw score: ``(slope, intercept)`` of a logistic regression fitted
    #: on the calibration months (monotonic, so the ranking — and the AUC — is the booster's own)
    calibration: tuple[float, float]
    card: dict[str, Any] = field(default_factory=dict)

    def probability(self, X: np.ndarray) -> np.ndarray:
        raw = np.asarray(self.booster.predict(X, raw_score=True))
        slope, intercept = self.calibration
        return 1.0 / (1.0 + np.exp(-(slope * raw + intercept)))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Each feature's contribution to each row's log-odds (TreeSHAP); the last column is the bias."""
        return np.asarray(self.booster.predict(X, pred_contrib=True))

    def save(self, directory: Path) -> Path:
        """The model as two files named by its version: the LightGBM text model and its card."""
        directory.mkdir(parents=True, exist_ok=True)
        version = self.card["version"]
        self.booster.save_model(str(directory / f"churn-{version}.txt"))
        card = {**self.card, "calibration": list(self.calibration)}
        path = directory / f"churn-{version}.json"
        path.write_text(json.dumps(card, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        return path

    @classmethod
    def load(cls, card_path: Path) -> ChurnModel:
        import lightgbm as lgb

        try:
            card = json.loads(Path(card_path).read_text(encoding="utf-8"))
            booster = lgb.Booster(model_file=str(Path(card_path).with_suffix(".txt")))
        except (OSError, ValueError, lgb.basic.LightGBMError) as exc:
            raise ChurnModelError(f"cannot read the churn model {card_path}: {exc}") from exc
        slope, intercept = card.pop("calibration")
        return cls(booster, (float(slope), float(intercept)), card)


def _fit(X: np.ndarray, y: np.ndarray, settings: ModelSettings) -> Any:
    import lightgbm as lgb

    params = {
        "objective": "binary",
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.num_leaves,
        "min_data_in_leaf": 50,
        "lambda_l2": 1.0,
        "monotone_constraints": list(MONOTONE),
        "monotone_constraints_method": "advanced",
        "seed": settings.seed,
        "deterministic": True,
        "num_threads": 1,
        "verbose": -1,
    }
    return lgb.train(params, lgb.Dataset(X, y, feature_name=list(FEATURES)), num_boost_round=settings.n_estimators)


def train(
    panel: Panel, history: History, *, until: int, settings: ModelSettings = ModelSettings()
) -> ChurnModel | None:
    """Train on the labelled rows with T ≤ ``until``; calibrate on the last ``calibration_months`` of
    them. None when there are too few months or losses to learn from (the rules stay)."""
    from sklearn.linear_model import LogisticRegression

    labelled = (panel.y >= 0) & (panel.month <= until)
    if len(history.periods) < settings.min_months or int(panel.y[labelled].sum()) < settings.min_losses:
        return None
    cut = until - settings.calibration_months
    fit_rows = labelled & (panel.month <= cut)
    cal_rows = labelled & (panel.month > cut)
    if int(panel.y[fit_rows].sum()) < settings.min_losses // 2 or int(panel.y[cal_rows].sum()) < 1:
        return None
    started = time.perf_counter()
    booster = _fit(panel.X[fit_rows], panel.y[fit_rows], settings)
    platt = LogisticRegression(C=1e6).fit(
        np.asarray(booster.predict(panel.X[cal_rows], raw_score=True)).reshape(-1, 1), panel.y[cal_rows]
    )
    calibration = (float(platt.coef_[0][0]), float(platt.intercept_[0]))
    digest = hashlib.sha256(booster.model_to_string().encode()).hexdigest()[:12]
    card = {
        "version": f"{history.periods[until]}-{digest}",
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_window": [history.periods[int(panel.month[labelled].min())], history.periods[until]],
        "accounts": len(history.customer_ids),
        "rows": int(labelled.sum()),
        "losses": int(panel.y[labelled].sum()),
        "horizon_months": settings.horizon,
        "features": list(FEATURES),
        "training_seconds": round(time.perf_counter() - started, 2),
        "settings": asdict(settings),
        "library": _library_versions(),
    }
    return ChurnModel(booster, calibration, card)


def _library_versions() -> dict[str, str]:
    import lightgbm
    import sklearn

    from powerkam import __version__

    return {"powerkam": __version__, "lightgbm": lightgbm.__version__, "scikit-learn": sklearn.__version__}


# ---- backtest -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    auc: float | None
    pr_auc: float | None
    precision_at_k: float | None
    recall_at_k: float | None
    lead_months: float | None


@dataclass(frozen=True)
class Backtest:
    model: Scores | None  # None: too little history, no model
    baseline: Scores
    test_periods: tuple[str, str]
    rows: int
    losses: int
    k: int
    horizon: int
    card: dict[str, Any]
    seconds: dict[str, float]


def _scores(y: np.ndarray, score: np.ndarray, month: np.ndarray, k: int, lead: float | None) -> Scores:
    from sklearn.metrics import average_precision_score, roc_auc_score

    both = len(set(y.tolist())) == 2
    precisions, recalls = [], []
    for t in sorted(set(month.tolist())):
        rows = month == t
        top = np.argsort(-score[rows], kind="stable")[:k]
        hits = y[rows][top].sum()
        precisions.append(hits / max(len(top), 1))
        if y[rows].sum():
            recalls.append(hits / y[rows].sum())
    return Scores(
        auc=round(float(roc_auc_score(y, score)), 4) if both else None,
        pr_auc=round(float(average_precision_score(y, score)), 4) if both else None,
        precision_at_k=round(float(np.mean(precisions)), 4) if precisions else None,
        recall_at_k=round(float(np.mean(recalls)), 4) if recalls else None,
        lead_months=lead,
    )


def _lead(panel: Panel, score: np.ndarray, rows: np.ndarray, k: int, horizon: int) -> float | None:
    """Median months between an account's first month in the top ``k`` (within the ``horizon``
    months before its loss) and the loss, over the accounts lost in the test windows that were
    flagged at all."""
    leads = []
    flagged: dict[int, int] = {}
    months, accounts, scores = panel.month[rows], panel.account[rows], score[rows]
    for t in sorted(set(months.tolist())):
        at = np.flatnonzero(months == t)
        top = at[np.argsort(-scores[at], kind="stable")[:k]]
        for r in top:
            account = int(accounts[r])
            lost = int(panel.loss_month[account])
            if lost > t and lost - t <= horizon:
                flagged.setdefault(account, t)
    for account, first in flagged.items():
        leads.append(int(panel.loss_month[account]) - first)
    return float(np.median(leads)) if leads else None


def backtest(
    history: History,
    *,
    settings: ModelSettings = ModelSettings(),
    definition: LossDefinition = LossDefinition(),
    rules: rules_engine.HealthRules = rules_engine.DEFAULT_RULES,
) -> Backtest:
    """Train on the windows before the last ``test_months`` complete ones, score those with the model
    and with the rules, and compare."""
    started = time.perf_counter()
    panel = build_panel(history, horizon=settings.horizon, definition=definition)
    last = len(history.periods) - 1 - settings.horizon  # the last T whose horizon is complete
    first_test = last - settings.test_months + 1
    until = first_test - 1 - settings.horizon  # training labels must not see the test windows
    test = (panel.y >= 0) & (panel.month >= first_test) & (panel.month <= last)
    if until < 8 or not test.any():
        raise ChurnModelError(
            f"{len(history.periods)} months of history are too few for a backtest of "
            f"{settings.test_months} months at a {settings.horizon}-month horizon"
        )
    built = time.perf_counter()
    model = train(panel, history, until=until, settings=settings)
    trained = time.perf_counter()
    y, months = panel.y[test], panel.month[test]
    baseline = np.zeros(int(test.sum()))
    feats_rows = np.flatnonzero(test)
    for t in sorted(set(months.tolist())):
        at = months == t
        accounts = panel.account[feats_rows[at]]
        baseline[at] = baseline_risk(history, t, panel.X[feats_rows[at]], rules, accounts)
    base_done = time.perf_counter()
    k = settings.k
    full_score = np.zeros(len(panel.y))
    full_score[test] = baseline
    base_scores = _scores(y, baseline, months, k, _lead(panel, full_score, test, k, settings.horizon))
    model_scores = None
    if model is not None:
        prob = model.probability(panel.X[test])
        full_score[test] = prob
        model_scores = _scores(y, prob, months, k, _lead(panel, full_score, test, k, settings.horizon))
        model.card["backtest"] = asdict(model_scores) | {"baseline": asdict(base_scores)}
    return Backtest(
        model=model_scores,
        baseline=base_scores,
        test_periods=(history.periods[first_test], history.periods[last]),
        rows=int(test.sum()),
        losses=int(y.sum()),
        k=k,
        horizon=settings.horizon,
        card=model.card if model else {},
        seconds={
            "features": round(built - started, 2),
            "training": round(trained - built, 2),
            "baseline": round(base_done - trained, 2),
            "scoring": round(time.perf_counter() - base_done, 2),
        },
    )


# ---- scoring today ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelReason:
    """A feature that raised the account's churn probability: its code, value and contribution."""

    feature: str
    value: float | None
    contribution: float  # log-odds


@dataclass(frozen=True)
class ChurnScore:
    customer_id: str
    probability: float
    reasons: tuple[ModelReason, ...]


def fit_current(
    history: History, *, settings: ModelSettings = ModelSettings(), definition: LossDefinition = LossDefinition()
) -> tuple[ChurnModel | None, Panel]:
    """The model trained on every complete window of the history (None: too little history)."""
    panel = build_panel(history, horizon=settings.horizon, definition=definition)
    until = len(history.periods) - 1 - settings.horizon
    return train(panel, history, until=until, settings=settings), panel


def score_latest(model: ChurnModel, history: History, *, reasons: int = 3) -> list[ChurnScore]:
    """Each account's probability of loss within the horizon, as of the last period, with the
    features that raised it most; the accounts already lost are left out, riskiest first."""
    t = len(history.periods) - 1
    lost = loss_months(history)
    alive = np.flatnonzero(lost < 0)
    X = features_at(history, t)[alive]
    prob = model.probability(X)
    contrib = model.contributions(X)[:, : len(FEATURES)]
    found = []
    for row, i in enumerate(alive):
        order = np.argsort(-contrib[row])[:reasons]
        why = tuple(
            ModelReason(
                FEATURES[j],
                None if np.isnan(X[row, j]) else round(float(X[row, j]), 3),
                round(float(contrib[row, j]), 3),
            )
            for j in order
            if contrib[row, j] > 0
        )
        found.append(ChurnScore(history.customer_ids[i], round(float(prob[row]), 4), why))
    found.sort(key=lambda s: (-s.probability, s.customer_id))
    return found
