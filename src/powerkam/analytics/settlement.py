"""The ``settlements`` dataset: every bill settled once, over all its payments.

Grading a period needs, per bill, the payments known on ``as_of`` and the day they reached the
amount (rules.md §1). Joining every bill to its payments on each run is nearly all of the
grading's cost, so the importer settles each bill once, after every billing or payments import
(and ``powerkam data rebuild`` does it on demand), into ``settlements.parquet``:

``customer_id, period, kwh, amount_yuan, due_date`` (from the bill), ``paid_yuan`` (all its
payments), ``settled_on`` (first day the running total of all its payments reaches the amount
within the tolerance; the due date for a zero bill) and ``last_paid_on`` (its latest payment).

For a bill whose ``last_paid_on`` is on or before ``as_of`` (or that has no payment) all its
payments are known, so ``paid_yuan`` and ``settled_on`` *are* the known-payments answer; only
bills with a payment after ``as_of`` are settled again from the payments table by the engine.

The file's Parquet key-value metadata records what it was built from (size and mtime of the
billing and payments files, and the tolerance): :func:`current_tolerance` tells the engine
whether it may use it; a stale or missing file makes the engine fall back to settling every
bill (:func:`powerkam.analytics.grading.bill_settlement`). Nothing here imports Django.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from powerkam.analytics import store
from powerkam.analytics.io.readers import sql_literal
from powerkam.analytics.io.writer import store_lock, write_atomically
from powerkam.analytics.rules import DEFAULT_RULES

KIND = "settlements"
#: Bump when the meaning of the columns changes: older files are then stale.
FORMAT_VERSION = "1"
_SOURCES = ("billing", "payments")


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


def settlements_sql(store_dir: Path, tolerance: Decimal) -> str:
    """The one query that settles every bill over all its payments (DuckDB SQL over the Parquet files)."""
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
          FROM {payments} GROUP BY customer_id, period, paid_on
        ),
        running AS (
          SELECT *, sum(day_yuan) OVER (PARTITION BY customer_id, period ORDER BY paid_on) AS paid_to_date
          FROM daily
        )
        SELECT b.customer_id, b.period, b.kwh, b.amount_yuan, b.due_date,
               CAST(coalesce(sum(r.day_yuan), 0) AS DECIMAL(18,2)) AS paid_yuan,
               CASE WHEN b.amount_yuan = 0 THEN b.due_date
                    ELSE min(r.paid_on) FILTER (WHERE r.paid_to_date >= b.amount_yuan - {tolerance}::DECIMAL(18,2))
               END AS settled_on,
               max(r.paid_on) AS last_paid_on
        FROM {billing} b LEFT JOIN running r ON r.customer_id = b.customer_id AND r.period = b.period
        GROUP BY b.customer_id, b.period, b.kwh, b.amount_yuan, b.due_date
    """


def build_settlements(store_dir: Path, *, tolerance: Decimal | None = None) -> int | None:
    """(Re)write ``settlements.parquet`` from the store's billing and payments; its row count.

    ``None`` (and nothing written) when the store has no billing yet. Holds the store lock, so
    it never reads a half-landed import; the file is replaced atomically.
    """
    store_dir = Path(store_dir)
    tolerance = DEFAULT_RULES.settlement.tolerance_yuan if tolerance is None else tolerance
    with store_lock(store_dir):
        if not store.has_dataset(store_dir, "billing"):
            return None
        built_from = fingerprint(store_dir)  # before reading: a later change makes the result stale
        meta = {f"powerkam_{k}": v for k, v in built_from.items()} | {"powerkam_tolerance_yuan": str(tolerance)}
        path = store.dataset_path(store_dir, KIND)
        # Spill to disk rather than hold a million customers' bills and payments in memory.
        spill = store_dir / ".spill"
        spill.mkdir(exist_ok=True)
        con = duckdb.connect(config={"preserve_insertion_order": False, "temp_directory": str(spill)})
        try:
            rows = write_atomically(con, settlements_sql(store_dir, tolerance), path, metadata=meta)
        finally:
            con.close()
        return rows


def ensure_settlements(store_dir: Path) -> bool:
    """Rebuild the settlements unless they are current (with the default tolerance); whether it rebuilt."""
    if current_tolerance(store_dir) == DEFAULT_RULES.settlement.tolerance_yuan:
        return False
    return build_settlements(store_dir) is not None
