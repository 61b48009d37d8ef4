"""Land a validated, typed table in the Parquet analytics store: upsert by key, atomically.

The new dataset is written beside the old one and renamed over it, so a reader (or an import
killed half-way) never sees a partial file. When nothing would change, nothing is written.
An exclusive lock serialises concurrent imports into one store.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from powerkam.analytics.io.readers import _quote, sql_literal
from powerkam.analytics.store import KEYS, SCHEMAS, dataset_path


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int
    unchanged: int
    total: int


@contextmanager
def store_lock(store_dir: Path) -> Iterator[None]:
    store_dir.mkdir(parents=True, exist_ok=True)
    with (store_dir / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_atomically(
    con: duckdb.DuckDBPyConnection, select_sql: str, path: Path, *, metadata: dict[str, str] | None = None
) -> int:
    """Write ``select_sql`` to ``path`` as Parquet beside it, fsync, rename over it; the rows written.

    ``metadata`` goes into the file's key-value metadata. Readers never see a partial file.
    """
    tmp = _temporary(path)
    kv = ""
    if metadata:
        kv = ", KV_METADATA {" + ", ".join(f"{k}: {sql_literal(v)}" for k, v in metadata.items()) + "}"
    try:
        con.execute(
            f"COPY ({select_sql}) TO {sql_literal(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 262144{kv})"
        )
        rows = pq.read_metadata(tmp).num_rows
        _replace(tmp, path)
        return rows
    finally:
        if tmp.exists():
            tmp.unlink()


def write_parts_atomically(
    parts: Iterable[pa.Table],
    path: Path,
    schema: pa.Schema,
    *,
    metadata: dict[str, str] | None = None,
    row_group_size: int = 262144,
) -> int:
    """Write the tables of *parts*, one after the other, as one Parquet file (same guarantees as
    :func:`write_atomically`); the rows written.

    Each part becomes its own row groups (of at most *row_group_size* rows), so a dataset built
    part by part (e.g. one range of customers at a time) never has to be in memory as a whole.
    """
    tmp = _temporary(path)
    try:
        with pq.ParquetWriter(tmp, schema.with_metadata(metadata or {}), compression="zstd") as out:
            for part in parts:
                out.write_table(part.select(schema.names).cast(schema), row_group_size=row_group_size)
        rows = pq.read_metadata(tmp).num_rows
        _replace(tmp, path)
        return rows
    finally:
        if tmp.exists():
            tmp.unlink()


def _temporary(path: Path) -> Path:
    """Where *path* is written before it is renamed over (see :func:`_remove_stale_temporaries`)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _replace(tmp: Path, path: Path) -> None:
    """fsync *tmp*, rename it over *path*, fsync the directory: readers see the old or the new file."""
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_stale_temporaries(store_dir: Path) -> None:
    """A killed import leaves its temporary file behind; the dataset itself is intact."""
    for stale in store_dir.glob(".*.parquet.*.tmp"):
        try:
            pid = int(stale.name.rsplit(".", 2)[-2])
        except ValueError:
            continue
        if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
            stale.unlink(missing_ok=True)


def upsert_dataset(con: duckdb.DuckDBPyConnection, kind: str, store_dir: Path, *, table: str = "typed") -> UpsertCounts:
    """Merge ``table`` into the store's dataset of ``kind``, rows replaced by key."""
    store_dir = Path(store_dir)
    path = dataset_path(store_dir, kind)
    columns = [f.name for f in SCHEMAS[kind]]
    cols = ", ".join(_quote(c) for c in columns)
    keys = KEYS[kind]
    with store_lock(store_dir):
        _remove_stale_temporaries(store_dir)
        new_rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        order = ", ".join(_quote(k) for k in keys)
        if not path.exists():
            write_atomically(con, f"SELECT {cols} FROM {table} ORDER BY {order}", path)
            return UpsertCounts(inserted=new_rows, updated=0, unchanged=0, total=new_rows)
        old = f"read_parquet({sql_literal(path)})"
        join = " AND ".join(f"n.{_quote(k)} = o.{_quote(k)}" for k in keys)
        same = " AND ".join(f"n.{_quote(c)} IS NOT DISTINCT FROM o.{_quote(c)}" for c in columns)
        first_key = _quote(keys[0])
        inserted, updated, unchanged = con.execute(
            f"SELECT count(*) FILTER (WHERE o.{first_key} IS NULL), "
            f"count(*) FILTER (WHERE o.{first_key} IS NOT NULL AND NOT ({same})), "
            f"count(*) FILTER (WHERE o.{first_key} IS NOT NULL AND ({same})) "
            f"FROM {table} n LEFT JOIN {old} o ON {join}"
        ).fetchall()[0]
        old_total = int(con.execute(f"SELECT count(*) FROM {old}").fetchall()[0][0])
        total = old_total + int(inserted)
        if inserted == 0 and updated == 0:
            return UpsertCounts(inserted=0, updated=0, unchanged=int(unchanged), total=total)
        key_list = ", ".join(_quote(k) for k in keys)
        merged = (
            f"SELECT {cols} FROM (SELECT {cols} FROM {old} o ANTI JOIN {table} n USING ({key_list}) "
            f"UNION ALL SELECT {cols} FROM {table}) ORDER BY {order}"
        )
        write_atomically(con, merged, path)
        return UpsertCounts(inserted=int(inserted), updated=int(updated), unchanged=int(unchanged), total=total)
