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

Like billing and payments (a payment in the period of the bill it pays), the settlements are one
file per period (:data:`powerkam.analytics.store.PARTITIONED`), so a period's bills depend on that
period's billing and payments files only. ``unpaid_yuan`` (max(0, amount − all payments)) and the
order of the rows let the engine read only what a period needs: a scan for the window's periods
reads their files only, and within a file the fully paid bills come first, then the unpaid ones
(each by customer, one range of customers at a time: settling a base of any size holds one range
in memory, with DuckDB bounded by :data:`MEMORY_LIMIT` and spilling beyond it), so a scan for
unpaid bills skips the other row groups by their statistics.

The pointer ``settlements.json`` records what the files were built from (the billing and payments
datasets in place then, and the tolerance): :func:`current_tolerance` tells the engine whether it
may use them; stale or missing settlements make the engine fall back to settling every bill
(:func:`powerkam.analytics.grading.bill_settlement`).

After an import, :func:`update_settlements` settles only what changed since the settlements were
built. Each landing notes in its directory the periods it added and the bills whose rows it added
or changed (:func:`powerkam.analytics.store.read_changes`); the settling follows those notes back
to the directories the settlements were built from, so it reads no file to find what changed
(where a note is missing — a rollback, files put there by hand — it compares each period's file
with the one they were built from instead, a period a landing did not touch being the very same
file, hard-linked). A new period is settled whole, and so is a period at least :data:`WHOLE_SHARE`
of whose bills changed (one query, no merge: the month before a payments import's month); in
another changed period only the changed bills are settled again, merged into that period's
settlements; the other periods' files are linked as they are. A period without payments yet (a
new month's bills) is settled without the join to its payments.
:func:`build_settlements` (``powerkam data rebuild``) settles every bill again. Nothing here
imports Django.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from powerkam.analytics import store
from powerkam.analytics.grading_backends import connect, default_backend, drop_temp_table, ids_table
from powerkam.analytics.io.readers import _quote, sql_literal
from powerkam.analytics.io.writer import store_lock, write_atomically, write_parts_atomically
from powerkam.analytics.rules import DEFAULT_RULES

KIND = "settlements"
#: Bump when the meaning of the columns (or their order in the file) changes: older files are then stale.
FORMAT_VERSION = "4"
_SOURCES = ("billing", "payments")

#: Bills settled by one query: the customers are split into ranges of about this many bills
#: (with their payments), settled one range after the other and appended to the file.
CHUNK_BILLS = 4_000_000
#: DuckDB's memory bound while settling (beyond it, it spills to the store's ``.spill``);
#: ``POWERKAM_DUCKDB_MEMORY_LIMIT`` overrides it, ``POWERKAM_DUCKDB_THREADS`` sets the threads.
MEMORY_LIMIT = "1GB"
#: Rows per Parquet row group: small enough that the unpaid bills of a range fill few of them.
ROW_GROUP_ROWS = 65_536

#: A changed period is settled whole (one query) when at least this share of its bills changed (the
#: month before a payments import's month: nearly all of them); below it, only the changed bills are
#: settled and merged with the period's other settlements.
WHOLE_SHARE = 0.5
#: Landings followed back by their notes of what they changed (beyond: the files are compared).
MAX_NOTED = 64


def fingerprint(store_dir: Path) -> dict[str, str]:
    """What the settlements must have been built from: the billing and payments datasets in place."""
    prints = {"format": FORMAT_VERSION}
    for kind in _SOURCES:
        prints[kind] = store.dataset_stamp(store_dir, kind)
    return prints


def current_tolerance(store_dir: Path) -> Decimal | None:
    """The tolerance the settlements were built with, if they are current; else ``None`` (missing or stale)."""
    pointer = store.read_pointer(store_dir, KIND)
    if not pointer or "tolerance_yuan" not in pointer:
        return None
    if pointer.get("built_from") != fingerprint(store_dir) or not store.partition_files(store_dir, KIND):
        return None
    return Decimal(pointer["tolerance_yuan"])


def _parquet(path: Path | str) -> str:
    return f"read_parquet({sql_literal(path)})"


def settlements_sql(billing: str, payments: str | None, tolerance: Decimal, *, customers: str = "true") -> str:
    """The query that settles the bills of *billing* (an SQL relation) of the *customers* (an SQL
    condition on ``customer_id``; every bill by default) over all their payments in *payments*
    (``None``: the bills have no payment yet, e.g. a new month's: the same columns, without the join)."""
    if payments is None:
        return f"""
            SELECT customer_id, period, kwh, amount_yuan, due_date, CAST(0 AS DECIMAL(18,2)) AS paid_yuan,
                   CASE WHEN amount_yuan = 0 THEN due_date END AS settled_on, CAST(NULL AS DATE) AS last_paid_on,
                   CAST(greatest(0, amount_yuan) AS DECIMAL(18,2)) AS unpaid_yuan,
                   CAST(NULL AS {_SQL_TYPES["payment_days"]}) AS payment_days
            FROM {billing} WHERE {customers}
        """
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
    """


#: Within a period's file: the fully paid bills, then the unpaid ones, each by customer.
ORDER = "unpaid_yuan > 0, customer_id"


_BILL_COLUMNS = ("customer_id", "period", "kwh", "amount_yuan", "due_date")
_MONEY = "decimal(18,2)"


def settlements_table(billing: ir.Table, payments: ir.Table | None, tolerance: Decimal) -> ir.Table:
    """:func:`settlements_sql` as an Ibis expression, for any engine (PySpark: ``build_settlements(
    backend="pyspark")``): the bills of *billing* settled over all their *payments* (``None``: none),
    with the columns of the ``settlements`` schema (rows in no particular order)."""
    bills = billing.select(*_BILL_COLUMNS)
    if payments is None:
        money, day = ibis.null(_MONEY), ibis.null("date")
        empty = bills.select(*_BILL_COLUMNS, paid_on=day, day_yuan=money, paid_to_date=money)
        joined = empty
    else:
        daily = payments.group_by(["customer_id", "period", "paid_on"]).aggregate(day_yuan=payments.amount_yuan.sum())
        running = daily.mutate(
            paid_to_date=daily.day_yuan.sum().over(
                ibis.cumulative_window(group_by=[daily.customer_id, daily.period], order_by=daily.paid_on)
            )
        )
        joined = bills.left_join(running, ["customer_id", "period"]).select(
            *_BILL_COLUMNS, "paid_on", "day_yuan", "paid_to_date"
        )
    tolerance_lit = ibis.literal(tolerance, type=_MONEY)
    reached = joined.paid_to_date >= joined.amount_yuan - tolerance_lit
    day = ibis.struct(
        {
            "paid_on": joined.paid_on,
            "day_yuan": joined.day_yuan.cast(_MONEY),
            "paid_to_date": joined.paid_to_date.cast(_MONEY),
        }
    )
    per_bill = joined.group_by(list(_BILL_COLUMNS)).aggregate(
        paid_yuan=ibis.coalesce(joined.day_yuan.sum(), ibis.literal(Decimal("0.00"), type=_MONEY)).cast(_MONEY),
        paid_off_on=reached.ifelse(joined.paid_on, ibis.null("date")).min(),
        last_paid_on=joined.paid_on.max(),
        paid_days=joined.paid_on.count(),
        days=day.collect(where=joined.paid_on.notnull()),
    )
    zero = ibis.literal(Decimal("0.00"), type=_MONEY)
    return per_bill.select(
        *_BILL_COLUMNS,
        paid_yuan=per_bill.paid_yuan,
        settled_on=(per_bill.amount_yuan == 0).ifelse(per_bill.due_date, per_bill.paid_off_on),
        last_paid_on=per_bill.last_paid_on,
        unpaid_yuan=ibis.greatest(zero, per_bill.amount_yuan - per_bill.paid_yuan).cast(_MONEY),
        payment_days=(per_bill.paid_days > 1).ifelse(per_bill.days, ibis.null(per_bill.days.type())),
    )


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


def _batches(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[pa.Table]:
    reader = con.sql(sql).to_arrow_reader(ROW_GROUP_ROWS)
    for batch in reader:
        yield pa.Table.from_batches([batch])


def _write(parts: Iterable[pa.Table], path: Path) -> int:
    return write_parts_atomically(parts, path, store.DERIVED_SCHEMAS[KIND], row_group_size=ROW_GROUP_ROWS)


def _period_source(store_dir: Path, kind: str, period: str) -> str | None:
    """The SQL relation of one period's rows of *kind* (``None``: none)."""
    if store.is_partitioned(store_dir, kind):
        path = store.partition_files(store_dir, kind).get(period)
        return _parquet(path) if path else None
    path = store.dataset_path(store_dir, kind)
    return f"(SELECT * FROM {_parquet(path)} WHERE period = {sql_literal(period)})" if path.exists() else None


def _settle_period(
    con: duckdb.DuckDBPyConnection,
    store_dir: Path,
    period: str,
    bills: Path,
    tolerance: Decimal,
    target: Path,
    chunk_bills: int,
) -> int:
    """Settle every bill of one period's billing file *bills* into *target*, a range of customers at a time."""
    payments = _period_source(store_dir, "payments", period)
    billing = _parquet(bills)

    ranges = customer_ranges(bills, chunk_bills=chunk_bills)
    if len(ranges) == 1:  # one query, written by DuckDB itself
        sql = settlements_sql(billing, payments, tolerance, customers=ranges[0])
        return _copy(con, f"SELECT * FROM ({sql}) ORDER BY {ORDER}", target)

    def parts() -> Iterator[pa.Table]:
        for customers in ranges:
            sql = settlements_sql(billing, payments, tolerance, customers=customers)
            yield from _batches(con, f"SELECT * FROM ({sql}) ORDER BY {ORDER}")

    return _write(parts(), target)


def _copy(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> int:
    """Write the settlements of *sql* to *target* with DuckDB (its columns cast to the schema's types)."""
    casts = ", ".join(f"CAST({_quote(name)} AS {_SQL_TYPES[name]}) AS {_quote(name)}" for name in _SQL_TYPES)
    return write_atomically(con, f"SELECT {casts} FROM ({sql})", target, row_group_size=ROW_GROUP_ROWS)


#: The settlements' columns in DuckDB's types (the schema of :data:`store.DERIVED_SCHEMAS`).
_SQL_TYPES = {
    "customer_id": "VARCHAR",
    "period": "VARCHAR",
    "kwh": "DOUBLE",
    "amount_yuan": "DECIMAL(18,2)",
    "due_date": "DATE",
    "paid_yuan": "DECIMAL(18,2)",
    "settled_on": "DATE",
    "last_paid_on": "DATE",
    "unpaid_yuan": "DECIMAL(18,2)",
    "payment_days": "STRUCT(paid_on DATE, day_yuan DECIMAL(18,2), paid_to_date DECIMAL(18,2))[]",
}


def _pointer(store_dir: Path, folder: Path, built_from: dict[str, str], tolerance: Decimal, **noted: Any) -> None:
    store.write_pointer(store_dir, KIND, folder, built_from=built_from, tolerance_yuan=str(tolerance), **noted)
    store.dataset_path(store_dir, KIND).unlink(missing_ok=True)  # a settlements file from before partitions
    store.prune_parts(store_dir, KIND, keep=2)


def build_settlements(
    store_dir: Path,
    *,
    tolerance: Decimal | None = None,
    chunk_bills: int = CHUNK_BILLS,
    backend: str | None = None,
) -> int | None:
    """Settle every bill again into the ``settlements`` dataset; its row count.

    ``None`` (and nothing written) when the store has no billing yet. Holds the store lock, so
    it never reads a half-landed import; the dataset is replaced at once (its pointer renamed).
    The bills of a period are settled one range of about *chunk_bills* bills at a time
    (:func:`customer_ranges`).

    ``backend`` (default: ``POWERKAM_ANALYTICS_BACKEND``, else ``duckdb``): ``pyspark`` settles
    with :func:`settlements_table` on Spark instead, one period at a time (:func:`_settle_on`);
    the files are the same.
    """
    store_dir = Path(store_dir)
    tolerance = DEFAULT_RULES.settlement.tolerance_yuan if tolerance is None else tolerance
    backend = backend or default_backend()
    with store_lock(store_dir):
        if not store.has_dataset(store_dir, "billing"):
            return None
        built_from = fingerprint(store_dir)  # before reading: a later change makes the result stale
        spill = store_dir / ".spill"
        spill.mkdir(exist_ok=True)
        folder = store.new_parts_dir(store_dir, KIND)
        if backend != "duckdb":
            try:
                rows = _settle_on(connect(backend), store_dir, tolerance, folder)
                _pointer(store_dir, folder, built_from, tolerance, settled="all")
                return rows
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        con = _connect(spill)
        try:
            if store.is_partitioned(store_dir, "billing"):
                rows = 0
                for period, bills in store.partition_files(store_dir, "billing").items():
                    target = folder / store.partition_name(period)
                    rows += _settle_period(con, store_dir, period, bills, tolerance, target, chunk_bills)
            else:
                rows = _settle_single_file(con, store_dir, tolerance, folder, chunk_bills)
            _pointer(store_dir, folder, built_from, tolerance, settled="all")
            return rows
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            con.close()


def _settle_on(con: Any, store_dir: Path, tolerance: Decimal, folder: Path) -> int:
    """Every bill settled by the Ibis connection *con* (PySpark), one period at a time: the
    engine settles and sorts the period's bills (:data:`ORDER`), this process writes its file.

    A period's settlements pass through this process as one Arrow table (about 150 bytes a bill).
    """
    schema = store.DERIVED_SCHEMAS[KIND]
    partitioned = store.is_partitioned(store_dir, "billing")
    if partitioned:
        billing_files = store.partition_files(store_dir, "billing")
        payment_files = (
            store.partition_files(store_dir, "payments") if store.is_partitioned(store_dir, "payments") else {}
        )
        periods = list(billing_files)
    else:
        periods = sorted(
            pc.unique(pq.read_table(store.dataset_path(store_dir, "billing"), columns=["period"]).column(0)).to_pylist()
        )
    whole_billing = None if partitioned else con.read_parquet(str(store.dataset_path(store_dir, "billing")))
    payments_source = store.dataset_source(store_dir, "payments")
    whole_payments = None
    if payments_source is not None and not (partitioned and store.is_partitioned(store_dir, "payments")):
        whole_payments = con.read_parquet(payments_source)
    rows = 0
    for period in periods:
        if whole_billing is None:
            billing = con.read_parquet(str(billing_files[period]))
        else:
            billing = whole_billing.filter(whole_billing.period == period)
        if whole_payments is not None:
            payments = whole_payments.filter(whole_payments.period == period)
        else:
            path = payment_files.get(period)
            payments = con.read_parquet(str(path)) if path else None
        settled = settlements_table(billing, payments, tolerance)
        settled = settled.order_by([settled.unpaid_yuan > 0, settled.customer_id])
        table = settled.to_pyarrow()
        rows += _write([table.select(schema.names).cast(schema)], folder / store.partition_name(str(period)))
    return rows


def _period_table_on(con: Any, store_dir: Path, kind: str, period: str) -> ir.Table | None:
    """One period's rows of *kind* as a table of the Ibis connection *con* (``None``: none)."""
    name = f"powerkam_settle_{kind}"
    if store.is_partitioned(store_dir, kind):
        path = store.partition_files(store_dir, kind).get(period)
        return con.read_parquet(str(path), table_name=name) if path else None
    path = store.dataset_path(store_dir, kind)
    if not path.exists():
        return None
    table = con.read_parquet(str(path), table_name=name)
    return table.filter(table.period == period)


_CHANGED_IDS = "powerkam_settle_changed"


def _settle_period_on(
    con: Any,
    store_dir: Path,
    period: str,
    bills: Path,
    tolerance: Decimal,
    target: Path,
    *,
    changed: tuple[list[str], Path] | None = None,
) -> int:
    """Settle one period's bills with the Ibis connection *con* (PySpark) into *target*.

    ``changed``: (customers, the period's settlements file): settle only those customers' bills
    and keep the file's other rows as they are (the incremental path of :func:`update_settlements`).
    The engine settles, merges and sorts (:data:`ORDER`); this process writes the file.
    """
    schema = store.DERIVED_SCHEMAS[KIND]
    billing = con.read_parquet(str(bills), table_name="powerkam_settle_bills")
    payments = _period_table_on(con, store_dir, "payments", period)
    try:
        if changed is None:
            settled = settlements_table(billing, payments, tolerance)
        else:
            customers, previous = changed
            ids = ids_table(con, _CHANGED_IDS, customers)
            billing = billing.filter(billing.customer_id.isin(ids.customer_id))
            if payments is not None:
                payments = payments.filter(payments.customer_id.isin(ids.customer_id))
            fresh = settlements_table(billing, payments, tolerance)
            kept = con.read_parquet(str(previous), table_name="powerkam_settle_previous")
            kept = kept.filter(~kept.customer_id.isin(ids.customer_id)).select(*schema.names)
            settled = kept.union(fresh.select(*schema.names).cast(kept.schema()))
        settled = settled.order_by([settled.unpaid_yuan > 0, settled.customer_id])
        table = settled.to_pyarrow()
    finally:
        if changed is not None:
            drop_temp_table(con, _CHANGED_IDS)
    return _write([table.select(schema.names).cast(schema)], target)


def _settle_single_file(
    con: duckdb.DuckDBPyConnection, store_dir: Path, tolerance: Decimal, folder: Path, chunk_bills: int
) -> int:
    """A store from before partitions (one billing file): settled a range of customers at a time,
    each range's bills appended to the file of their period."""
    billing = store.dataset_path(store_dir, "billing")
    payments_source = store.dataset_source(store_dir, "payments")
    payments = _parquet(payments_source) if payments_source else None
    schema = store.DERIVED_SCHEMAS[KIND]
    writers: dict[str, pq.ParquetWriter] = {}
    rows = 0
    try:
        for customers in customer_ranges(billing, chunk_bills=chunk_bills):
            sql = settlements_sql(_parquet(billing), payments, tolerance, customers=customers)
            table = con.sql(f"SELECT * FROM ({sql}) ORDER BY period, {ORDER}").to_arrow_table()
            table = table.select(schema.names).cast(schema)
            periods = table.column("period")
            for period in pc.unique(periods).to_pylist():
                part = table.filter(pc.equal(periods, period))
                if period not in writers:
                    writers[period] = pq.ParquetWriter(
                        folder / store.partition_name(period), schema, compression="zstd"
                    )
                writers[period].write_table(part, row_group_size=ROW_GROUP_ROWS)
                rows += part.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    return rows


def _changed(
    con: duckdb.DuckDBPyConnection, kind: str, base: Path | None, current: Path | None, whole: set[str]
) -> None:
    """Note in ``__touched`` the bills of *kind*'s periods whose file differs between the *base*
    and *current* directories (rows in one and not the other); a period only one of them has goes
    into *whole* (settled whole, or dropped)."""
    before = {p.stem: p for p in base.glob("*.parquet")} if base else {}
    after = {p.stem: p for p in current.glob("*.parquet")} if current else {}
    for period in sorted(before.keys() | after.keys()):
        old, new = before.get(period), after.get(period)
        if old is not None and new is not None:
            if old.samefile(new):
                continue
            con.execute(
                f"""INSERT INTO __touched SELECT DISTINCT customer_id, period FROM (
                      (SELECT * FROM {_parquet(new)} EXCEPT ALL SELECT * FROM {_parquet(old)})
                      UNION ALL
                      (SELECT * FROM {_parquet(old)} EXCEPT ALL SELECT * FROM {_parquet(new)}))"""
            )
        elif kind == "payments" and new is not None:  # a period's first payments: its bills paid
            con.execute(f"INSERT INTO __touched SELECT DISTINCT customer_id, period FROM {_parquet(new)}")
        else:
            whole.add(period)


def update_settlements(
    store_dir: Path, *, tolerance: Decimal | None = None, chunk_bills: int = CHUNK_BILLS, backend: str | None = None
) -> str | None:
    """Bring the settlements up to the billing and payments in place, settling only what changed
    since they were built (module docstring); what was done: ``"current"`` (nothing to do),
    ``"incremental"``, ``"rebuilt"`` (no usable base: :func:`build_settlements`), or ``None`` (no billing).

    ``backend`` (default: ``POWERKAM_ANALYTICS_BACKEND``, else ``duckdb``): with ``pyspark`` the
    bills are settled on Spark (:func:`_settle_period_on`, with :func:`settlements_table`); what
    changed is still found here, from the landings' notes (small files) or, without them, by
    comparing the period files with DuckDB. The files are the same on both.
    """
    store_dir = Path(store_dir)
    tolerance = DEFAULT_RULES.settlement.tolerance_yuan if tolerance is None else tolerance
    backend = backend or default_backend()
    with store_lock(store_dir):
        if not store.has_dataset(store_dir, "billing"):
            return None
        pointer = store.read_pointer(store_dir, KIND) or {}
        built_from = fingerprint(store_dir)
        base = pointer.get("built_from") or {}
        usable = (
            pointer.get("tolerance_yuan") == str(tolerance)
            and base.get("format") == FORMAT_VERSION
            and store.partition_files(store_dir, KIND)
            and all(built_from[k].startswith("dir:") or built_from[k] == "absent" for k in _SOURCES)
            and all(
                ((base.get(k) or "").startswith("dir:") and (Path(store_dir) / base[k][4:]).is_dir())
                or base.get(k) == "absent"
                for k in _SOURCES
            )
            and built_from["billing"] != "absent"
        )
        if base == built_from and usable:
            return "current"
        if not usable:
            build_settlements(store_dir, tolerance=tolerance, chunk_bills=chunk_bills, backend=backend)
            return "rebuilt"
        spill = store_dir / ".spill"
        spill.mkdir(exist_ok=True)
        con = _connect(spill)
        folder = store.new_parts_dir(store_dir, KIND)
        try:
            engine = None if backend == "duckdb" else connect(backend)
            _settle_changes(con, store_dir, base, built_from, tolerance, folder, chunk_bills, engine)
            _pointer(store_dir, folder, built_from, tolerance, settled="incremental")
            return "incremental"
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            con.close()


def _noted(store_dir: Path, base: str, current: str) -> tuple[set[str], list[Path]] | None:
    """What the landings from the directory *base* to *current* (``dir`` values of pointers) changed,
    from their notes (:func:`powerkam.analytics.store.read_changes`): the periods new since *base*, and
    the files of the bills changed in the others; ``None`` when a note is missing (compare the files)."""
    new_periods: set[str] = set()
    key_files: list[Path] = []
    folder = current
    for _ in range(MAX_NOTED):
        if folder == base:
            return new_periods, key_files
        note = store.read_changes(Path(store_dir) / folder)
        if note is None:
            return None
        for period, what in note["periods"].items():
            if what == store.CHANGED_ALL:
                new_periods.add(period)
            else:
                key_files.append(store.changes_dir(Path(store_dir) / folder) / store.partition_name(period))
        folder = note["from"]
    return None


def _settle_changes(
    con: duckdb.DuckDBPyConnection,
    store_dir: Path,
    base: dict[str, str],
    built_from: dict[str, str],
    tolerance: Decimal,
    folder: Path,
    chunk_bills: int,
    engine: Any | None = None,
) -> None:
    """Settle what changed from *base* to *built_from* into *folder*: with DuckDB (*con*), or with
    the Ibis connection *engine* (PySpark) when given; *con* finds what changed either way."""

    def directory(stamp: str) -> Path | None:
        return Path(store_dir) / stamp[4:] if stamp.startswith("dir:") else None

    con.execute("CREATE OR REPLACE TEMP TABLE __touched (customer_id VARCHAR, period VARCHAR)")
    whole: set[str] = set()
    for kind in _SOURCES:
        if base[kind] == built_from[kind]:
            continue
        noted = None
        if base[kind].startswith("dir:") and built_from[kind].startswith("dir:"):
            noted = _noted(store_dir, base[kind][4:], built_from[kind][4:])
        if noted is None:
            _changed(con, kind, directory(base[kind]), directory(built_from[kind]), whole)
            continue
        new_periods, key_files = noted
        if kind == "billing":
            whole |= new_periods
        else:  # a period's first payments: the bills they pay (most of the period's: all of it, unsought)
            paid_files, bill_files = store.partition_files(store_dir, kind), store.partition_files(store_dir, "billing")
            for period in sorted(new_periods & paid_files.keys()):
                paid = pq.read_metadata(paid_files[period]).num_rows
                if period in bill_files and paid >= WHOLE_SHARE * pq.read_metadata(bill_files[period]).num_rows:
                    whole.add(period)
                else:
                    con.execute(
                        f"INSERT INTO __touched SELECT DISTINCT customer_id, period FROM {_parquet(paid_files[period])}"
                    )
        if key_files:
            files = "[" + ", ".join(sql_literal(f) for f in key_files) + "]"
            con.execute(f"INSERT INTO __touched SELECT customer_id, period FROM read_parquet({files})")
    touched = {
        r[0]: r[1]
        for r in con.execute("SELECT period, count(DISTINCT customer_id) FROM __touched GROUP BY period").fetchall()
    }
    settled = store.partition_files(store_dir, KIND)
    for period, bills in store.partition_files(store_dir, "billing").items():
        name = store.partition_name(period)
        old = settled.get(period)
        changed = touched.get(period, 0)
        if period in whole or old is None or (changed and changed >= WHOLE_SHARE * pq.read_metadata(bills).num_rows):
            if engine is not None:
                _settle_period_on(engine, store_dir, period, bills, tolerance, folder / name)
            else:
                _settle_period(con, store_dir, period, bills, tolerance, folder / name, chunk_bills)
        elif changed and engine is not None:
            customers = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT customer_id FROM __touched WHERE period = ? ORDER BY 1", [period]
                ).fetchall()
            ]
            _settle_period_on(engine, store_dir, period, bills, tolerance, folder / name, changed=(customers, old))
        elif changed:
            payments = _period_source(store_dir, "payments", period)
            these = f"customer_id IN (SELECT customer_id FROM __touched WHERE period = {sql_literal(period)})"
            fresh = settlements_sql(_parquet(bills), payments, tolerance, customers=these)
            merged = (
                f"SELECT * FROM (SELECT * FROM {_parquet(old)} WHERE NOT ({these}) "
                f"UNION ALL BY NAME SELECT * FROM ({fresh})) ORDER BY {ORDER}"
            )
            _copy(con, merged, folder / name)
        else:
            os.link(old, folder / name)


def ensure_settlements(store_dir: Path) -> bool:
    """Bring the settlements up to date (with the default tolerance), incrementally when they can
    be; whether anything was settled."""
    return update_settlements(store_dir) in {"incremental", "rebuilt"}
