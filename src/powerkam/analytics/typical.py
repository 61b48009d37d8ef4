"""Typical loads (docs/rules.md §4): computed from the interval readings, or read from a derived dataset.

Typical load of a customer: the mean kW per (day type, 15-minute slot of day) over the calendar
days ``days`` (28) ending with the day of its latest reading; day type = working / non-working on
the official calendar (:class:`~powerkam.analytics.workcal.WorkCalendar`).

Computing it means reading every customer's 28 × 96 readings from the ``loads`` dataset — 150 ms
for 500 accounts, on every window search. So, like the ``settlements`` of the grading, the
importer builds a derived dataset after every ``loads`` import (and ``powerkam data rebuild``, or
the background job queued after a calendar or rules change): ``typical_loads.parquet``, one row
per customer, sorted by ``customer_id`` in small row groups::

    customer_id, first_day, last_day, working (96 × kW), non_working (96 × kW; null: no reading)

Its Parquet key-value metadata records what it was built from: the ``loads`` file (size and
mtime), the number of days, and the **day type of every day its windows cover** (from the first
day of any customer's window to the last). :func:`typical_loads` uses the file only when it is
current — same ``loads`` file, same ``days``, and the calendar it is given still puts every one of
those days in the same type (an administrator's override that touches none of them changes
nothing; one that does makes the file stale) — and otherwise computes from the readings, which
gives the same numbers. ``before=`` (history views) always computes from the readings.

Reading 500 customers' profiles from the derived file touches only the row groups holding them
(binary search on the row groups' key ranges); decoded row groups are kept in a small in-process
cache keyed by the file's identity (inode, size, mtime), so a rebuilt file is never read stale.

Nothing here imports Django; callers pass the store directory and the calendar.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from powerkam.analytics import store
from powerkam.analytics.grading_backends import connect, default_backend, drop_temp_table, temp_table
from powerkam.analytics.io.writer import store_lock
from powerkam.analytics.workcal import WorkCalendar

SLOTS_PER_DAY = 96
WORKING, NON_WORKING = 0, 1
TYPICAL_DAYS = 28

KIND = "typical_loads"
#: Bump when the meaning of the columns changes: older files are then stale.
FORMAT_VERSION = "1"
#: Rows per row group of the derived file: a search reads only the groups holding its accounts.
ROW_GROUP_ROWS = 1024
#: Decoded row groups kept in memory per process (bytes of kW values).
CACHE_BYTES = 64 * 2**20


@dataclass
class TypicalLoads:
    """Typical kW per (customer, day type, slot of day); NaN where the customer has no reading."""

    customer_ids: tuple[str, ...]
    #: shape (customers, 2, 96): [:, WORKING] and [:, NON_WORKING]
    kw: np.ndarray
    first_day: dict[str, dt.date] = field(default_factory=dict)
    last_day: dict[str, dt.date] = field(default_factory=dict)
    #: True when a day type came from a year the calendar does not know yet.
    provisional: bool = False

    def __post_init__(self) -> None:
        self._index = {c: i for i, c in enumerate(self.customer_ids)}

    def row(self, customer_id: str) -> int | None:
        return self._index.get(customer_id)

    def profile(self, customer_id: str) -> np.ndarray | None:
        i = self.row(customer_id)
        return None if i is None else self.kw[i]

    @property
    def without_data(self) -> list[str]:
        """Customers with no interval data at all."""
        return [c for c in self.customer_ids if c not in self.last_day]

    def complete(self, customer_id: str) -> bool:
        i = self.row(customer_id)
        return i is not None and not bool(np.isnan(self.kw[i]).any())

    @classmethod
    def from_profiles(cls, profiles: Mapping[str, Sequence[Sequence[float | None]]]) -> TypicalLoads:
        """Build from ``{customer_id: [working 96 kW, non-working 96 kW]}`` (None → no reading)."""
        ids = tuple(profiles)
        kw = np.full((len(ids), 2, SLOTS_PER_DAY), np.nan)
        for i, cid in enumerate(ids):
            for t in (WORKING, NON_WORKING):
                kw[i, t] = [np.nan if v is None else float(v) for v in profiles[cid][t]]
        today = dt.date.min
        return cls(ids, kw, dict.fromkeys(ids, today), dict.fromkeys(ids, today))


class DayTypes:
    """Day type (0 working, 1 non-working) of consecutive days, asked of the calendar once per day."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.provisional = False
        self._cache: dict[dt.date, int] = {}

    def of(self, day: dt.date) -> int:
        cached = self._cache.get(day)
        if cached is None:
            answer = self.calendar.is_workday(day)
            self.provisional |= answer.provisional
            cached = self._cache[day] = WORKING if answer.workday else NON_WORKING
        return cached

    def span(self, first: dt.date, days: int) -> np.ndarray:
        return np.array([self.of(first + dt.timedelta(days=d)) for d in range(days)], dtype=np.int8)


# -- from the readings ---------------------------------------------------------------------------


@dataclass
class _Computed:
    loads: TypicalLoads
    #: First day of any customer's window and the day type of every day from there to the last.
    first_all: dt.date | None = None
    day_types: np.ndarray | None = None


def recent_readings(
    loads: ir.Table, *, days: int, before: dt.datetime | None = None, wanted: ir.Table | None = None
) -> ir.Table:
    """Each customer's readings on the ``days`` calendar days ending with the day of its latest one
    (readings at or after ``before`` ignored), with their ``day`` and 15-minute ``slot`` of day.

    An Ibis expression over the ``loads`` table of any connection (DuckDB, PySpark); ``wanted``: a
    table of ``customer_id`` to keep (all customers when ``None``).
    """
    mine = loads.select("customer_id", "ts", "kw")
    if wanted is not None:
        mine = mine.filter(mine.customer_id.isin(wanted.customer_id))
    if before is not None:
        mine = mine.filter(mine.ts < ibis.literal(before, type="timestamp"))
    latest = mine.group_by("customer_id").aggregate(last_day=mine.ts.max().date())
    # From midnight of the window's first day on; in the join's condition, where DuckDB checks it
    # while probing (as a filter after the join it is ~20 % slower).
    first = (latest.last_day - ibis.interval(days=days - 1)).cast("timestamp")
    kept = mine.inner_join(latest, [mine.customer_id == latest.customer_id, mine.ts >= first])
    return kept.select(
        "customer_id",
        day=kept.ts.date(),
        slot=(kept.ts.hour() * 4 + kept.ts.minute() // 15).cast("int32"),
        kw=kept.kw,
    )


def customer_spans(recent: ir.Table) -> ir.Table:
    """First and last day of each customer's readings in *recent* (:func:`recent_readings`)."""
    return (
        recent.group_by("customer_id")
        .aggregate(first_day=recent.day.min(), last_day=recent.day.max())
        .order_by("customer_id")
    )


def mean_per_slot(recent: ir.Table, day_types: ir.Table) -> ir.Table:
    """Mean kW per (customer, day type, slot) of *recent*; *day_types*: ``day``, ``day_type``."""
    readings = recent.filter(recent.kw.notnull())
    typed = readings.inner_join(day_types, "day")
    return typed.group_by(["customer_id", "day_type", "slot"]).aggregate(kw=typed.kw.mean())


_connections = threading.local()
#: Names of the working tables in the connection (one computation at a time per connection).
_SOURCE, _WANTED, _DAY_TYPES = "powerkam_typical_source", "powerkam_typical_wanted", "powerkam_typical_day_types"


def _duckdb() -> Any:
    """This thread's in-memory DuckDB connection for the readings (opening one costs tens of ms)."""
    con = getattr(_connections, "con", None)
    if con is None:
        con = _connections.con = connect("duckdb", preserve_insertion_order=False)
    return con


def _from_readings(
    store_dir: Path,
    customer_ids: tuple[str, ...] | None,
    calendar: WorkCalendar,
    *,
    days: int,
    before: dt.datetime | None,
    con: Any | None = None,
) -> _Computed:
    """The rule itself, over the ``loads`` readings; ``customer_ids=None``: every customer with
    readings, in ``customer_id`` order.

    Written once as Ibis expressions (:func:`recent_readings`, :func:`customer_spans`,
    :func:`mean_per_slot`) run by *con*: an Ibis connection to DuckDB (default, a fresh in-memory
    one) or PySpark (:func:`powerkam.analytics.grading_backends.connect`). The calendar stays in
    Python: the day type of every day the windows cover joins in as a small table.
    """
    path = store.dataset_path(store_dir, "loads")
    ids = customer_ids or ()
    empty = _Computed(TypicalLoads(ids, np.full((len(ids), 2, SLOTS_PER_DAY), np.nan)))
    if customer_ids == () or not path.exists():
        return empty
    con = _duckdb() if con is None else con
    wanted = None
    if customer_ids is not None:
        wanted = temp_table(con, _WANTED, pa.table({"customer_id": pa.array(customer_ids, pa.string())}))
    try:
        # One name per connection: a reused connection replaces its view instead of piling them up.
        loads = con.read_parquet(str(path), table_name=_SOURCE)
        recent = recent_readings(loads, days=days, before=before, wanted=wanted)
        # Read once, used twice (the spans, then the means): DuckDB keeps a temp table, Spark persists.
        with recent.cache() as cached:
            spans = customer_spans(cached).to_pyarrow().to_pylist()
            if not spans:
                return empty
            if customer_ids is None:
                ids = tuple(row["customer_id"] for row in spans)
            first_all = min(row["first_day"] for row in spans)
            last_all = max(row["last_day"] for row in spans)
            types = DayTypes(calendar)
            n_days = (last_all - first_all).days + 1
            day_types = types.span(first_all, n_days)
            days_table = pa.table(
                {
                    "day": pa.array([first_all + dt.timedelta(days=d) for d in range(n_days)], pa.date32()),
                    "day_type": pa.array(day_types.astype(np.int32)),
                }
            )
            day_table = temp_table(con, _DAY_TYPES, days_table)
            table = mean_per_slot(cached, day_table).to_pyarrow()
    finally:
        for name in (_WANTED, _DAY_TYPES):
            drop_temp_table(con, name)
    kw = np.full((len(ids), 2, SLOTS_PER_DAY), np.nan)
    result = TypicalLoads(ids, kw)
    rows = np.array([result._index[c] for c in table.column("customer_id").to_pylist()], dtype=np.int64)
    kw[rows, table.column("day_type").to_numpy(), table.column("slot").to_numpy()] = table.column("kw").to_numpy(
        zero_copy_only=False
    )
    for row in spans:
        result.first_day[row["customer_id"]] = row["first_day"]
        result.last_day[row["customer_id"]] = row["last_day"]
    result.provisional = types.provisional
    return _Computed(result, first_all, day_types)


def typical_loads(
    store_dir: Path,
    customer_ids: Iterable[str],
    calendar: WorkCalendar,
    *,
    days: int = TYPICAL_DAYS,
    before: dt.datetime | None = None,
) -> TypicalLoads:
    """Typical load of each customer (docs/rules.md §4).

    For each customer: its readings on the ``days`` calendar days ending with the day of its
    latest reading (readings at or after ``before`` are ignored when given), averaged per
    (day type, 15-minute slot of day). A customer without readings keeps NaN everywhere and is
    listed by :attr:`TypicalLoads.without_data`.

    Read from the derived ``typical_loads`` dataset when it is current for this store, ``days``
    and calendar (:func:`read_current`); otherwise, and always with ``before``, computed from the
    readings.
    """
    ids = tuple(dict.fromkeys(customer_ids))
    if before is None and ids:
        derived = read_current(store_dir, ids, calendar, days=days)
        if derived is not None:
            return derived
    return _from_readings(store_dir, ids, calendar, days=days, before=before).loads


# -- the derived dataset -----------------------------------------------------------------------------


def loads_fingerprint(store_dir: Path) -> str:
    """Size and mtime (ns) of the store's ``loads`` file ("absent" when there is none)."""
    try:
        st = store.dataset_path(store_dir, "loads").stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _day_type_text(day_types: np.ndarray) -> str:
    return "".join("1" if t else "0" for t in day_types.tolist())


def _to_table(loads: TypicalLoads) -> pa.Table:
    columns: dict[str, Any] = {
        "customer_id": pa.array(loads.customer_ids, pa.string()),
        "first_day": pa.array([loads.first_day[c] for c in loads.customer_ids], pa.date32()),
        "last_day": pa.array([loads.last_day[c] for c in loads.customer_ids], pa.date32()),
    }
    for name, t in (("working", WORKING), ("non_working", NON_WORKING)):
        flat = np.ascontiguousarray(loads.kw[:, t, :]).reshape(-1)
        values = pa.array(flat, pa.float64(), mask=np.isnan(flat))
        columns[name] = pa.FixedSizeListArray.from_arrays(values, SLOTS_PER_DAY)
    return pa.table(columns, schema=store.DERIVED_SCHEMAS[KIND])


def build_typical_loads(
    store_dir: Path, calendar: WorkCalendar, *, days: int = TYPICAL_DAYS, backend: str | None = None
) -> int | None:
    """(Re)write ``typical_loads.parquet`` from the store's readings; its row count (customers).

    ``None`` (and nothing written) when the store has no ``loads`` yet. Holds the store lock, so it
    never reads a half-landed import; the file is replaced atomically.

    ``backend``: the engine that aggregates the readings, ``duckdb`` or ``pyspark`` (default:
    ``POWERKAM_ANALYTICS_BACKEND``, else DuckDB); the result is the same on both.
    """
    store_dir = Path(store_dir)
    backend = backend or default_backend()
    with store_lock(store_dir):
        if not store.has_dataset(store_dir, "loads"):
            return None
        built_from = loads_fingerprint(store_dir)  # before reading: a later change makes the result stale
        if backend == "duckdb":
            spill = store_dir / ".spill"
            spill.mkdir(exist_ok=True)
            con = connect("duckdb", preserve_insertion_order=False, temp_directory=str(spill))
        else:
            con = connect(backend)
        try:
            computed = _from_readings(store_dir, None, calendar, days=days, before=None, con=con)
        finally:
            if backend == "duckdb":
                con.disconnect()
        table = _to_table(computed.loads)
        meta = {
            "powerkam_format": FORMAT_VERSION,
            "powerkam_loads": built_from,
            "powerkam_days": str(days),
            "powerkam_calendar_from": computed.first_all.isoformat() if computed.first_all else "",
            "powerkam_calendar_day_types": _day_type_text(computed.day_types) if computed.day_types is not None else "",
        }
        path = store.dataset_path(store_dir, KIND)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            pq.write_table(table.replace_schema_metadata(meta), tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd")
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return table.num_rows


def is_current(store_dir: Path, calendar: WorkCalendar, *, days: int = TYPICAL_DAYS) -> bool:
    """Whether the derived file exists and was built from this store's readings, ``days`` and calendar."""
    path = store.dataset_path(store_dir, KIND)
    try:
        info = _file_info(path)
    except (FileNotFoundError, OSError, pa.ArrowException):
        return False
    return _check(info, store_dir, calendar, days) is not None


def ensure_typical_loads(store_dir: Path, calendar: WorkCalendar, *, days: int = TYPICAL_DAYS) -> bool:
    """Rebuild the typical loads unless they are current; whether it rebuilt."""
    if is_current(store_dir, calendar, days=days):
        return False
    return build_typical_loads(store_dir, calendar, days=days) is not None


@dataclass(frozen=True)
class _FileInfo:
    key: tuple[Any, ...]
    meta: dict[str, str]
    #: smallest and largest customer_id of each row group (the file is sorted by it)
    mins: list[str]
    maxs: list[str]


@dataclass(frozen=True)
class _Group:
    index: dict[str, int]
    kw: np.ndarray  # (rows, 2, 96)
    first_day: list[dt.date]
    last_day: list[dt.date]


_lock = threading.Lock()
_infos: dict[tuple[Any, ...], _FileInfo] = {}
_groups: OrderedDict[tuple[Any, ...], _Group] = OrderedDict()
_cached_bytes = 0


def _file_info(path: Path, fh: Any | None = None) -> _FileInfo:
    """What the file says it was built from and its row groups' key ranges (cached by file identity).

    With ``fh`` (an open handle on ``path``) everything comes from that very file, even if the
    path is replaced meanwhile."""
    st = os.fstat(fh.fileno()) if fh is not None else path.stat()
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    with _lock:
        info = _infos.get(key)
    if info is not None:
        return info
    meta_data = pq.ParquetFile(fh).metadata if fh is not None else pq.read_metadata(path)
    raw = meta_data.metadata or {}
    meta = {k.decode(): v.decode() for k, v in raw.items() if k.startswith(b"powerkam_")}
    mins, maxs = [], []
    for i in range(meta_data.num_row_groups):
        stats = meta_data.row_group(i).column(0).statistics
        has = stats is not None and stats.has_min_max
        mins.append(stats.min if has else "")
        maxs.append(stats.max if has else "\U0010ffff")
    info = _FileInfo(key, meta, mins, maxs)
    with _lock:
        for old in [k for k in _infos if k[0] == key[0]]:
            del _infos[old]
        _infos[key] = info
    return info


def _check(info: _FileInfo, store_dir: Path, calendar: WorkCalendar, days: int) -> DayTypes | None:
    """The day types as the calendar gives them now, if the file is current; else ``None``."""
    meta = info.meta
    if (
        meta.get("powerkam_format") != FORMAT_VERSION
        or meta.get("powerkam_days") != str(days)
        or meta.get("powerkam_loads") != loads_fingerprint(store_dir)
    ):
        return None
    types = DayTypes(calendar)
    recorded = meta.get("powerkam_calendar_day_types", "")
    if recorded:
        first = dt.date.fromisoformat(meta["powerkam_calendar_from"])
        if _day_type_text(types.span(first, len(recorded))) != recorded:
            return None
    return types


def _decode(table: pa.Table) -> _Group:
    ids = table.column("customer_id").to_pylist()
    kw = np.empty((len(ids), 2, SLOTS_PER_DAY))
    for name, t in (("working", WORKING), ("non_working", NON_WORKING)):
        values = table.column(name).combine_chunks().flatten().to_numpy(zero_copy_only=False)
        kw[:, t, :] = values.reshape(len(ids), SLOTS_PER_DAY)
    return _Group(
        {c: i for i, c in enumerate(ids)},
        kw,
        table.column("first_day").to_pylist(),
        table.column("last_day").to_pylist(),
    )


def _group(fh: Any, info: _FileInfo, i: int) -> _Group:
    global _cached_bytes
    key = (*info.key, i)
    with _lock:
        cached = _groups.get(key)
        if cached is not None:
            _groups.move_to_end(key)
            return cached
    group = _decode(pq.ParquetFile(fh).read_row_group(i))
    with _lock:
        if key not in _groups:
            _groups[key] = group
            _cached_bytes += group.kw.nbytes
            while _cached_bytes > CACHE_BYTES and len(_groups) > 1:
                _old, dropped = _groups.popitem(last=False)
                _cached_bytes -= dropped.kw.nbytes
    return group


def read_current(
    store_dir: Path, customer_ids: Sequence[str], calendar: WorkCalendar, *, days: int = TYPICAL_DAYS
) -> TypicalLoads | None:
    """The customers' typical loads from the derived file, or ``None`` when it is missing or stale."""
    path = store.dataset_path(store_dir, KIND)
    try:
        with path.open("rb") as fh:
            return _read(fh, path, store_dir, customer_ids, calendar, days)
    except (FileNotFoundError, OSError, pa.ArrowException, ValueError, KeyError):
        return None


def _read(
    fh: Any, path: Path, store_dir: Path, customer_ids: Sequence[str], calendar: WorkCalendar, days: int
) -> TypicalLoads | None:
    info = _file_info(path, fh)
    types = _check(info, store_dir, calendar, days)
    if types is None:
        return None
    ids = tuple(dict.fromkeys(customer_ids))
    kw = np.full((len(ids), 2, SLOTS_PER_DAY), np.nan)
    result = TypicalLoads(ids, kw, provisional=types.provisional)
    wanted = sorted(ids)
    lo = 0
    for g, (gmin, gmax) in enumerate(zip(info.mins, info.maxs, strict=True)):
        # The wanted ids in [gmin, gmax]: the file is sorted, so they can only be in this group.
        while lo < len(wanted) and wanted[lo] < gmin:
            lo += 1
        hi = lo
        while hi < len(wanted) and wanted[hi] <= gmax:
            hi += 1
        if hi == lo:
            continue
        group = _group(fh, info, g)
        rows, found = [], []
        for cid in wanted[lo:hi]:
            r = group.index.get(cid)
            if r is not None:
                rows.append(result._index[cid])
                found.append(r)
                result.first_day[cid] = group.first_day[r]
                result.last_day[cid] = group.last_day[r]
        if found:
            kw[np.array(rows)] = group.kw[np.array(found)]
        lo = hi
    return result
