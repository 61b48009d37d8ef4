"""Issue 13's promise, as a property: an import never silently changes data.

Valid files of every kind are mutated (columns dropped, renamed to junk, given twice, header
noise; cells set to huge / negative / NaN / text / formula / far-away values; bytes truncated;
encodings changed; workbooks with a stale ``<dimension>``) and each is imported over a baseline.
Then either the import landed exactly what an independent reference reading of the same bytes
says (every row of the file with the reference's values, every other row untouched, a column the
file lacks kept on existing rows), or it was refused with the bad rows named and the store (every
file, derived data included) and the CRM (every table, history included) unchanged. Never a
traceback, never a partial write.

The fast profile runs in ``make test``; the long one is marked slow.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, currently_in_test_context, given, note, settings
from hypothesis import strategies as st

from powerkam.analytics.io.contract import TARIFFS
from powerkam.analytics.store import read_dataset
from powerkam.imports.services import ImportRefused, import_file
from tests.imports import fuzz_support as fz

pytestmark = pytest.mark.django_db

D, T = fz.D, fz.T
MINUTE = dt.timedelta(minutes=1)


# --- the baseline ------------------------------------------------------------------------


@dataclass
class Baseline:
    root: Path
    store: Path
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def fresh_store(self) -> Path:
        """A copy of the baseline store for one example."""
        target = self.root / f"example-{next(self.counter)}"
        fz.copy_store(self.store, target / "store")
        return target


@pytest.fixture
def baseline(settings, tmp_path: Path) -> Baseline:
    """Every fuzzed kind landed once, from CSV files written here (the unmutated baseline lands)."""
    store = tmp_path / "baseline" / "store"
    settings.DATA_DIR = tmp_path
    settings.ANALYTICS_DIR = store
    for kind in fz.BASELINE_ORDER:
        path = tmp_path / f"baseline-{kind}.csv"
        path.write_bytes(fz.write_csv(fz.Table.of(kind, fz.BASELINE[kind]), "utf-8"))
        report = import_file(kind=kind, path=path)
        assert report.inserted == len(fz.BASELINE[kind]), (kind, report)
    return Baseline(tmp_path, store)


KNOWN_CUSTOMERS = {r["customer_id"] for r in fz.BASELINE["customers"]}
KNOWN_FEEDERS = {r["feeder_id"] for r in fz.BASELINE["feeders"]}

#: One new row of each kind (beside the baseline's), every optional field empty.
NEW_ROWS: dict[str, dict[str, Any]] = {
    "customers": {"customer_id": "N09", "name": "新客户", "voltage_kv": 10, "contract_capacity_kva": 630,
                  "tariff": "general_commercial"},
    "billing": {"customer_id": "C001", "period": "2026-10", "kwh": 12.5, "amount_yuan": Decimal("8.75"),
                "due_date": D(2026, 11, 15)},
    "payments": {"customer_id": "C001", "period": "2026-09", "paid_on": D(2026, 10, 9),
                 "amount_yuan": Decimal("10.00")},
    "loads": {"customer_id": "C003", "ts": T(2026, 10, 1, 3), "kw": 5.5},
    "outages": {"outage_id": "O9", "feeder_id": "F04", "start": T(2026, 9, 9, 9), "end": T(2026, 9, 9, 10),
                "planned": False},
    "feeders": {"feeder_id": "F09", "name": "新九线", "substation_id": "S3", "substation_name": "新区变",
                "voltage_kv": 10},
    "projects": {"project_id": "P009", "name": "新项目", "stage": "planned"},
    "staff": {"username": "u009", "name": "新人", "role": "viewer"},
}  # fmt: skip


# --- valid tables --------------------------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _pick(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


def _customer(draw: Draw, key: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "customer_id": key[0],
        "name": draw(_pick("华能热电", "宏达机械", "Acme Foods", "东方纺织 二厂", "Smith, Jones & Co", 'O"Brien')),
        "industry": draw(_pick(None, "C", "D", "G", "Q")),
        "voltage_kv": draw(_pick(0.4, 0.38, 10, 35, 110)),
        "contract_capacity_kva": draw(_pick(0, 50, 315, 1250.5, 8000, 12345.67)),
        "tariff": draw(st.sampled_from(sorted(TARIFFS))),
        "basic_charge_mode": draw(_pick(None, "capacity", "demand")),
        "feeders": draw(_pick(None, "F01", "F02;F03")),
        "important_grade": draw(_pick(None, "special", "first", "second", "temporary")),
        "district": draw(_pick(None, "城东区", "城西区", "高新区")),
        "area_class": draw(_pick(None, "urban", "rural", "remote")),
        "address": draw(_pick(None, "东路1号", "5 Harbour Rd", "B座 12F")),
        "latitude": draw(_pick(None, 31.1, 30.987654, -33.8688)),
        "longitude": draw(_pick(None, 121.5, 120.123456, 151.2093)),
        "connected_on": draw(_pick(None, D(1990, 1, 1), D(2024, 2, 29))),
    }


def _billing(draw: Draw, key: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "customer_id": key[0],
        "period": key[1],
        "kwh": draw(_pick(0, 1234.5, 1_000_000)),
        "kvarh": draw(_pick(None, 0, 50.5)),
        "max_demand_kw": draw(_pick(None, 80, 1234.56)),
        "amount_yuan": draw(_pick(Decimal("0.00"), Decimal("1234.56"), Decimal("99999.99"))),
        "due_date": draw(_pick(D(2026, 11, 15), D(2027, 1, 5))),
    }


def _payment(draw: Draw, key: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(("customer_id", "period", "paid_on", "amount_yuan"), key, strict=True))


def _load(draw: Draw, key: tuple[Any, ...]) -> dict[str, Any]:
    return {"customer_id": key[0], "ts": key[1], "kw": draw(_pick(0, 12.5, -3.25, 1500))}


def _outage(draw: Draw, key: tuple[Any, ...]) -> dict[str, Any]:
    start = draw(_pick(T(2026, 9, 5, 8), T(2026, 10, 1, 23, 30)))
    return {
        "outage_id": key[0],
        "feeder_id": draw(st.sampled_from(sorted(KNOWN_FEEDERS))),
        "start": start,
        "end": start + MINUTE * draw(_pick(30, 240)),
        "planned": draw(st.booleans()),
        "cause": draw(_pick(None, "检修", "Storm, wind")),
    }


SUBSTATIONS = {"S1": "城东变", "S2": "城西变", "S3": "新区变"}


def _feeder(draw: Draw, key: tuple[Any, ...]) -> dict[str, Any]:
    substation = draw(st.sampled_from(sorted(SUBSTATIONS)))
    return {
        "feeder_id": key[0],
        "name": draw(_pick("东一线", "新三线", "Ring 5")),
        "substation_id": substation,
        "substation_name": SUBSTATIONS[substation],
        "voltage_kv": draw(_pick(10, 20, 35)),
        "rated_capacity_kva": draw(_pick(None, 5000, 12000.5)),
        "peak_load_kw": draw(_pick(None, 2500, 3333.33)),
    }


def _project(draw: Draw, key: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "project_id": key[0],
        "name": draw(_pick("新能源电池厂", "数据中心二期", "Logistics Park")),
        "stage": draw(_pick("planned", "approved")),
        "industry": draw(_pick(None, "制造业", "数据中心")),
        "district": draw(_pick(None, "城东区", "高新区")),
        "expected_capacity_kva": draw(_pick(None, 800, 2500.5)),
        "expected_annual_kwh": draw(_pick(None, 2_000_000, 123456.78)),
        "expected_energize_on": draw(_pick(None, D(2027, 6, 1), D(2029, 12, 31))),
        "government_contact": draw(_pick(None, "李局长", "Mr. Chen")),
    }


def _staff(draw: Draw, key: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "username": key[0],
        "name": draw(_pick("张三", "Li Si", "王 五")),
        "email": draw(_pick(None, "a.b@example.com", "x@y.cn")),
        "phone": draw(_pick(None, "13800001111", "0571-8888 1234")),
        "district": draw(_pick(None, "城东区", "城西区")),
        "role": draw(_pick("manager", "supervisor", "planner", "viewer")),
        "daily_visit_capacity": draw(_pick(None, 1, 5, 8)),
    }


_CUSTOMER_IDS = sorted(KNOWN_CUSTOMERS)
KEYS: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "customers": st.tuples(_pick(*_CUSTOMER_IDS, "N01", "N02", "N03")),
    "billing": st.tuples(st.sampled_from(_CUSTOMER_IDS), _pick("2026-07", "2026-08", "2026-09", "2026-10")),
    "payments": st.one_of(
        st.sampled_from([tuple(r.values()) for r in fz.BASELINE["payments"]]),
        st.tuples(
            st.sampled_from(_CUSTOMER_IDS),
            _pick("2026-08", "2026-09"),
            _pick(D(2026, 9, 10), D(2026, 10, 10)),
            _pick(Decimal("1.00"), Decimal("1416.50")),
        ),
    ),
    "loads": st.tuples(
        _pick("C001", "C002", "C003"), st.integers(0, 11).map(lambda k: T(2026, 10, 1) + 15 * k * MINUTE)
    ),
    "outages": st.tuples(_pick("O1", "O2", "O3", "O4", "O5")),
    "feeders": st.tuples(_pick("F01", "F02", "F03", "F04", "F05")),
    "projects": st.tuples(_pick("P001", "P002", "P003", "P004", "P005")),
    "staff": st.tuples(_pick("u001", "u002", "u003", "u004", "u005")),
}
ROWS = {
    "customers": _customer,
    "billing": _billing,
    "payments": _payment,
    "loads": _load,
    "outages": _outage,
    "feeders": _feeder,
    "projects": _project,
    "staff": _staff,
}


@st.composite
def valid_tables(draw: st.DrawFn, kind: str) -> fz.Table:
    """A valid table of ``kind``: existing and new keys, every column, English or Chinese headers."""
    keys = draw(st.lists(KEYS[kind], min_size=1, max_size=5, unique=True))
    rows = [ROWS[kind](draw, key) for key in keys]
    columns = draw(st.permutations(fz.columns_of(kind)))
    headers = []
    for col in columns:
        spellings = (col.name, *col.aliases)
        headers.append(spellings[draw(st.integers(0, len(spellings) - 1))])
    cells = [[fz.cell_of(col, row[col.name], draw(st.integers(0, 11))) for col in columns] for row in rows]
    return fz.Table(kind, [c.name for c in columns], headers, cells)


MUTATIONS = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 20)),
    st.tuples(st.just("rename"), st.integers(0, 20), st.sampled_from(fz.JUNK_HEADERS)),
    st.tuples(st.just("duplicate"), st.integers(0, 20), st.integers(0, 3)),
    st.tuples(st.just("noise"), st.integers(0, 20), st.sampled_from(fz.HEADER_NOISE)),
    st.tuples(st.just("inject"), st.integers(0, 10), st.integers(0, 20), st.sampled_from(fz.INJECTIONS)),
    st.tuples(st.just("inject"), st.integers(0, 10), st.integers(0, 20), st.sampled_from(fz.INJECTIONS)),
)


class Case:
    """One file to import: a (mutated) table written in a format and encoding, maybe truncated.

    Not a dataclass, so that hypothesis reports it by its ``repr`` (the table, not the bytes)."""

    def __init__(
        self,
        kind: str,
        fmt: str,
        encoding: str,
        mutations: list[tuple[Any, ...]],
        stale_dimension: bool,
        truncate_at: float | None,
        table: fz.Table,
        data: bytes,
    ) -> None:
        self.kind, self.fmt, self.encoding, self.mutations = kind, fmt, encoding, mutations
        self.stale_dimension, self.truncate_at, self.table, self.data = stale_dimension, truncate_at, table, data

    def __repr__(self) -> str:
        rows = "\n    ".join(repr([text for text, _ in row]) for row in self.table.rows)
        return (
            f"Case({self.kind} as {self.fmt}{' ' + self.encoding if self.encoding else ''}"
            f"{', stale <dimension>' if self.stale_dimension else ''}"
            f"{f', truncated at {self.truncate_at:.3f} ({len(self.data)} bytes)' if self.truncate_at is not None else ''}, "
            f"mutations {self.mutations}\n  headers {self.table.headers}\n    {rows})"
        )


@st.composite
def cases(draw: st.DrawFn, kinds: tuple[str, ...] = fz.FUZZED_KINDS) -> Case:
    kind = draw(st.sampled_from(kinds))
    fmt = draw(_pick("csv", "xlsx"))
    mutations = draw(st.lists(MUTATIONS, max_size=3))
    table = fz.apply_mutations(draw(valid_tables(kind)), mutations, fmt)
    truncate_at = draw(st.one_of(st.none(), st.none(), st.none(), st.floats(0, 1)))
    if fmt == "csv":
        encoding = draw(_pick("utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16"))
        data = fz.write_csv(table, encoding, draw(_pick("\n", "\r\n")))
        stale = False
    else:
        encoding, stale = "", draw(st.booleans())
        data = fz.write_xlsx(table, stale)
    if truncate_at is not None:
        data = data[: int(len(data) * truncate_at)]
    return Case(kind, fmt, encoding, mutations, stale, truncate_at, table, data)


# --- the oracle ----------------------------------------------------------------------------


def _note(text: str) -> None:
    """A line of the failure report (hypothesis prints it with the falsifying example)."""
    if currently_in_test_context():
        note(text)
    else:
        print(text)


DERIVED = ("settlements", "typical_loads")


def _of(kind: str, name: str) -> bool:
    """Whether a store file belongs to ``kind``'s dataset (a file, or a partitioned kind's pointer and period files)."""
    return name in {f"{kind}.parquet", f"{kind}.json"} or name.startswith(f"parts/{kind}/")


def check_case(case: Case, baseline: Baseline) -> None:
    """Import the case's bytes over a fresh copy of the baseline and hold the result to the promise."""
    root = baseline.fresh_store()
    store = root / "store"
    path = root / f"{case.kind}.{case.fmt}"
    path.write_bytes(case.data)
    reading = fz.reference_read(
        case.kind, case.data, case.fmt, case.encoding or "utf-8", known_customers=KNOWN_CUSTOMERS,
        known_feeders=KNOWN_FEEDERS,
    )  # fmt: skip
    _note(f"reference: {reading.describe()}")
    with override_settings(ANALYTICS_DIR=store), transaction.atomic():
        hashes = fz.store_hashes(store)
        tables = fz.db_snapshot(set())
        rows_before = fz.store_rows(store, case.kind) if case.kind in fz.STORE_KINDS else {}
        crm_before = fz.crm_state(case.kind) if case.kind in fz.CRM_KINDS else {}
        try:
            report = import_file(kind=case.kind, path=path)
        except ImportRefused as refused:
            _note(f"refused: {refused.message} {refused.errors[:10]}")
            _check_refusal(case, reading, refused, store, hashes, tables)
        except Exception as exc:
            raise AssertionError(f"the import ended in {type(exc).__name__}: {exc}") from exc
        else:
            _note(f"landed: {report}")
            _check_landing(case, reading, store, hashes, tables, rows_before, crm_before)
        finally:
            transaction.set_rollback(True)
    shutil.rmtree(root)


def _check_refusal(
    case: Case, reading: fz.Reading, refused: ImportRefused, store: Path, hashes: dict[str, str], tables: Any
) -> None:
    after = fz.store_hashes(store)
    changed = sorted(k for k in after.keys() | hashes.keys() if after.get(k) != hashes.get(k))
    assert not changed, f"a refused import changed the store: {changed}"
    assert fz.db_snapshot(set()) == tables, "a refused import changed the CRM"
    assert refused.message
    assert "Traceback" not in refused.message
    assert all(isinstance(e.row, int) and e.row >= 1 and e.reason for e in refused.errors), refused.errors
    if not reading.must_refuse:
        assert not reading.rows, f"a valid file was refused: {refused.message} {refused.errors[:5]}"
        return
    named = {e.row for e in refused.errors}
    if reading.bad_rows and not reading.file_problem:
        assert refused.errors, f"bad rows {sorted(reading.bad_rows)} refused without naming them: {refused.message}"
    formula_refusal = bool(refused.errors) and all(e.code == "formula" for e in refused.errors)
    if formula_refusal:
        # Formulas without a saved value refuse the workbook as it is read, before the values are
        # checked: the cells named are formula cells the reference sees too; other bad rows come next time.
        formula_rows = {n for n, problems in reading.bad_rows.items() if any("formula" in p for p in problems)}
        assert named <= formula_rows, f"formula cells named on rows {sorted(named - formula_rows)}: {refused.errors}"
        return
    if reading.bad_rows and not reading.file_problem and named - {1}:
        # the importer got as far as the rows: every bad row the reference sees is named
        assert set(reading.bad_rows) <= named, (
            f"bad rows {sorted(set(reading.bad_rows) - named)} not named: {refused.errors[:10]}"
        )


def _check_landing(
    case: Case,
    reading: fz.Reading,
    store: Path,
    hashes: dict[str, str],
    tables: Any,
    rows_before: dict[Any, Any],
    crm_before: dict[Any, Any],
) -> None:
    assert not reading.must_refuse, f"the import landed a file the reference refuses: {reading.describe()}"
    kind = case.kind
    if kind in fz.STORE_KINDS:
        expected = fz.expected_store_rows(kind, rows_before, reading)
        diff = fz.differences(expected, fz.store_rows(store, kind))
        assert not diff, f"the store does not hold what the file says: {diff[:10]}"
    if kind in fz.CRM_KINDS:
        expected = fz.expected_crm(kind, crm_before, reading, rows_before if kind == "customers" else None)
        diff = fz.differences(expected, fz.crm_state(kind))
        assert not diff, f"the CRM does not hold what the file says: {diff[:10]}"
    after = fz.db_snapshot(fz.CRM_APPS.get(kind, set()))
    assert after == {k: v for k, v in tables.items() if k in after}, "tables of other kinds changed"

    def mine(name: str) -> bool:
        return any(_of(k, name) for k in (kind, *DERIVED)) or name.startswith("versions/")

    others = {k: v for k, v in fz.store_hashes(store).items() if not mine(k)}
    assert others == {k: v for k, v in hashes.items() if not mine(k)}, "datasets of other kinds changed"
    if kind in {"billing", "payments"}:
        bills = set(fz.store_rows(store, "billing"))
        settlements = read_dataset(store, "settlements").select(["customer_id", "period"])
        settled = {(r["customer_id"], r["period"]) for r in settlements.to_pylist()}
        assert settled == bills, "the settlements are not those of the bills"


# --- the tests ------------------------------------------------------------------------------

#: ``make test``: 25 fixed examples, a few seconds; a failure is reported as generated (no
#: shrinking, which would take minutes: the tables are small enough to read as they are).
FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: The slow step: 300 examples, failures shrunk to the smallest file that still breaks the promise.
LONG = settings(FAST, max_examples=300, phases=list(Phase))


def pinned(
    kind: str,
    mutations: tuple[tuple[Any, ...], ...] = (),
    *,
    fmt: str = "csv",
    encoding: str = "utf-8",
    stale: bool = False,
    truncate_at: float | None = None,
    rows: list[dict[str, Any]] | None = None,
) -> Case:
    """A case built by hand: baseline rows (or ``rows``), mutations naming columns instead of positions."""
    table = fz.Table.of(kind, rows if rows is not None else fz.BASELINE[kind][:3])
    for m in mutations:  # one at a time: a column is named where it is after the mutations before
        at = (
            (m[0], m[1], table.columns.index(m[2]), *m[3:])
            if m[0] == "inject"
            else (m[0], table.columns.index(m[1]), *m[2:])
        )
        table = fz.apply_mutations(table, [at], fmt)
    data = fz.write_csv(table, encoding) if fmt == "csv" else fz.write_xlsx(table, stale)
    if truncate_at is not None:
        data = data[: int(len(data) * truncate_at)]
    return Case(kind, fmt, encoding if fmt == "csv" else "", list(mutations), stale, truncate_at, table, data)


#: The mutations issue 13 names, each once, with what the promise says of it (row 0 is file row 2).
PINNED = {
    "absent optional column keeps stored values": pinned("customers", (("drop", "connected_on"),)),
    "absent optional column keeps CRM values": pinned("feeders", (("drop", "peak_load_kw"),), fmt="xlsx"),
    "a customer new to the CRM keeps its stored values of absent columns": pinned(
        "customers",
        (("drop", "connected_on"), ("drop", "district")),
        rows=[{**fz.BASELINE["customers"][2], "voltage_kv": 10}],
    ),
    "column renamed to junk is ignored": pinned("projects", (("rename", "government_contact", "备注"),)),
    "required column dropped is refused": pinned("billing", (("drop", "due_date"),)),
    "column given twice is refused": pinned("outages", (("duplicate", "end", 0),)),
    "zero-width space in a header": pinned("feeders", (("noise", "rated_capacity_kva", "zwsp"),)),
    "NUL after a header": pinned("customers", (("noise", "connected_on", "nul"),)),
    "full-width spaces around a header": pinned("staff", (("noise", "name", "fullwidth"),)),
    "stale xlsx dimension": pinned("billing", fmt="xlsx", stale=True),
    "1e308 on a low-voltage customer": pinned("customers", (("inject", 2, "contract_capacity_kva", "1e308"),)),
    "23-digit capacity on a CRM account": pinned(
        "customers", (("inject", 1, "contract_capacity_kva", "12345678901234567890123"),)
    ),
    "1e308 in an xlsx number cell": pinned("billing", (("inject", 0, "max_demand_kw", "1e308"),), fmt="xlsx"),
    "negative energy": pinned("billing", (("inject", 1, "kwh", "-1"),)),
    "NaN load": pinned("loads", (("inject", 0, "kw", "NaN"),)),
    "inf money": pinned("payments", (("inject", 0, "amount_yuan", "inf"),)),
    "text in a number": pinned("feeders", (("inject", 0, "voltage_kv", "abc"),)),
    "empty required cell": pinned("projects", (("inject", 2, "name", ""),)),
    "far-past date": pinned("customers", (("inject", 0, "connected_on", "0001-01-01"),)),
    "far-future date": pinned("projects", (("inject", 1, "expected_energize_on", "2200-01-01"),), fmt="xlsx"),
    "formula in an optional xlsx cell": pinned("staff", (("inject", 0, "district", "=1+1"),), fmt="xlsx"),
    "UTF-8 with BOM": pinned("outages", encoding="utf-8-sig"),
    "GB18030": pinned("customers", encoding="gb18030"),
    "UTF-16 is refused": pinned("payments", encoding="utf-16"),
    "truncated inside the last row": pinned("payments", truncate_at=0.93),
    "truncated xlsx": pinned("loads", fmt="xlsx", truncate_at=0.5),
}


def test_each_mutation_of_the_issue_keeps_the_promise(baseline):
    """Every pinned case is checked (all of them, then the failures are listed together)."""
    failures = []
    for name, case in PINNED.items():
        try:
            check_case(case, baseline)
        except AssertionError as exc:
            failures.append(f"{name}: {str(exc).splitlines()[0][:300]}")
    assert not failures, "\n".join(failures)


def test_the_unmutated_file_always_lands_exactly(baseline):
    """Each kind, as CSV and as XLSX: existing rows again and a new one land as the file says."""
    for kind, fmt in itertools.product(fz.FUZZED_KINDS, ("csv", "xlsx")):
        table = fz.Table.of(kind, [*fz.BASELINE[kind][:2], NEW_ROWS[kind]])
        data = fz.write_csv(table, "utf-8") if fmt == "csv" else fz.write_xlsx(table)
        reading = fz.reference_read(
            kind, data, fmt, "utf-8", known_customers=KNOWN_CUSTOMERS, known_feeders=KNOWN_FEEDERS
        )
        assert not reading.must_refuse, (kind, fmt, reading.describe())
        assert len(reading.rows) == 3, (kind, fmt)
        check_case(Case(kind, fmt, "utf-8" if fmt == "csv" else "", [], False, None, table, data), baseline)


def test_imports_never_change_data_silently(baseline):
    @FAST
    @given(cases())
    def run(case: Case) -> None:
        check_case(case, baseline)

    run()


@pytest.mark.slow
def test_imports_never_change_data_silently_long(baseline):
    @LONG
    @given(cases())
    def run(case: Case) -> None:
        check_case(case, baseline)

    run()
