"""The analytics store: one Parquet dataset per kind of whole-customer-base data.

Layout under ``$POWERKAM_DATA_DIR/store``::

    customers.parquet  loads.parquet  outages.parquet  …     one file per kind
    billing.json  payments.json  settlements.json           the partitioned kinds' pointers
    parts/billing/<n>/2026-01.parquet  2026-02.parquet …    one file per billing period

Most kinds are one file, replaced atomically (written beside, then renamed), so readers always
see a complete dataset. The kinds of :data:`PARTITIONED` (billing, payments and the derived
settlements) grow by a month at a time, so they are one file per billing ``period`` (a payment
in the file of the period of the bill it pays): a landing writes only the periods it adds or
changes into a new directory ``parts/<kind>/<n>/``, hard-links the other periods' files into it,
and then replaces the pointer ``<kind>.json`` (one rename, so readers see the old or the new
dataset whole). :func:`dataset_source` is what a reader passes to ``read_parquet``. A store from
before partitions (a single ``billing.parquet``) is still read as it is, and split into periods
by the first landing after it. Column types are fixed by :data:`SCHEMAS` (the contract of
``docs/data-formats.md`` after validation and normalisation):

- money is ``decimal(18,2)`` (exact to the fen); energy/power/capacity ``double``;
- enum values are stored in their English form (``large_industrial``, ``first`` …);
- ``period`` is the text ``YYYY-MM``; dates are ``date``; timestamps are naive local time
  (Asia/Shanghai), as the metering system writes them.

This module never imports Django; callers pass the store directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

MONEY = pa.decimal128(18, 2)

SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("name", pa.string()),
            ("parent_id", pa.string()),
            ("industry", pa.string()),
            ("voltage_kv", pa.float64()),
            ("contract_capacity_kva", pa.float64()),
            ("tariff", pa.string()),
            ("basic_charge_mode", pa.string()),
            ("feeders", pa.string()),
            ("important_grade", pa.string()),
            ("district", pa.string()),
            ("address", pa.string()),
            ("latitude", pa.float64()),
            ("longitude", pa.float64()),
            ("connected_on", pa.date32()),
        ]
    ),
    "billing": pa.schema(
        [
            ("customer_id", pa.string()),
            ("period", pa.string()),
            ("kwh", pa.float64()),
            ("kwh_peak", pa.float64()),
            ("kwh_flat", pa.float64()),
            ("kwh_valley", pa.float64()),
            ("kwh_critical", pa.float64()),
            ("kvarh", pa.float64()),
            ("max_demand_kw", pa.float64()),
            ("amount_yuan", MONEY),
            ("due_date", pa.date32()),
        ]
    ),
    "payments": pa.schema(
        [
            ("customer_id", pa.string()),
            ("period", pa.string()),
            ("paid_on", pa.date32()),
            ("amount_yuan", MONEY),
            # Payments have no natural key: identical payments of one bill on one day are
            # told apart by their occurrence number, so re-importing a file changes nothing.
            ("seq", pa.int32()),
        ]
    ),
    "loads": pa.schema(
        [
            ("customer_id", pa.string()),
            ("ts", pa.timestamp("us")),
            ("kw", pa.float64()),
        ]
    ),
    "outages": pa.schema(
        [
            ("outage_id", pa.string()),
            ("feeder_id", pa.string()),
            ("start", pa.timestamp("us")),
            ("end", pa.timestamp("us")),
            ("planned", pa.bool_()),
            ("cause", pa.string()),
        ]
    ),
}

# Renewable-energy key accounts (docs/renewables.md): generation per customer, month and technology;
# green power bought and green certificates held.
SCHEMAS.update(
    {
        "generation": pa.schema(
            [
                ("customer_id", pa.string()),
                ("period", pa.string()),
                ("technology", pa.string()),
                ("installed_kw", pa.float64()),
                ("mode", pa.string()),
                ("generated_kwh", pa.float64()),
                ("self_consumed_kwh", pa.float64()),
                ("exported_kwh", pa.float64()),
            ]
        ),
        "green": pa.schema(
            [
                ("record_id", pa.string()),
                ("customer_id", pa.string()),
                ("type", pa.string()),
                ("traded_on", pa.date32()),
                ("kwh", pa.float64()),
                ("energy_price_yuan_per_kwh", pa.float64()),
                ("premium_yuan_per_kwh", pa.float64()),
                ("certificates", pa.int64()),
                ("certificate_price_yuan", pa.float64()),
            ]
        ),
    }
)

# Churn signals (docs/health.md): business applications, supply contracts, market status.
SCHEMAS.update(
    {
        "applications": pa.schema(
            [
                ("application_id", pa.string()),
                ("customer_id", pa.string()),
                ("type", pa.string()),
                ("applied_on", pa.date32()),
                ("effective_on", pa.date32()),
                ("capacity_kva", pa.float64()),
                ("status", pa.string()),
            ]
        ),
        "contracts": pa.schema(
            [
                ("contract_no", pa.string()),
                ("customer_id", pa.string()),
                ("start_on", pa.date32()),
                ("end_on", pa.date32()),
                ("capacity_kva", pa.float64()),
                ("renewal_status", pa.string()),
            ]
        ),
        "market": pa.schema(
            [
                ("customer_id", pa.string()),
                ("effective_on", pa.date32()),
                ("status", pa.string()),
                ("retailer", pa.string()),
            ]
        ),
    }
)

#: The key each kind is upserted by.
KEYS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "billing": ("customer_id", "period"),
    "payments": ("customer_id", "period", "paid_on", "amount_yuan", "seq"),
    "loads": ("customer_id", "ts"),
    "outages": ("outage_id",),
    "generation": ("customer_id", "period", "technology"),
    "green": ("record_id",),
    # churn signals
    "applications": ("application_id",),
    "contracts": ("contract_no",),
    "market": ("customer_id", "effective_on"),
}

STORE_KINDS = tuple(SCHEMAS)

#: Datasets derived from the imported ones (never imported themselves): ``settlements`` is one
#: row per bill with its payments settled over *all* payments (built by
#: :mod:`powerkam.analytics.settlement` from ``billing`` and ``payments``); ``typical_loads`` is
#: each customer's typical load profile (built by :mod:`powerkam.analytics.typical` from ``loads``).
DERIVED_SCHEMAS: dict[str, pa.Schema] = {
    "settlements": pa.schema(
        [
            ("customer_id", pa.string()),
            ("period", pa.string()),
            ("kwh", pa.float64()),
            ("amount_yuan", MONEY),
            ("due_date", pa.date32()),
            # Sum of all the bill's payments; 0.00 when none.
            ("paid_yuan", MONEY),
            # First day the running total of all payments reaches the amount (within the
            # tolerance); the due date for a zero bill; null while not reached.
            ("settled_on", pa.date32()),
            # Latest payment day; null when the bill has no payment.
            ("last_paid_on", pa.date32()),
            # max(0, amount - paid_yuan): what is still owed once every payment is counted.
            ("unpaid_yuan", MONEY),
            # Paid on more than one day: one entry per day, that day's payments and the running
            # total of all its payments up to that day (in no particular order); else null.
            (
                "payment_days",
                pa.list_(pa.struct([("paid_on", pa.date32()), ("day_yuan", MONEY), ("paid_to_date", MONEY)])),
            ),
        ]
    ),
    # One row per customer with interval data, sorted by customer_id: its typical kW per 15-minute
    # slot of a working and of a non-working day (docs/rules.md §4; null: no reading in that slot),
    # over the days first_day … last_day (built by :mod:`powerkam.analytics.typical` from ``loads``).
    "typical_loads": pa.schema(
        [
            ("customer_id", pa.string()),
            ("first_day", pa.date32()),
            ("last_day", pa.date32()),
            ("working", pa.list_(pa.float64(), 96)),
            ("non_working", pa.list_(pa.float64(), 96)),
        ]
    ),
}


def dataset_path(store_dir: Path, kind: str) -> Path:
    """The single file of ``kind`` (for a partitioned kind: the file of a store from before partitions)."""
    if kind not in SCHEMAS and kind not in DERIVED_SCHEMAS:
        raise KeyError(kind)
    return Path(store_dir) / f"{kind}.parquet"


# --- partitioned kinds ----------------------------------------------------------------------

#: Kinds kept as one Parquet file per billing period (the column ``period``).
PARTITIONED = frozenset({"billing", "payments", "settlements"})
PARTS = "parts"
_PERIOD = re.compile(r"^\d{4}-\d{2}$")


def pointer_path(store_dir: Path, kind: str) -> Path:
    """``<kind>.json``: which directory of ``parts/<kind>/`` is the dataset, and what wrote it."""
    if kind not in PARTITIONED:
        raise KeyError(kind)
    return Path(store_dir) / f"{kind}.json"


def read_pointer(store_dir: Path, kind: str) -> dict[str, Any] | None:
    """The pointer of a partitioned kind (``dir`` relative to the store, and what its writer noted)."""
    if kind not in PARTITIONED:
        return None
    try:
        data = json.loads(pointer_path(store_dir, kind).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return data if isinstance(data, dict) and "dir" in data else None


def parts_dir(store_dir: Path, kind: str) -> Path | None:
    """The directory holding the dataset of a partitioned kind, or ``None`` (not partitioned yet)."""
    pointer = read_pointer(store_dir, kind)
    return Path(store_dir) / pointer["dir"] if pointer else None


def partition_name(period: str) -> str:
    if not isinstance(period, str) or not _PERIOD.match(period):
        raise ValueError(f"not a billing period (YYYY-MM): {period!r}")
    return f"{period}.parquet"


def partition_files(store_dir: Path, kind: str) -> dict[str, Path]:
    """``{period: file}`` of a partitioned kind's dataset in place (``{}`` when there is none)."""
    folder = parts_dir(store_dir, kind)
    if folder is None or not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.parquet")) if _PERIOD.match(p.stem)}


def is_partitioned(store_dir: Path, kind: str) -> bool:
    return read_pointer(store_dir, kind) is not None


def has_dataset(store_dir: Path, kind: str) -> bool:
    if is_partitioned(store_dir, kind):
        return bool(partition_files(store_dir, kind))
    return dataset_path(store_dir, kind).exists()


def dataset_source(store_dir: Path, kind: str) -> str | None:
    """What ``read_parquet`` reads for ``kind`` (DuckDB, Ibis, Spark): the file, or the glob of a
    partitioned dataset's period files; ``None`` when the store has no such data."""
    if is_partitioned(store_dir, kind):
        folder = parts_dir(store_dir, kind)
        return str(folder / "*.parquet") if folder is not None and partition_files(store_dir, kind) else None
    path = dataset_path(store_dir, kind)
    return str(path) if path.exists() else None


def dataset_files(store_dir: Path, kind: str) -> list[Path]:
    """The files of the dataset in place: a partitioned kind's period files, else the one file (or none)."""
    if is_partitioned(store_dir, kind):
        return list(partition_files(store_dir, kind).values())
    path = dataset_path(store_dir, kind)
    return [path] if path.exists() else []


def read_dataset(store_dir: Path, kind: str) -> pa.Table:
    """The whole dataset in place as one Arrow table (small stores, tests; an empty table when none)."""
    files = dataset_files(store_dir, kind)
    schema = SCHEMAS.get(kind) or DERIVED_SCHEMAS[kind]
    if not files:
        return schema.empty_table()
    return pa.concat_tables([pq.read_table(p, schema=schema) for p in files])


def dataset_rows(store_dir: Path, kind: str) -> int:
    """Rows of the dataset in place (0 when none), from the files' footers."""
    if is_partitioned(store_dir, kind):
        return sum(pq.read_metadata(p).num_rows for p in partition_files(store_dir, kind).values())
    path = dataset_path(store_dir, kind)
    return pq.read_metadata(path).num_rows if path.exists() else 0


def dataset_stamp(store_dir: Path, kind: str) -> str:
    """Changes whenever the dataset in place does (for caches and for what a derived dataset was
    built from): the pointer's directory, or the single file's size and mtime; ``absent``."""
    if (pointer := read_pointer(store_dir, kind)) is not None:
        return f"dir:{pointer['dir']}"
    try:
        st = dataset_path(store_dir, kind).stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_size}:{st.st_mtime_ns}"


def new_parts_dir(store_dir: Path, kind: str) -> Path:
    """A new, empty directory ``parts/<kind>/<n>`` (n one more than any there; under the store lock)."""
    root = Path(store_dir) / PARTS / kind
    root.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name) for p in root.iterdir() if p.name.isdigit()]
    folder = root / str(max(taken, default=0) + 1)
    folder.mkdir()
    return folder


def write_pointer(store_dir: Path, kind: str, folder: Path, **noted: Any) -> None:
    """Make ``folder`` the dataset of ``kind``: the pointer written beside and renamed over (fsynced)."""
    store_dir = Path(store_dir)
    path = pointer_path(store_dir, kind)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = {"dir": folder.relative_to(store_dir).as_posix(), **noted}
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(store_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def prune_parts(store_dir: Path, kind: str, *, keep: int = 3, also: Iterable[str] = ()) -> None:
    """Remove the older directories of ``parts/<kind>/`` (their files live on where linked): all but
    the newest ``keep``, the one in place and those named in ``also`` (``dir`` values of pointers)."""
    root = Path(store_dir) / PARTS / kind
    if not root.is_dir():
        return
    pointer = read_pointer(store_dir, kind)
    kept = {pointer["dir"]} if pointer else set()
    kept |= set(also)
    folders = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    for folder in folders[: max(0, len(folders) - keep)]:
        if folder.relative_to(store_dir).as_posix() not in kept:
            shutil.rmtree(folder, ignore_errors=True)


# --- what a landing changed ----------------------------------------------------------------
#
# A landing of a partitioned kind notes in its new directory what it changed against the directory
# it replaced, so that settling needs no comparison of the files: ``changes.json`` names that
# directory (``from``) and each period it wrote: ``all`` (a period new to the dataset: every row is
# new) or ``keys`` (the bills — customer_id, period — whose rows it added or changed are in
# ``changes/PERIOD.parquet``). The periods it does not name are the very files of ``from``. A
# directory without the note (a rollback, a store split into periods, files put there by hand) is
# compared file by file instead.

CHANGES = "changes"
CHANGED_ALL = "all"
CHANGED_KEYS = "keys"


def changes_dir(folder: Path) -> Path:
    """Where a landing keeps the bills it changed, one file per period (see :func:`write_changes`)."""
    return Path(folder) / CHANGES


def write_changes(folder: Path, previous: str | None, periods: dict[str, str]) -> None:
    """Note in ``folder`` what its landing changed against the directory ``previous`` (a pointer's
    ``dir``; ``None``: no usable predecessor, nothing is noted). Durable before the pointer names ``folder``."""
    if previous is None:
        return
    path = Path(folder) / f"{CHANGES}.json"
    with path.open("w", encoding="utf-8") as fh:
        json.dump({"from": previous, "periods": periods}, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())


def read_changes(folder: Path) -> dict[str, Any] | None:
    """What the landing that wrote ``folder`` changed (:func:`write_changes`), or ``None`` when it is not
    known (no note, an unreadable one, or a key file missing)."""
    try:
        data = json.loads((Path(folder) / f"{CHANGES}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("from"), str) or not isinstance(data.get("periods"), dict):
        return None
    for period, what in data["periods"].items():
        if not isinstance(period, str) or not _PERIOD.match(period):
            return None
        if what == CHANGED_KEYS and not (changes_dir(folder) / partition_name(period)).is_file():
            return None
        if what not in {CHANGED_ALL, CHANGED_KEYS}:
            return None
    return data


def empty_table(kind: str) -> pa.Table:
    return SCHEMAS[kind].empty_table()


# --- versions -------------------------------------------------------------------------------
#
# Every landing of a store kind keeps the dataset it produced as ``versions/<kind>/<run id>.parquet``:
# a hard link to the very file the landing renamed into place, so keeping a version costs no copy
# and no space until a later landing replaces the dataset (the old file then lives on under its
# version's name). Rolling back links a version into place again; retention removes the oldest.

VERSIONS = "versions"


def versions_dir(store_dir: Path, kind: str) -> Path:
    if kind not in SCHEMAS:
        raise KeyError(kind)
    return Path(store_dir) / VERSIONS / kind


def version_path(store_dir: Path, kind: str, run_id: int) -> Path:
    """The version of ``run_id``: a file, or for a partitioned kind a directory of period files
    (a version kept before the kind was partitioned stays a ``.parquet`` file)."""
    folder = versions_dir(store_dir, kind)
    if kind in PARTITIONED and not (folder / f"{int(run_id)}.parquet").exists():
        return folder / str(int(run_id))
    return folder / f"{int(run_id)}.parquet"


def version_ids(store_dir: Path, kind: str) -> list[int]:
    """The run ids whose version of ``kind`` is kept, oldest first."""
    folder = versions_dir(store_dir, kind)
    if not folder.is_dir():
        return []
    ids = {int(p.stem) for p in folder.glob("*.parquet") if p.stem.isdigit()}
    if kind in PARTITIONED:
        ids |= {int(p.name) for p in folder.iterdir() if p.name.isdigit() and p.is_dir()}
    return sorted(ids)


def _inodes(files: Iterable[Path]) -> dict[str, tuple[int, int]]:
    out = {}
    for p in files:
        st = p.stat()
        out[p.name] = (st.st_dev, st.st_ino)
    return out


def is_current(store_dir: Path, kind: str, run_id: int) -> bool:
    """Whether the dataset in place is (the same file, or the same period files, as) the version of ``run_id``."""
    version = version_path(store_dir, kind, run_id)
    if not version.exists():
        return False
    if is_partitioned(store_dir, kind):
        if not version.is_dir():
            return False
        return _inodes(partition_files(store_dir, kind).values()) == _inodes(version.glob("*.parquet"))
    dataset = dataset_path(store_dir, kind)
    return dataset.exists() and version.is_file() and dataset.samefile(version)


def prune_versions(store_dir: Path, kind: str, keep: int) -> list[int]:
    """Remove all but the ``keep`` newest versions of ``kind`` (never the one in place); the run ids removed."""
    ids = version_ids(store_dir, kind)
    removed = []
    for run_id in ids[: max(0, len(ids) - max(keep, 1))]:
        if is_current(store_dir, kind, run_id):
            continue
        path = version_path(store_dir, kind, run_id)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(run_id)
    return removed
