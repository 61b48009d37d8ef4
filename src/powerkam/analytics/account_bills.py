"""The key accounts' bills and payments, by customer: what the account 360 page reads.

The store keeps billing and payments as one file per billing period (docs/data-formats.md, "Store
layout"), which is what a monthly import and the whole-base steps want. One customer's 36 months,
though, are then in 36 files of each kind, and a query for one customer over the period files costs
~55 ms of CPU at 20,000 customers (and grows with the base): every file's footer is read and a row
group of each scanned (docs/benchmarks.md, "Load, findings").

So the CRM's accounts — a few percent of the base — get a copy of their rows sorted by customer,
in small row groups (:data:`ROW_GROUP_ROWS`), rebuilt after every billing or payments landing and
each night (:func:`build`). A reader keeps each file's footer and the customer range of each row
group in memory, and reads the one or two row groups that hold the customer (:func:`rows_of`: about
1 ms for both kinds). The copy names the datasets it was built from (:func:`store.dataset_stamp`);
once either has changed, or for a customer it does not hold, :func:`rows_of` answers ``None`` and the
caller reads the period files as before: the copy is never stale, only unused.

Layout: ``store/account-bills.json`` (the pointer: its directory, the stamps of billing and payments
it was built from, the customers), ``store/account-bills/N/{billing,payments,customers}.parquet``.
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from powerkam.analytics import store
from powerkam.analytics.io.readers import sql_literal
from powerkam.analytics.io.writer import store_lock, write_atomically

NAME = "account-bills"
KINDS = ("billing", "payments")
#: Rows per row group: a customer's 36 months lie in one or two groups of 2,048 rows, and a reader
#: decodes only those (measured: 1.3 ms for both kinds at 2,048 rows a group, 1.6 ms at 8,192).
ROW_GROUP_ROWS = 2048
#: The directories kept: the one in place and two before it, which readers may still have open.
KEEP = 3
#: The columns a reader asks for.
COLUMNS = {
    "billing": ["customer_id", "period", "kwh", "amount_yuan", "due_date"],
    "payments": ["customer_id", "period", "paid_on", "amount_yuan"],
}


def pointer_path(store_dir: Path) -> Path:
    return Path(store_dir) / f"{NAME}.json"


def read_pointer(store_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(pointer_path(store_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) and "dir" in data else None


def source_stamps(store_dir: Path) -> dict[str, str]:
    return {kind: store.dataset_stamp(store_dir, kind) for kind in KINDS}


def is_current(store_dir: Path, customer_ids: Iterable[str] | None = None) -> bool:
    """The copy in place was built from the billing and payments in place (and, given
    ``customer_ids``, for exactly those customers)."""
    pointer = read_pointer(store_dir)
    if pointer is None or pointer.get("stamps") != source_stamps(store_dir):
        return False
    if customer_ids is None:
        return True
    return _customers(Path(store_dir) / pointer["dir"]) == frozenset(customer_ids)


def build(store_dir: Path, customer_ids: Iterable[str], *, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Write the copy for ``customer_ids`` from the billing and payments in place and make it the
    current one; the rows written (bills and payments). Under the store lock: no landing changes the
    period files while they are read, and a backup sees the copy whole or not at all."""
    store_dir = Path(store_dir)
    wanted = pa.table({"customer_id": pa.array(sorted(set(customer_ids)), pa.string())})
    own = con is None
    con = con or duckdb.connect()
    try:
        with store_lock(store_dir):
            stamps = source_stamps(store_dir)
            root = store_dir / NAME
            root.mkdir(parents=True, exist_ok=True)
            taken = [int(p.name) for p in root.iterdir() if p.name.isdigit()]
            folder = root / str(max(taken, default=0) + 1)
            folder.mkdir()
            con.register("__wanted", wanted)
            written = 0
            for kind in KINDS:
                source = store.dataset_source(store_dir, kind)
                columns = ", ".join(COLUMNS[kind])
                if source is None:
                    schema = store.SCHEMAS[kind]
                    empty = pa.table({c: pa.array([], schema.field(c).type) for c in COLUMNS[kind]})
                    pq.write_table(empty, folder / f"{kind}.parquet")
                    continue
                written += write_atomically(
                    con,
                    f"SELECT {columns} FROM read_parquet({sql_literal(source)}) "
                    "WHERE customer_id IN (SELECT customer_id FROM __wanted) ORDER BY customer_id, period",
                    folder / f"{kind}.parquet",
                    row_group_size=ROW_GROUP_ROWS,
                )
            con.unregister("__wanted")
            pq.write_table(wanted, folder / "customers.parquet")
            _write_pointer(store_dir, folder, stamps=stamps, customers=wanted.num_rows)
            _prune(root, keep=folder)
    finally:
        if own:
            con.close()
    return written


def _write_pointer(store_dir: Path, folder: Path, **noted: Any) -> None:
    path = pointer_path(store_dir)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"dir": folder.relative_to(store_dir).as_posix(), **noted}, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _prune(root: Path, *, keep: Path) -> None:
    folders = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    for old in folders[:-KEEP]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


# --- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    path: Path
    metadata: pq.FileMetaData
    #: the row groups that hold rows, and each one's smallest and largest customer id
    groups: list[int]
    lows: list[str]
    highs: list[str]


_files: dict[str, _File] = {}
_members: dict[str, frozenset[str]] = {}
_lock = threading.Lock()


def _customers(folder: Path) -> frozenset[str]:
    key = str(folder)
    with _lock:
        found = _members.get(key)
    if found is None:
        # ParquetFile, not read_table: that imports pyarrow.dataset and with it pandas (1.6 s, once)
        found = frozenset(pq.ParquetFile(folder / "customers.parquet").read(columns=["customer_id"])[0].to_pylist())
        with _lock:
            _members.clear()  # one copy in place at a time is what readers use
            _members[key] = found
    return found


def _file(path: Path) -> _File:
    key = str(path)
    with _lock:
        found = _files.get(key)
    if found is None:
        metadata = pq.read_metadata(path)
        column = metadata.schema.names.index("customer_id")
        groups, lows, highs = [], [], []
        for i in range(metadata.num_row_groups):
            group = metadata.row_group(i)
            if group.num_rows == 0:
                continue
            stats = group.column(column).statistics
            if stats is None or not stats.has_min_max:
                raise ValueError(f"{path}: row group {i} has no customer range")  # build() always writes one
            groups.append(i)
            lows.append(stats.min)
            highs.append(stats.max)
        found = _File(path, metadata, groups, lows, highs)
        with _lock:
            if len(_files) > 8:
                _files.clear()
            _files[key] = found
    return found


def _read(path: Path, customer_id: str, columns: list[str]) -> list[dict[str, Any]]:
    f = _file(path)
    first, last = bisect.bisect_left(f.highs, customer_id), bisect.bisect_right(f.lows, customer_id)
    if first >= last:
        return []
    # A reader per call (over the kept footer): one ParquetFile is not to be shared between threads.
    table = pq.ParquetFile(path, metadata=f.metadata).read_row_groups(
        f.groups[first:last], columns=columns, use_threads=False
    )
    return table.filter(pc.equal(table["customer_id"], customer_id)).to_pylist()


@dataclass(frozen=True)
class CustomerRows:
    #: the customer's bills: period, kwh, amount_yuan, due_date (in period order)
    bills: list[dict[str, Any]]
    #: the customer's payments: period, paid_on, amount_yuan
    payments: list[dict[str, Any]]


def rows_of(store_dir: Path, customer_id: str, *, payments: bool = True) -> CustomerRows | None:
    """The customer's bills and payments (``payments=False``: no payment, the bills only) from the
    copy, or ``None`` when the copy cannot answer (none built, built from other billing or payments
    than those in place, or not for this customer)."""
    store_dir = Path(store_dir)
    pointer = read_pointer(store_dir)
    if pointer is None or pointer.get("stamps") != source_stamps(store_dir):
        return None
    folder = store_dir / pointer["dir"]
    try:
        if customer_id not in _customers(folder):
            return None
        return CustomerRows(
            bills=_read(folder / "billing.parquet", customer_id, COLUMNS["billing"]),
            payments=_read(folder / "payments.parquet", customer_id, COLUMNS["payments"]) if payments else [],
        )
    except (OSError, ValueError, pa.ArrowException):  # e.g. pruned under a reader that read the pointer long ago
        return None


def warm_up() -> None:
    """Load what the first read loads lazily (pyarrow's compute functions import pandas: ~1 s), for a
    web process to do before its first user asks (``powerkam.wsgi``)."""
    pc.equal(pa.array(["warm"]), "warm")
