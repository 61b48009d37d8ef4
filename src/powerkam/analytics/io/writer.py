"""Land a validated, typed table in the Parquet analytics store: upsert by key, atomically.

The new dataset is written beside the old one and renamed over it, so a reader (or an import
killed half-way) never sees a partial file. When nothing would change, nothing is written.
An exclusive lock serialises concurrent imports into one store.

With a ``run_id`` the written file records it (and its counts) in its Parquet metadata, and the
dataset in place is kept as that run's version (:mod:`powerkam.analytics.store`, a hard link).
Columns listed as ``absent`` (the file did not have them) keep their stored values on every row
whose key matches: a file without a column never blanks it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from powerkam.analytics import store
from powerkam.analytics.io.readers import _quote, sql_literal
from powerkam.analytics.store import KEYS, PARTITIONED, SCHEMAS, dataset_path, version_path

#: Set to a step's name (``before-rename``, ``after-rename``, ``settle`` …) to have the process
#: kill itself there with SIGKILL: how the tests prove an import killed at any step is recovered.
FAULT_ENV = "POWERKAM_FAULT_AT"
RUN_METADATA = "powerkam_run"


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int
    unchanged: int
    total: int


def fault_point(step: str) -> None:
    """Die here, as a killed process would, when :data:`FAULT_ENV` names ``step`` (tests only)."""
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def dataset_metadata(path: Path) -> dict[str, str]:
    """The key-value metadata PowerKAM wrote into a dataset file (``{}`` when none)."""
    raw = pq.read_metadata(path).metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if not k.startswith(b"ARROW")}


def link_version(store_dir: Path, kind: str, run_id: int) -> Path:
    """Keep the dataset in place as the version of ``run_id`` (a hard link; replaced if there is one).

    A partitioned dataset's version is a directory of hard links to its period files."""
    if store.is_partitioned(store_dir, kind):
        version = store.versions_dir(store_dir, kind) / str(int(run_id))
        version.parent.mkdir(parents=True, exist_ok=True)
        (version.parent / f"{int(run_id)}.parquet").unlink(missing_ok=True)
        tmp = version.with_name(f".{version.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for part in store.partition_files(store_dir, kind).values():
            os.link(part, tmp / part.name)
        shutil.rmtree(version, ignore_errors=True)
        os.replace(tmp, version)
        return version
    dataset, version = dataset_path(store_dir, kind), version_path(store_dir, kind, run_id)
    version.parent.mkdir(parents=True, exist_ok=True)
    tmp = version.with_name(f".{version.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.link(dataset, tmp)
    os.replace(tmp, version)
    return version


def restore_version(store_dir: Path, kind: str, source: Path, run_id: int) -> Path:
    """Put the version file ``source`` in place of the dataset (atomically, under the store lock)
    and keep it as the version of ``run_id`` too: the restore can be rolled back like a landing."""
    store_dir = Path(store_dir)
    if kind in PARTITIONED:
        with store_lock(store_dir):
            folder = store.new_parts_dir(store_dir, kind)
            if source.is_dir():
                for part in sorted(source.glob("*.parquet")):
                    os.link(part, folder / part.name)
            else:  # a version kept before the kind was partitioned: split it into periods
                with duckdb.connect() as con:
                    _split_into_periods(con, f"SELECT * FROM read_parquet({sql_literal(source)})", kind, folder)
            fault_point("before-rename")
            store.write_pointer(store_dir, kind, folder, restored=str(source.name))
            _retire_single_file(store_dir, kind)
            fault_point("after-rename")
            store.prune_parts(store_dir, kind, also=_pinned_parts(store_dir))
            return link_version(store_dir, kind, run_id)
    path = dataset_path(store_dir, kind)
    with store_lock(store_dir):
        tmp = _temporary(path)
        tmp.unlink(missing_ok=True)
        os.link(source, tmp)
        try:
            fault_point("before-rename")
            _replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        fault_point("after-rename")
        return link_version(store_dir, kind, run_id)


#: the store directories whose lock this thread holds (the lock is re-entrant within a thread)
_held = threading.local()


@contextmanager
def store_lock(store_dir: Path) -> Iterator[None]:
    """The store's exclusive lock (a ``flock`` on ``.lock``): one writer at a time, and a backup sees no
    landing half-done. Re-entrant within a thread, so an import can hold it over its CRM transaction
    while the writer it calls takes it again."""
    store_dir.mkdir(parents=True, exist_ok=True)
    key = str(store_dir.resolve())
    held: set[str] = _held.__dict__.setdefault("dirs", set())
    if key in held:
        yield
        return
    with (store_dir / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_atomically(
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    path: Path,
    *,
    metadata: dict[str, str] | None = None,
    row_group_size: int = 262144,
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
            f"COPY ({select_sql}) TO {sql_literal(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {int(row_group_size)}{kv})"
        )
        rows = pq.read_metadata(tmp).num_rows
        if RUN_METADATA in (metadata or {}):
            fault_point("before-rename")
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
    for stale in [*store_dir.glob(".*.parquet.*.tmp"), *store_dir.glob(".*.json.*.tmp")]:
        try:
            pid = int(stale.name.rsplit(".", 2)[-2])
        except ValueError:
            continue
        if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
            stale.unlink(missing_ok=True)


def with_stored_values(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    store_dir: Path,
    absent: Iterable[str],
    *,
    table: str = "typed",
    view: str = "incoming",
    stored: str | list[str] | None = None,
) -> str:
    """The relation to land instead of ``table``: its ``absent`` columns taken from the stored row
    with the same key (empty for a new key). ``table`` itself when nothing is absent or stored yet.
    ``stored``: the files to look in (default: the whole dataset in place; a partitioned landing
    names the files of the periods it lands only).

    A view over the dataset in place: read it before that file is replaced."""
    source = store.dataset_source(store_dir, kind) if stored is None else stored
    keys = KEYS[kind]
    columns = [f.name for f in SCHEMAS[kind]]
    kept = [c for c in columns if c in set(absent) and c not in keys]
    if not kept or not source:
        return table
    join = " AND ".join(f"n.{_quote(k)} = o.{_quote(k)}" for k in keys)
    # Every column of ``table`` (also those the store does not keep, for the CRM), the kept ones stored.
    merged = "n.* REPLACE (" + ", ".join(f"o.{_quote(c)} AS {_quote(c)}" for c in kept) + ")"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {_quote(view)} AS SELECT {merged} "
        f"FROM {table} n LEFT JOIN read_parquet({_files(source)}) o ON {join}"
    )
    return _quote(view)


def upsert_dataset(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    store_dir: Path,
    *,
    table: str = "typed",
    absent: Iterable[str] = (),
    run_id: int | None = None,
) -> UpsertCounts:
    """Merge ``table`` into the store's dataset of ``kind``, rows replaced by key.

    ``absent`` columns keep the stored value where the key matches (new rows get them empty).
    With ``run_id`` the dataset in place afterwards is kept as that run's version.
    """
    store_dir = Path(store_dir)
    if kind in PARTITIONED:
        return _upsert_partitioned(con, kind, store_dir, table=table, absent=absent, run_id=run_id)
    path = dataset_path(store_dir, kind)
    columns = [f.name for f in SCHEMAS[kind]]
    cols = ", ".join(_quote(c) for c in columns)
    keys = KEYS[kind]
    with store_lock(store_dir):
        _remove_stale_temporaries(store_dir)
        new_rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        order = ", ".join(_quote(k) for k in keys)
        if not path.exists():
            metadata = _run_metadata(run_id, new_rows, 0, 0)
            write_atomically(con, f"SELECT {cols} FROM {table} ORDER BY {order}", path, metadata=metadata)
            _landed(store_dir, kind, run_id)
            return UpsertCounts(inserted=new_rows, updated=0, unchanged=0, total=new_rows)
        old = f"read_parquet({sql_literal(path)})"
        join = " AND ".join(f"n.{_quote(k)} = o.{_quote(k)}" for k in keys)
        table = with_stored_values(con, kind, store_dir, absent, table=table)
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
            _landed(store_dir, kind, run_id)  # nothing changes: this run's version is the dataset as it is
            return UpsertCounts(inserted=0, updated=0, unchanged=int(unchanged), total=total)
        key_list = ", ".join(_quote(k) for k in keys)
        merged = (
            f"SELECT {cols} FROM (SELECT {cols} FROM {old} o ANTI JOIN {table} n USING ({key_list}) "
            f"UNION ALL SELECT {cols} FROM {table}) ORDER BY {order}"
        )
        write_atomically(con, merged, path, metadata=_run_metadata(run_id, int(inserted), int(updated), int(unchanged)))
        _landed(store_dir, kind, run_id)
        return UpsertCounts(inserted=int(inserted), updated=int(updated), unchanged=int(unchanged), total=total)


def _files(source: str | list[str]) -> str:
    return "[" + ", ".join(sql_literal(s) for s in source) + "]" if isinstance(source, list) else sql_literal(source)


def _run_metadata(run_id: int | None, inserted: int, updated: int, unchanged: int) -> dict[str, str] | None:
    """What the file records of the landing that wrote it (read back when that landing was killed)."""
    if run_id is None:
        return None
    return {RUN_METADATA: str(run_id), "inserted": str(inserted), "updated": str(updated), "unchanged": str(unchanged)}


def _landed(store_dir: Path, kind: str, run_id: int | None) -> None:
    fault_point("after-rename")
    if run_id is not None:
        link_version(store_dir, kind, run_id)


# --- partitioned kinds (billing, payments): one file per period ------------------------------


def _pinned_parts(store_dir: Path) -> set[str]:
    """The ``parts`` directories the settlements were built from (kept: the next settling diffs against them)."""
    pointer = store.read_pointer(store_dir, "settlements") or {}
    return {v[4:] for v in pointer.get("built_from", {}).values() if isinstance(v, str) and v.startswith("dir:")}


def _retire_single_file(store_dir: Path, kind: str) -> None:
    """The file of a store from before partitions, once split: it lives on as the version it was
    (a hard link kept under ``versions/``), or, when no version holds it, moved beside the versions."""
    legacy = dataset_path(store_dir, kind)
    if not legacy.exists():
        return
    if legacy.stat().st_nlink > 1:
        legacy.unlink()
        return
    keep = store.versions_dir(store_dir, kind) / "before-partitions.parquet"
    keep.parent.mkdir(parents=True, exist_ok=True)
    os.replace(legacy, keep)


def _copy_period(con: duckdb.DuckDBPyConnection, select_sql: str, path: Path) -> None:
    con.execute(f"COPY ({select_sql}) TO {sql_literal(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 262144)")


def _note_changed_bills(con: duckdb.DuckDBPyConnection, folder: Path, period: str) -> None:
    """Keep the bills (customer, period) of the rows of ``__diff`` that are new or changed as
    ``folder/changes/PERIOD.parquet`` (:func:`powerkam.analytics.store.write_changes`)."""
    path = store.changes_dir(folder) / store.partition_name(period)
    path.parent.mkdir(exist_ok=True)
    con.execute(
        f"COPY (SELECT DISTINCT customer_id, period FROM __diff WHERE state < 2 ORDER BY customer_id) "
        f"TO {sql_literal(path)} (FORMAT parquet, COMPRESSION zstd)"
    )
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def partition_in_place(store_dir: Path, kind: str) -> Path:
    """Turn the single file of a partitioned kind (a store from before partitions, or one generated
    whole) into the layout a landing writes: one file per period under a new ``parts/`` directory, the
    pointer renamed over, the single file retired. The new directory."""
    store_dir = Path(store_dir)
    with store_lock(store_dir), duckdb.connect() as con:
        folder = store.new_parts_dir(store_dir, kind)
        _split_into_periods(
            con, f"SELECT * FROM read_parquet({sql_literal(dataset_path(store_dir, kind))})", kind, folder
        )
        store.write_pointer(store_dir, kind, folder)
        _retire_single_file(store_dir, kind)
    return folder


def _split_into_periods(con: duckdb.DuckDBPyConnection, select_sql: str, kind: str, folder: Path) -> None:
    """Write the rows of *select_sql* into *folder*, one file per period, in key order."""
    columns = ", ".join(_quote(f.name) for f in SCHEMAS[kind])
    order = ", ".join(_quote(k) for k in KEYS[kind])
    con.execute(f"CREATE OR REPLACE TEMP TABLE __split AS SELECT {columns} FROM ({select_sql})")
    for (period,) in con.execute("SELECT DISTINCT period FROM __split ORDER BY 1").fetchall():
        name = store.partition_name(period)
        _copy_period(con, f"SELECT * FROM __split WHERE period = {sql_literal(period)} ORDER BY {order}", folder / name)
    con.execute("DROP TABLE __split")


def _upsert_partitioned(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    store_dir: Path,
    *,
    table: str,
    absent: Iterable[str],
    run_id: int | None,
) -> UpsertCounts:
    """:func:`upsert_dataset` for a kind kept one file per period: only the periods the file has are
    merged (each its own rows replaced by key) and written; the other periods' files are linked into
    the new directory as they are; the pointer's rename lands all of it at once, or none."""
    columns = [f.name for f in SCHEMAS[kind]]
    cols = ", ".join(_quote(c) for c in columns)
    keys = KEYS[kind]
    key_list = ", ".join(_quote(k) for k in keys)
    order = key_list
    with store_lock(store_dir):
        _remove_stale_temporaries(store_dir)
        legacy = dataset_path(store_dir, kind)
        convert = not store.is_partitioned(store_dir, kind) and legacy.exists()
        source = table
        if absent:  # the stored values of absent columns: from the files of the file's periods only
            landing = {r[0] for r in con.execute(f"SELECT DISTINCT period FROM {table}").fetchall()}
            files = [str(legacy)] if convert else []
            files += [str(p) for period, p in store.partition_files(store_dir, kind).items() if period in landing]
            source = with_stored_values(con, kind, store_dir, absent, table=table, stored=files)
        con.execute(f"CREATE OR REPLACE TEMP TABLE __landing AS SELECT {cols} FROM {source}")
        for (period,) in con.execute("SELECT DISTINCT period FROM __landing").fetchall():
            store.partition_name(period)  # refuses what is not a period before anything is written
        folder = store.new_parts_dir(store_dir, kind)
        try:
            if convert:  # a store from before partitions: its file becomes one file per period first
                _split_into_periods(con, f"SELECT * FROM read_parquet({sql_literal(legacy)})", kind, folder)
                current = {p.stem: p for p in folder.glob("*.parquet")}
            else:
                current = store.partition_files(store_dir, kind)
            periods = [r[0] for r in con.execute("SELECT DISTINCT period FROM __landing ORDER BY 1").fetchall()]
            inserted = updated = unchanged = 0
            join = " AND ".join(f"n.{_quote(k)} = o.{_quote(k)}" for k in keys)
            same = " AND ".join(f"n.{_quote(c)} IS NOT DISTINCT FROM o.{_quote(c)}" for c in columns)
            first_key = _quote(keys[0])
            written: set[str] = set()
            changes: dict[str, str] = {}  # what the settling reads instead of comparing files (store.CHANGES)
            for period in periods:
                name = store.partition_name(period)
                incoming = f"(SELECT * FROM __landing WHERE period = {sql_literal(period)})"
                old = current.get(period)
                target = folder / name
                if old is None:
                    n = int(con.execute(f"SELECT count(*) FROM {incoming}").fetchall()[0][0])
                    _copy_period(con, f"SELECT {cols} FROM {incoming} ORDER BY {order}", target)
                    inserted += n
                    written.add(name)
                    changes[period] = store.CHANGED_ALL
                    continue
                old_sql = f"read_parquet({sql_literal(old)})"
                # Each incoming row: 0 new, 1 changed, 2 the same as stored; the bills of the first two are noted.
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE __diff AS SELECT n.customer_id, n.period, "
                    f"CASE WHEN o.{first_key} IS NULL THEN 0 WHEN NOT ({same}) THEN 1 ELSE 2 END AS state "
                    f"FROM {incoming} n LEFT JOIN {old_sql} o ON {join}"
                )
                ins, upd, unch = con.execute(
                    "SELECT count(*) FILTER (WHERE state = 0), count(*) FILTER (WHERE state = 1), "
                    "count(*) FILTER (WHERE state = 2) FROM __diff"
                ).fetchall()[0]
                inserted, updated, unchanged = inserted + int(ins), updated + int(upd), unchanged + int(unch)
                if ins == 0 and upd == 0:
                    continue  # linked below as it is
                _note_changed_bills(con, folder, period)
                changes[period] = store.CHANGED_KEYS
                tmp = folder / f".{name}.{os.getpid()}.tmp"
                _copy_period(
                    con,
                    f"SELECT {cols} FROM (SELECT {cols} FROM {old_sql} o ANTI JOIN {incoming} n USING ({key_list}) "
                    f"UNION ALL SELECT {cols} FROM {incoming}) ORDER BY {order}",
                    tmp,
                )
                if old.parent == folder:
                    old.unlink()
                os.replace(tmp, target)
                written.add(name)
            con.execute("DROP TABLE __landing")
            con.execute("DROP TABLE IF EXISTS __diff")
            if inserted == 0 and updated == 0 and not convert:
                shutil.rmtree(folder, ignore_errors=True)
                _landed(store_dir, kind, run_id)  # nothing changes: this run's version is the dataset as it is
                total = sum(pq.read_metadata(p).num_rows for p in current.values())
                return UpsertCounts(inserted=0, updated=0, unchanged=unchanged, total=total)
            for period, path in current.items():
                name = store.partition_name(period)
                if name not in written and path.parent != folder:
                    os.link(path, folder / name)
            total = sum(pq.read_metadata(p).num_rows for p in folder.glob("*.parquet"))
            previous = store.read_pointer(store_dir, kind)
            store.write_changes(folder, previous["dir"] if previous and not convert else None, changes)
            for name in written:  # durable before the pointer names them (the linked files already are)
                with (folder / name).open("rb") as fh:
                    os.fsync(fh.fileno())
            noted = {"inserted": inserted, "updated": updated, "unchanged": unchanged, "periods": sorted(periods)}
            if run_id is not None:
                noted["run"] = int(run_id)
                fault_point("before-rename")
            store.write_pointer(store_dir, kind, folder, **noted)
        except BaseException:
            if store.read_pointer(store_dir, kind) is None or store.parts_dir(store_dir, kind) != folder:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        if convert:
            _retire_single_file(store_dir, kind)
        _landed(store_dir, kind, run_id)
        store.prune_parts(store_dir, kind, also=_pinned_parts(store_dir))
        return UpsertCounts(inserted=inserted, updated=updated, unchanged=unchanged, total=total)
