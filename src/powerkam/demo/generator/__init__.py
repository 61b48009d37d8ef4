"""The demo province generator: a realistic synthetic supply area, written as extract files.

Pure Python (numpy, pyarrow, openpyxl; no Django), deterministic by seed: the same
:class:`DemoSpec` gives byte-identical files. The files follow the data contract and are meant
to be loaded through the ordinary importer, in :data:`IMPORT_ORDER`.

Formats (chosen to exercise every path a real extract takes):

=============  =========================================================================
staff          ``staff.csv`` UTF-8, English headers
feeders        ``feeders.csv`` UTF-8
customers      ``customers.csv`` GB18030 with Chinese headers, Chinese enum values and
               thousands separators, as a Chinese Excel desktop saves it; above
               :data:`CUSTOMERS_CSV_MAX` customers ``customers.parquet`` instead
billing        ``billing.parquet``
payments       ``payments.parquet``
loads          ``loads.parquet`` (15-minute loads of the ≥ 10 kV customers, last months)
outages        ``outages.csv`` UTF-8 with BOM
projects       ``projects.xlsx`` Chinese headers and stage values, as a government list arrives
assignments    ``assignments.csv`` UTF-8
visits         ``visits.csv`` UTF-8 with BOM (a team's Excel log saved as CSV)
generation     ``generation.csv`` UTF-8 (PV and wind of the renewable key accounts, by month)
green          ``green.csv`` UTF-8 (green power contracts and green certificates)
applications   ``applications.csv`` UTF-8 (business applications: 减容, 暂停, 销户 …)
contracts      ``contracts.csv`` UTF-8 (supply contracts and their renewal)
market         ``market.csv`` UTF-8 (direct trading, retailers)
=============  =========================================================================
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from powerkam.analytics.store import SCHEMAS
from powerkam.demo.generator import catalog as cat
from powerkam.demo.generator.bills import LoadWindow, Periods, bill_chunk, leading_signals
from powerkam.demo.generator.churn import demo_signals
from powerkam.demo.generator.crm import (
    PROJECT_HEADERS,
    build_assignments,
    build_projects,
    build_staff,
    build_visits,
)
from powerkam.demo.generator.customers import (
    BASIC_CHARGE_MODES,
    IMPORTANT_GRADES,
    TARIFFS,
    Population,
    build_population,
)
from powerkam.demo.generator.grid import Grid, build_grid, build_outages
from powerkam.demo.generator.renewables import build_renewables
from powerkam.demo.generator.writers import ParquetAppender, write_csv, write_parquet, write_xlsx

__all__ = ["CUSTOMERS_CSV_MAX", "IMPORT_ORDER", "MAX_MONTHS", "MIN_CUSTOMERS", "DemoFiles", "DemoSpec", "generate"]

#: The order the files must be imported in (each kind refers only to kinds before it).
IMPORT_ORDER = (
    "staff",
    "feeders",
    "customers",
    "billing",
    "payments",
    "loads",
    "outages",
    "applications",
    "contracts",
    "market",
    "projects",
    "assignments",
    "visits",
    "generation",
    "green",
)
#: Up to this many customers the customer file is a GB18030 CSV; above, Parquet.
CUSTOMERS_CSV_MAX = 200_000
MIN_CUSTOMERS = 10
MAX_MONTHS = 120
#: Customers billed per chunk (bounds memory at a million customers).
CHUNK_CUSTOMERS = 50_000

CUSTOMER_HEADERS_ZH = {
    "customer_id": "户号",
    "name": "户名",
    "parent_id": "集团户号",
    "industry": "行业",
    "voltage_kv": "电压等级",
    "contract_capacity_kva": "合同容量",
    "tariff": "电价类别",
    "basic_charge_mode": "基本电费计收方式",
    "feeders": "供电线路",
    "important_grade": "重要用户等级",
    "district": "区县",
    "area_class": "地区类别",
    "address": "地址",
    "connected_on": "立户日期",
}
_TARIFF_ZH = {
    "large_industrial": "大工业",
    "general_commercial": "一般工商业",
    "residential": "居民",
    "agricultural": "农业",
}
_MODE_ZH = {"capacity": "按容量", "demand": "按需量"}
_IMPORTANT_ZH = {"special": "特级", "first": "一级", "second": "二级", "temporary": "临时性"}
_AREA_ZH = {"urban": "城区", "rural": "农村", "remote": "特殊边远"}
#: A county customer this far from the county seat (a share of the county's radius) is in a remote area.
REMOTE_FROM_SEAT = 0.8


def area_classes(population: Population) -> pa.Array:
    """Where each customer takes supply, for the fault-repair limits (docs/service.md): the city's
    districts are urban, the two counties rural, and a county's outskirts (far from its seat) remote."""
    p = population
    county = np.array([d.county for d in cat.DISTRICTS])[p.district]
    centre_lat = np.array([d.latitude for d in cat.DISTRICTS])[p.district]
    centre_lon = np.array([d.longitude for d in cat.DISTRICTS])[p.district]
    radius = np.array([d.radius_deg for d in cat.DISTRICTS])[p.district]
    lon_scale = np.cos(np.radians(centre_lat))
    distance = np.hypot(p.latitude - centre_lat, (p.longitude - centre_lon) * lon_scale)
    area = np.where(county, np.where(distance > REMOTE_FROM_SEAT * radius, "remote", "rural"), "urban")
    return pa.array(area.tolist(), pa.string())


@dataclass(frozen=True)
class DemoSpec:
    """What to generate. ``today`` fixes the calendar: billing ends with the month before it."""

    today: dt.date
    customers: int = 20_000
    seed: int = 2026
    months: int = 36
    load_months: int = 2
    load_customers: int = 5_000

    def __post_init__(self) -> None:
        if self.customers < MIN_CUSTOMERS:
            raise ValueError(f"customers must be at least {MIN_CUSTOMERS}")
        if not 1 <= self.months <= MAX_MONTHS:
            raise ValueError(f"months must be between 1 and {MAX_MONTHS}")
        if not 0 <= self.load_months <= self.months:
            raise ValueError("load_months must be between 0 and months")
        if self.load_customers < 0:
            raise ValueError("load_customers must not be negative")


@dataclass
class DemoFiles:
    """The files written, in import order, and how many rows each holds."""

    directory: Path
    paths: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    periods: tuple[str, str] = ("", "")

    def ordered(self) -> list[tuple[str, Path]]:
        return [(kind, self.paths[kind]) for kind in IMPORT_ORDER if kind in self.paths]


def _rng(seed: int, stream: str, *extra: int) -> np.random.Generator:
    """An independent random stream per part, so changing one part never shifts another."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode()), *extra])


def generate(spec: DemoSpec, out_dir: Path) -> DemoFiles:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(directory=out_dir)
    periods = Periods.ending_before(spec.today, spec.months)
    files.periods = (periods.labels[0], periods.labels[-1])

    population = build_population(
        customers=spec.customers,
        months=spec.months,
        today=spec.today,
        rng=_rng(spec.seed, "customers"),
        names_rng=_rng(spec.seed, "names"),
    )
    grid = build_grid(population=population, rng=_rng(spec.seed, "grid"))

    staff = build_staff(population=population, rng=_rng(spec.seed, "staff"))
    _write(files, "staff", "staff.csv", staff.table(), encoding="utf-8")
    _write(files, "feeders", "feeders.csv", grid.table(), encoding="utf-8")
    _write_customers(files, population, grid)
    _write_bills(files, spec, population, periods)
    outages = build_outages(grid=grid, today=spec.today, rng=_rng(spec.seed, "outages"))
    outages = outages.set_column(2, "start", pc.strftime(outages.column("start"), "%Y-%m-%dT%H:%M"))
    outages = outages.set_column(3, "end", pc.strftime(outages.column("end"), "%Y-%m-%dT%H:%M"))
    _write(files, "outages", "outages.csv", outages, encoding="utf-8-sig")

    signals = demo_signals(
        ids=population.ids,
        hv=population.hv,
        capacity=population.capacity,
        idle_from=population.idle_from,
        connected_on=population.connected_on,
        first_month=periods.first,
        months=spec.months,
        today=spec.today,
        rng=_rng(spec.seed, "churn"),
        signalled=leading_signals(np.arange(population.size)),
    )
    for kind, table in signals.items():
        _write(files, kind, f"{kind}.csv", table, encoding="utf-8")

    projects = build_projects(population=population, today=spec.today, rng=_rng(spec.seed, "projects"))
    path = out_dir / "projects.xlsx"
    write_xlsx(PROJECT_HEADERS, projects, path, sheet="重点项目")
    files.paths["projects"], files.rows["projects"] = path, len(projects)

    assignments = build_assignments(population=population, staff=staff, rng=_rng(spec.seed, "assignments"))
    _write(files, "assignments", "assignments.csv", assignments, encoding="utf-8")
    visits = build_visits(
        population=population, assignments=assignments, today=spec.today, rng=_rng(spec.seed, "visits")
    )
    _write(files, "visits", "visits.csv", visits, encoding="utf-8-sig")

    renewables = build_renewables(population=population, periods=periods, rng=_rng(spec.seed, "renewables"))
    _write(files, "generation", "generation.csv", renewables.generation, encoding="utf-8")
    _write(files, "green", "green.csv", renewables.green, encoding="utf-8")

    manifest = {
        "spec": {**asdict(spec), "today": spec.today.isoformat()},
        "periods": list(files.periods),
        "files": {kind: path.name for kind, path in files.ordered()},
        "rows": files.rows,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return files


def _write(files: DemoFiles, kind: str, name: str, table: pa.Table, *, encoding: str) -> None:
    path = files.directory / name
    write_csv(table, path, encoding=encoding)
    files.paths[kind], files.rows[kind] = path, table.num_rows


def customer_table(population: Population, grid: Grid) -> pa.Table:
    """The customers in the contract's columns, English enum values, store types."""
    p = population
    ids = p.ids
    feeder_ids = pa.array(grid.feeder_ids, pa.string())
    has_a, has_b = p.feeder_a >= 0, p.feeder_b >= 0
    first = pc.if_else(pa.array(has_a), feeder_ids.take(pa.array(np.where(has_a, p.feeder_a, 0))), None)
    second = pc.if_else(pa.array(has_b), feeder_ids.take(pa.array(np.where(has_b, p.feeder_b, 0))), None)
    feeders = pc.binary_join_element_wise(first, second, ";", null_handling="skip")
    feeders = pc.if_else(pa.array(has_a), feeders, None)
    industry = pa.array([s.section for s in cat.SEGMENTS], pa.string()).take(pa.array(p.segment))
    industry = pc.if_else(pc.equal(industry, ""), None, industry)
    has_parent = p.parent >= 0

    def pick(values: tuple[str, ...], index: np.ndarray) -> pa.Array:
        valid = index >= 0
        return pc.if_else(
            pa.array(valid), pa.array(values, pa.string()).take(pa.array(np.where(valid, index, 0))), None
        )

    return pa.table(
        {
            "customer_id": ids,
            "name": p.names,
            "parent_id": pc.if_else(pa.array(has_parent), ids.take(pa.array(np.where(has_parent, p.parent, 0))), None),
            "industry": industry,
            "voltage_kv": pa.array(p.voltage, pa.float64()),
            "contract_capacity_kva": pa.array(p.capacity, pa.float64()),
            "tariff": pick(TARIFFS, p.tariff.astype(np.int64)),
            "basic_charge_mode": pick(BASIC_CHARGE_MODES, p.mode.astype(np.int64)),
            "feeders": feeders,
            "important_grade": pick(IMPORTANT_GRADES, p.important.astype(np.int64)),
            "district": pa.array([d.name for d in cat.DISTRICTS], pa.string()).take(pa.array(p.district)),
            "address": p.addresses,
            "latitude": pa.array(p.latitude, pa.float64()),
            "longitude": pa.array(p.longitude, pa.float64()),
            "connected_on": pa.array(p.connected_on.astype("datetime64[D]")),
        }
    ).cast(SCHEMAS["customers"])


def _write_customers(files: DemoFiles, population: Population, grid: Grid) -> None:
    table = customer_table(population, grid)
    # The area class lands only in the CRM (not a store column): the extract carries it after the district.
    table = table.add_column(table.column_names.index("district") + 1, "area_class", area_classes(population))
    files.rows["customers"] = table.num_rows
    if table.num_rows > CUSTOMERS_CSV_MAX:
        path = files.directory / "customers.parquet"
        write_parquet(table, path)
        files.paths["customers"] = path
        return

    # As a Chinese desktop exports it: Chinese enum values, thousands separators, GB18030.
    def translate(column: str, mapping: dict[str, str]) -> pa.Array:
        values = table.column(column).to_pylist()
        return pa.array([mapping[v] if v is not None else None for v in values], pa.string())

    capacity = [f"{v:,.0f}" if v == int(v) else f"{v:,.2f}" for v in table.column("contract_capacity_kva").to_pylist()]
    voltage = [f"{v:g}" for v in table.column("voltage_kv").to_pylist()]
    desktop = table.select([c for c in table.column_names if c not in {"latitude", "longitude"}])
    after_address = desktop.column_names.index("address") + 1
    desktop = desktop.add_column(after_address, "latitude", table.column("latitude"))
    desktop = desktop.add_column(after_address + 1, "longitude", table.column("longitude"))
    for column, values in (
        ("tariff", translate("tariff", _TARIFF_ZH)),
        ("basic_charge_mode", translate("basic_charge_mode", _MODE_ZH)),
        ("important_grade", translate("important_grade", _IMPORTANT_ZH)),
        ("area_class", translate("area_class", _AREA_ZH)),
        ("contract_capacity_kva", pa.array(capacity, pa.string())),
        ("voltage_kv", pa.array(voltage, pa.string())),
    ):
        desktop = desktop.set_column(desktop.column_names.index(column), column, values)
    path = files.directory / "customers.csv"
    write_csv(desktop, path, encoding="gb18030", headers=CUSTOMER_HEADERS_ZH)
    files.paths["customers"] = path


def interval_metered(population: Population, limit: int) -> np.ndarray:
    """Who gets 15-minute loads: customers at 10 kV and above, at most ``limit`` of them —
    important users first, then the largest (a million-customer base keeps its loads file sane)."""
    p = population
    hv = np.flatnonzero(p.hv)
    order = np.lexsort((hv, -p.capacity[hv], p.important[hv] < 0))
    metered = np.zeros(p.size, dtype=bool)
    metered[hv[order[:limit]]] = True
    return metered


def _write_bills(files: DemoFiles, spec: DemoSpec, population: Population, periods: Periods) -> None:
    window = LoadWindow.last_months(periods, spec.load_months)
    metered = interval_metered(population, spec.load_customers)
    payments_schema = pa.schema([f for f in SCHEMAS["payments"] if f.name != "seq"])
    billing = ParquetAppender(files.directory / "billing.parquet", SCHEMAS["billing"])
    payments = ParquetAppender(files.directory / "payments.parquet", payments_schema)
    loads = ParquetAppender(files.directory / "loads.parquet", SCHEMAS["loads"]) if window else None
    n = population.size
    for chunk, start in enumerate(range(0, n, CHUNK_CUSTOMERS)):
        result = bill_chunk(
            population=population,
            index=np.arange(start, min(n, start + CHUNK_CUSTOMERS)),
            periods=periods,
            window=window,
            interval_metered=metered[start : start + CHUNK_CUSTOMERS],
            today=spec.today,
            rng=_rng(spec.seed, "bills", chunk),
        )
        billing.write(result.billing)
        payments.write(result.payments)
        if loads is not None:
            for table in result.loads:
                loads.write(table)
    for kind, appender in (("billing", billing), ("payments", payments), ("loads", loads)):
        if appender is None:
            continue
        appender.close()
        files.paths[kind], files.rows[kind] = appender.path, appender.rows
