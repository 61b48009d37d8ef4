"""The ``settlements`` dataset: every bill settled once, over all its payments.

Grading a period needs, per bill, the payments known on ``as_of`` and the day they reached the
amount (docs/rules.md §1). Joining every bill to its payments on each run is nearly all of the
grading's cost, so the importer settles each bill once, after every billing or payments import
(and ``powerkam data rebuild`` does it on demand), into ``settlements.parquet``:

``customer_id, period, kwh, amount_yuan, due_date`` (from the bill), ``paid_yuan`` (all its
payments), ``settled_on`` (first day the running total of all its payments reaches the amount
within the tolerance; the due date for a zero bill), ``last_paid_on`` (its latest payment),
``unpaid_yuan`` and ``payment_days`` (for a bill paid on more than one day, each of those days
with the day's payments and the running total, in no particular order; a bill paid on one day
only has it empty, as that day is ``last_paid_on``).

For a bill whose ``last_paid_on`` is on or before ``as_of`` (or that has no payment) all its
payments are known, so ``paid_yuan`` and ``settled_on`` *are* the known-payments answer; only
bills with a payment after ``as_of`` are settled again by the engine, from their
``payment_days`` (the running total on a day on or before ``as_of`` counts only known payments).

``unpaid_yuan`` (max(0, amount − all payments)) and the order of the rows let the engine read only
what a period needs: the bills are written one range of customers at a time (so settling a base
of any size holds one range in memory, with DuckDB bounded by :data:`MEMORY_LIMIT` and spilling
beyond it), and within a range the fully paid bills come first, by period, then the unpaid
ones: a scan for the window's periods, or for unpaid bills, skips the other row groups by their
statistics.

The file's Parquet key-value metadata records what it was built from (size and mtime of the
billing and payments files, and the tolerance): :func:`current_tolerance` tells the engine
whether it may use it; a stale or missing file makes the engine fall back to settling every
bill (:func:`powerkam.analytics.grading.bill_settlement`). Nothing here imports Django.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from powerkam.analytics import store
from powerkam.analytics.io.readers import sql_literal
from powerkam.analytics.io.writer import store_lock, write_parts_atomically
from powerkam.analytics.rules import DEFAULT_RULES

KIND = "settlements"
#: Bump when the meaning of the columns (or their order in the file) changes: older files are then stale.
FORMAT_VERSION = "3"
_SOURCES = ("billing", "payments")

#: Bills settled by one query: the customers are split into ranges of about this many bills
#: (with their payments), settled one range after the other and appended to the file.
CHUNK_BILLS = 4_000_000
#: DuckDB's memory bound while settling (beyond it, it spills to the store's ``.spill``);
#: ``POWERKAM_DUCKDB_MEMORY_LIMIT`` overrides it, ``POWERKAM_DUCKDB_THREADS`` sets the threads.
MEMORY_LIMIT = "1GB"
#: Rows per Parquet row group: small enough that a period's bills of a range fill few of them.
ROW_GROUP_ROWS = 65_536


def fingerprint(store_dir: Path) -> dict[str, str]:
    """What the settlements must have been built from: size and mtime (ns) of billing and payments."""
    prints = {"format": FORMAT_VERSION}
    for kind in _SOURCES:
        try:
            st = store.dataset_path(store_dir, kind).stat()
        except FileNotFoundError:
            prints[kind] = "absent"
        else:
            prints[kind] = f"{st.st_size}:{st.st_mtime_ns}"
    return prints


def _metadata(path: Path) -> dict[str, str]:
    try:
        raw = pq.read_metadata(path).metadata or {}
    except (FileNotFoundError, OSError):
        return {}
    return {k.decode(): v.decode() for k, v in raw.items() if k.startswith(b"powerkam_")}


def current_tolerance(store_dir: Path) -> Decimal | None:
    """The tolerance the settlements were built with, if they are current; else ``None`` (missing or stale)."""
    path = store.dataset_path(store_dir, KIND)
    meta = _metadata(path)
    if not meta:
        return None
    built_from = {key: meta.get(f"powerkam_{key}") for key in ("format", *_SOURCES)}
    if built_from != fingerprint(store_dir) or "powerkam_tolerance_yuan" not in meta:
        return None
    return Decimal(meta["powerkam_tolerance_yuan"])


def settlements_sql(store_dir: Path, tolerance: Decimal, *, customers: str = "true") -> str:
    """The query that settles the bills of the *customers* (an SQL condition on ``customer_id``;
    every bill by default) over all their payments (DuckDB SQL over the Parquet files)."""
    billing = f"read_parquet({sql_literal(store.dataset_path(store_dir, 'billing'))})"
    payments_path = store.dataset_path(store_dir, "payments")
    payments = (
        f"read_parquet({sql_literal(payments_path)})"
        if payments_path.exists()
        else "(SELECT NULL::VARCHAR AS customer_id, NULL::VARCHAR AS period, NULL::DATE AS paid_on, "
        "NULL::DECIMAL(18,2) AS amount_yuan WHERE false)"
    )
    return f"""
        WITH daily AS (
          SELECT customer_id, period, paid_on, sum(amount_yuan) AS day_yuan
          FROM {payments} WHERE {customers} GROUP BY customer_id, period, paid_on
        ),
        running AS (
          SELECT *, sum(day_yuan) OVER (PARTITION BY customer_id, period ORDER BY paid_on) AS paid_to_date
          FROM daily
        ),
        settled AS (
          SELECT b.customer_id, b.period, b.kwh, b.amount_yuan, b.due_date,
                 CAST(coalesce(sum(r.day_yuan), 0) AS DECIMAL(18,2)) AS paid_yuan,
                 CASE WHEN b.amount_yuan = 0 THEN b.due_date
                      ELSE min(r.paid_on) FILTER (WHERE r.paid_to_date >= b.amount_yuan - {tolerance}::DECIMAL(18,2))
                 END AS settled_on,
                 max(r.paid_on) AS last_paid_on,
                 CASE WHEN count(r.paid_on) > 1 THEN
                   list({{'paid_on': r.paid_on, 'day_yuan': CAST(r.day_yuan AS DECIMAL(18,2)),
                         'paid_to_date': CAST(r.paid_to_date AS DECIMAL(18,2))}})
                 END AS payment_days
          FROM (SELECT * FROM {billing} WHERE {customers}) b
          LEFT JOIN running r ON r.customer_id = b.customer_id AND r.period = b.period
          GROUP BY b.customer_id, b.period, b.kwh, b.amount_yuan, b.due_date
        )
        SELECT * EXCLUDE (payment_days), CAST(greatest(0, amount_yuan - paid_yuan) AS DECIMAL(18,2)) AS unpaid_yuan,
               payment_days
        FROM settled
        ORDER BY unpaid_yuan > 0, TRY_CAST(replace(period, '-', '') AS INTEGER), customer_id
    """


def customer_ranges(billing: Path, *, chunk_bills: int = CHUNK_BILLS) -> list[str]:
    """SQL conditions on ``customer_id`` that split the bills of *billing* into parts of about
    *chunk_bills* bills; together they take every customer exactly once.

    The store writes billing sorted by customer, so the split points are read from the row
    groups' statistics (no data is read) and a range's query reads only its row groups. A file
    that is not sorted (or has no statistics) is split by a hash of the customer id instead:
    still one customer in one part, each part reading the whole file.
    """
    meta = pq.read_metadata(billing)
    parts = math.ceil(meta.num_rows / chunk_bills)
    if parts <= 1:
        return ["true"]
    column = meta.schema.names.index("customer_id")
    bounds: list[str] = []
    rows, previous_max = 0, None
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        stats = group.column(column).statistics
        if stats is None or not stats.has_min_max or (previous_max is not None and stats.min < previous_max):
            return [f"hash(customer_id) % {parts} = {k}" for k in range(parts)]
        if rows >= chunk_bills and (not bounds or stats.min > bounds[-1]):
            bounds.append(stats.min)
            rows = 0
        rows += group.num_rows
        previous_max = stats.max
    if not bounds:
        return ["true"]
    edges = [sql_literal(b) for b in bounds]
    ranges = [f"(customer_id < {edges[0]} OR customer_id IS NULL)"]
    ranges += [f"customer_id >= {lo} AND customer_id < {hi}" for lo, hi in itertools.pairwise(edges)]
    ranges.append(f"customer_id >= {edges[-1]}")
    return ranges


def _connect(spill: Path) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {
        "preserve_insertion_order": True,
        "temp_directory": str(spill),
        "memory_limit": os.environ.get("POWERKAM_DUCKDB_MEMORY_LIMIT") or MEMORY_LIMIT,
    }
    if threads := os.environ.get("POWERKAM_DUCKDB_THREADS"):
        config["threads"] = threads
    con = duckdb.connect(config=config)
    con.execute("SET enable_progress_bar = false")
    return con


def build_settlements(
    store_dir: Path, *, tolerance: Decimal | None = None, chunk_bills: int = CHUNK_BILLS
) -> int | None:
    """(Re)write ``settlements.parquet`` from the store's billing and payments; its row count.

    ``None`` (and nothing written) when the store has no billing yet. Holds the store lock, so
    it never reads a half-landed import; the file is replaced atomically. The customers are
    settled one range of about *chunk_bills* bills at a time (:func:`customer_ranges`).
    """
    store_dir = Path(store_dir)
    tolerance = DEFAULT_RULES.settlement.tolerance_yuan if tolerance is None else tolerance
    with store_lock(store_dir):
        if not store.has_dataset(store_dir, "billing"):
            return None
        built_from = fingerprint(store_dir)  # before reading: a later change makes the result stale
        meta = {f"powerkam_{k}": v for k, v in built_from.items()} | {"powerkam_tolerance_yuan": str(tolerance)}
        path = store.dataset_path(store_dir, KIND)
        ranges = customer_ranges(store.dataset_path(store_dir, "billing"), chunk_bills=chunk_bills)
        # Bounded memory: spill to disk rather than hold a range's bills and payments in memory.
        spill = store_dir / ".spill"
        spill.mkdir(exist_ok=True)
        con = _connect(spill)
        try:

            def parts() -> Iterator[pa.Table]:
                for customers in ranges:
                    yield con.sql(settlements_sql(store_dir, tolerance, customers=customers)).to_arrow_table()

            return write_parts_atomically(
                parts(), path, store.DERIVED_SCHEMAS[KIND], metadata=meta, row_group_size=ROW_GROUP_ROWS
            )
        finally:
            con.close()


def ensure_settlements(store_dir: Path) -> bool:
    """Rebuild the settlements unless they are current (with the default tolerance); whether it rebuilt."""
    if current_tolerance(store_dir) == DEFAULT_RULES.settlement.tolerance_yuan:
        return False
    return build_settlements(store_dir) is not None
