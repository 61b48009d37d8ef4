"""What the importer's fuzz test (test_import_fuzz.py) needs besides the test itself.

- a fixed baseline of every fuzzed kind (every optional field filled, so a column a file lacks is
  visibly kept or visibly blanked);
- a logical table (cells as CSV text and as native spreadsheet values), mutations of it, and writers
  to CSV (any encoding) and XLSX (optionally with a stale ``<dimension>``);
- :func:`reference_read`: an independent reading of the bytes written (Python's csv module /
  openpyxl and small per-type parsers) that says what the file holds, or why it must be refused;
- readers of what landed: the Parquet store and the CRM models, as comparable dicts.

The reference follows the data contract as docs/data-formats.md documents it (the importer's own
code is not reused): numbers finite and of a plausible size, dates ISO and inside 1949-10-01 … ten
years from today, enums in their English or Chinese spellings, headers matched after Unicode
normalisation (NFKC, zero-width and NUL characters removed, case and surrounding space ignored).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import os
import re
import shutil
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from powerkam.analytics.io.contract import CONTRACT, Column
from powerkam.analytics.store import KEYS, SCHEMAS, read_dataset

#: The kinds the fuzz test mutates (assignments and visits are left out: their landing appends
#: and ends rows rather than upserting fields, which needs an oracle of its own).
FUZZED_KINDS = ("customers", "billing", "payments", "loads", "outages", "feeders", "projects", "staff")
STORE_KINDS = ("customers", "billing", "payments", "loads", "outages")
CRM_KINDS = ("customers", "feeders", "projects", "staff")

#: Columns left out of the generated tables (self-references and TOU parts need oracles of their own).
SKIPPED_COLUMNS = {
    "customers": {"parent_id"},
    "billing": {"kwh_peak", "kwh_flat", "kwh_valley", "kwh_critical"},
    "staff": {"supervisor"},
}

TODAY = dt.date.today()
DATE_MIN = dt.date(1949, 10, 1)
DATE_MAX = dt.date(TODAY.year + 10, TODAY.month, min(TODAY.day, 28))
#: No quantity of this domain comes near this (and 1e308 or a 23-digit number is far above it).
MAGNITUDE = 1e15
CRM_MIN_VOLTAGE_KV = 10

Cell = tuple[str, Any]  # (CSV text, native XLSX value)


def columns_of(kind: str) -> list[Column]:
    return [c for c in CONTRACT[kind].columns if c.name not in SKIPPED_COLUMNS.get(kind, set())]


# --- the baseline ------------------------------------------------------------------------

D = dt.date
T = dt.datetime

BASELINE: dict[str, list[dict[str, Any]]] = {
    "feeders": [
        {"feeder_id": "F01", "name": "东一线", "substation_id": "S1", "substation_name": "城东变", "voltage_kv": 10,
         "rated_capacity_kva": 8000, "peak_load_kw": 5200.5},
        {"feeder_id": "F02", "name": "东二线", "substation_id": "S1", "substation_name": "城东变", "voltage_kv": 10,
         "rated_capacity_kva": 6000, "peak_load_kw": 3100},
        {"feeder_id": "F03", "name": "West 1", "substation_id": "S2", "substation_name": "城西变", "voltage_kv": 35,
         "rated_capacity_kva": 20000, "peak_load_kw": 12000},
        {"feeder_id": "F04", "name": "西二线", "substation_id": "S2", "substation_name": "城西变", "voltage_kv": 10,
         "rated_capacity_kva": 5000, "peak_load_kw": 2500.25},
    ],
    "customers": [
        {"customer_id": "C001", "name": "华能热电", "industry": "D", "voltage_kv": 110, "contract_capacity_kva": 50000,
         "tariff": "large_industrial", "basic_charge_mode": "capacity", "feeders": "F01", "important_grade": "first",
         "district": "城东区", "address": "东路1号", "latitude": 31.123456, "longitude": 121.654321,
         "connected_on": D(2001, 5, 1)},
        {"customer_id": "C002", "name": "宏达机械", "industry": "C", "voltage_kv": 10, "contract_capacity_kva": 1250,
         "tariff": "large_industrial", "basic_charge_mode": "demand", "feeders": "F02", "important_grade": "second",
         "district": "城西区", "address": "西路2号", "latitude": 31.2, "longitude": 121.2,
         "connected_on": D(2010, 3, 15)},
        {"customer_id": "C003", "name": "便利店", "industry": "G", "voltage_kv": 0.4, "contract_capacity_kva": 50,
         "tariff": "general_commercial", "basic_charge_mode": "capacity", "feeders": "F03", "important_grade": "temporary",
         "district": "高新区", "address": "南路3号", "latitude": 31.3, "longitude": 121.3,
         "connected_on": D(2015, 7, 1)},
        {"customer_id": "C004", "name": "东方纺织", "industry": "C", "voltage_kv": 35, "contract_capacity_kva": 8000,
         "tariff": "large_industrial", "basic_charge_mode": "demand", "feeders": "F03;F04", "important_grade": "second",
         "district": "城东区", "address": "北路4号", "latitude": 31.4, "longitude": 121.4,
         "connected_on": D(1998, 1, 20)},
        {"customer_id": "C005", "name": "Acme Foods", "industry": "C", "voltage_kv": 0.4, "contract_capacity_kva": 100,
         "tariff": "general_commercial", "basic_charge_mode": "capacity", "feeders": "F04", "important_grade": "temporary",
         "district": "城西区", "address": "5 Harbour Rd", "latitude": 31.5, "longitude": 121.5,
         "connected_on": D(2020, 9, 9)},
        {"customer_id": "C006", "name": "市第一医院", "industry": "Q", "voltage_kv": 10, "contract_capacity_kva": 2000,
         "tariff": "general_commercial", "basic_charge_mode": "capacity", "feeders": "F01;F02", "important_grade": "special",
         "district": "高新区", "address": "中路6号", "latitude": 31.6, "longitude": 121.6,
         "connected_on": D(1985, 6, 30)},
    ],
    "billing": [
        {"customer_id": cid, "period": f"2026-{m:02d}", "kwh": 1000.0 * n + m, "kvarh": 100.0 * n, "max_demand_kw": 50.0 * n,
         "amount_yuan": Decimal(f"{700 * n + m}.25"), "due_date": D(2026, m + 1, 15)}
        for n, cid in enumerate(["C001", "C002", "C003", "C004", "C005", "C006"], start=1)
        for m in (7, 8, 9)
    ],
    "payments": [
        {"customer_id": cid, "period": f"2026-{m:02d}", "paid_on": D(2026, m + 1, 10),
         "amount_yuan": Decimal(f"{700 * n + m}.25")}
        for n, cid in enumerate(["C001", "C002", "C003", "C004", "C005", "C006"], start=1)
        for m in (7, 8)
    ],
    "loads": [
        {"customer_id": cid, "ts": T(2026, 10, 1) + dt.timedelta(minutes=15 * k), "kw": 100.0 * n + k}
        for n, cid in enumerate(["C001", "C002"], start=1)
        for k in range(8)
    ],
    "outages": [
        {"outage_id": "O1", "feeder_id": "F01", "start": T(2026, 9, 1, 8), "end": T(2026, 9, 1, 12), "planned": True,
         "cause": "检修"},
        {"outage_id": "O2", "feeder_id": "F02", "start": T(2026, 9, 2, 14, 30), "end": T(2026, 9, 2, 15),
         "planned": False, "cause": "雷击"},
        {"outage_id": "O3", "feeder_id": "F03", "start": T(2026, 9, 3, 9), "end": T(2026, 9, 3, 17), "planned": True,
         "cause": "施工"},
    ],
    "projects": [
        {"project_id": f"P00{n}", "name": name, "stage": stage, "industry": "制造业", "district": "高新区",
         "expected_capacity_kva": 1000.0 * n, "expected_annual_kwh": 1_000_000.0 * n,
         "expected_energize_on": D(2028, n, 1), "government_contact": f"王{n}"}
        for n, (name, stage) in enumerate(
            [("新能源电池厂", "approved"), ("数据中心", "planned"), ("物流园", "planned"), ("Mall", "planned")], start=1
        )
    ],
    "staff": [
        {"username": f"u00{n}", "name": name, "email": f"u00{n}@example.com", "phone": f"1380000000{n}",
         "district": "城东区", "role": role, "daily_visit_capacity": n + 1}
        for n, (name, role) in enumerate(
            [("张三", "manager"), ("李四", "manager"), ("王五", "supervisor"), ("赵六", "planner")], start=1
        )
    ],
}  # fmt: skip

#: The order the baseline lands in (references first).
BASELINE_ORDER = ("feeders", "customers", "billing", "payments", "loads", "outages", "projects", "staff")


# --- logical tables and their files --------------------------------------------------------


def enum_spelling(col: Column, value: str, variant: int) -> str:
    spellings = (value, *col.choices.get(value, ()))
    return spellings[variant % len(spellings)]


def cell_of(col: Column, value: Any, variant: int = 0) -> Cell:
    """A valid value as CSV text and as a native spreadsheet value (``variant`` picks a spelling)."""
    if value is None:
        return ("", None)
    if col.type == "enum":
        text = enum_spelling(col, value, variant)
        return (text, text)
    if col.type == "bool":
        text = [("true", "false"), ("是", "否"), ("1", "0"), ("TRUE", "FALSE")][variant % 4][0 if value else 1]
        return (text, value)
    if col.type in {"decimal", "money", "integer"}:
        number = Decimal(str(value))
        text = format(number, "f")
        if variant % 3 == 1 and abs(number) >= 1000:
            text = format(number, ",f")  # thousands separators, as Excel exports them
        native: Any = float(number) if col.type != "integer" else int(number)
        if col.type != "integer" and number == number.to_integral_value() and variant % 2:
            native = int(number)
        return (text, native)
    if col.type == "date":
        return (value.isoformat(), value)
    if col.type == "timestamp":
        text = value.isoformat(sep="T" if variant % 2 else " ", timespec="minutes" if variant % 3 else "seconds")
        return (text, value)
    text = str(value)
    if variant % 5 == 4:
        text = f" {text} "  # surrounding spaces are trimmed
    return (text, text)


@dataclass
class Table:
    kind: str
    columns: list[str]  # canonical names, in file order
    headers: list[str]  # what the header row says for each column
    rows: list[list[Cell]]

    @classmethod
    def of(cls, kind: str, rows: list[dict[str, Any]]) -> Table:
        cols = columns_of(kind)
        return cls(
            kind,
            [c.name for c in cols],
            [c.name for c in cols],
            [[cell_of(c, r.get(c.name)) for c in cols] for r in rows],
        )


INJECTIONS = (
    "1e308",
    "-1",
    "NaN",
    "inf",
    "abc",
    "12345678901234567890123",
    "",
    "=1+1",
    "0001-01-01",
    "1800-01-01",
    "9999-12-31",
    "2200-01-01",
)
JUNK_HEADERS = ("备注", "unnamed", "col_x", "Column 9", "客户备注2", "")
HEADER_NOISE = ("upper", "spaces", "fullwidth", "zwsp", "nul")


def injected_cell(col: Column, text: str) -> Cell:
    native: Any = text if text else None
    if col.type in {"decimal", "money", "integer"}:
        native = {"1e308": 1e308, "-1": -1, "12345678901234567890123": 12345678901234567890123}.get(text, native)
    return (text, native)


def noisy(header: str, noise: str, fmt: str) -> str:
    if noise == "upper":
        return header.upper()
    if noise == "spaces":
        return f"  {header} "
    if noise == "fullwidth":
        return f"\u3000{header}\u3000"
    if noise == "nul" and fmt == "csv":
        return header + "\x00"
    return header + "\u200b"  # zero-width space (and NUL in a workbook, which cannot hold one)


def apply_mutations(table: Table, mutations: list[tuple[Any, ...]], fmt: str) -> Table:
    columns, headers = list(table.columns), list(table.headers)
    rows = [list(r) for r in table.rows]
    spec = CONTRACT[table.kind]
    for mutation in mutations:
        op = mutation[0]
        if op == "inject":
            _, r, c, text = mutation
            if rows and columns:
                r, c = r % len(rows), c % len(columns)
                name = columns[c]
                col = spec.column(name) if name in spec.names else Column(name, "text")
                rows[r][c] = injected_cell(col, text)
            continue
        if not columns:
            continue
        c = mutation[1] % len(columns)
        if op == "drop":
            del columns[c], headers[c]
            for row in rows:
                del row[c]
        elif op == "rename":
            columns[c], headers[c] = f"?{mutation[2]}", mutation[2]
        elif op == "duplicate":
            name = columns[c]
            spellings = (name, *spec.column(name).aliases) if name in spec.names else (headers[c],)
            columns.append(name)
            headers.append(spellings[mutation[2] % len(spellings)])
            for row in rows:
                row.append(row[c])
        elif op == "noise":
            headers[c] = noisy(headers[c], mutation[2], fmt)
    return Table(table.kind, columns, headers, rows)


def write_csv(table: Table, encoding: str, newline: str = "\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([text for text, _ in row])
    return out.getvalue().encode(encoding)


def write_xlsx(table: Table, stale_dimension: bool = False) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(table.headers)
    for row in table.rows:
        ws.append([native for _, native in row])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if stale_dimension:
        data = rewrite_dimension(data, "A1:C2")
    return data


def rewrite_dimension(data: bytes, ref: str) -> bytes:
    """The workbook with the first sheet's stored <dimension> replaced (as some exporters leave it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), content)
                if n == 0:
                    content = content.replace(b"<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>'.encode(), 1)
            dst.writestr(item, content)
    return out.getvalue()


# --- the reference reading -----------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\x00"))
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+(\.0*)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: Django's user names (UnicodeUsernameValidator): what the CRM can store, so what the file may say.
_USERNAME = re.compile(r"[\w.@+-]+")
_TRUE = {"true", "t", "yes", "y", "1", "是", "计划", "planned"}
_FALSE = {"false", "f", "no", "n", "0", "否", "非计划", "unplanned"}


def norm_header(header: Any) -> str:
    text = "" if header is None else str(header)
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).strip().lower()


@dataclass
class Reading:
    """What the file holds according to the reference, or why it must be refused."""

    file_problem: str | None = None
    #: data rows (row number as the user sees it) the reference finds a bad value in, with why
    bad_rows: dict[int, list[str]] = field(default_factory=dict)
    #: canonical columns present
    columns: list[str] = field(default_factory=list)
    #: (row number, canonical column → parsed value) for every data row
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    @property
    def must_refuse(self) -> bool:
        return self.file_problem is not None or bool(self.bad_rows)

    def describe(self) -> str:
        if self.file_problem:
            return f"refuse: {self.file_problem}"
        if self.bad_rows:
            return f"refuse rows {dict(sorted(self.bad_rows.items()))}"
        return f"land {len(self.rows)} row(s), columns {self.columns}"


class _Bad(Exception):
    pass


def _finite_number(raw: Any, col: Column) -> Decimal:
    if isinstance(raw, bool):
        raise _Bad("boolean, not a number")
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise _Bad("not finite")
        number = Decimal(str(raw))
    else:
        text = str(raw).strip().replace(",", "")
        if not _NUMBER.fullmatch(text):
            raise _Bad("not a number")
        number = Decimal(text)
    if not number.is_finite() or abs(number) >= Decimal(MAGNITUDE):
        raise _Bad("implausible magnitude")
    if col.bound == "positive" and number <= 0:
        raise _Bad("must be > 0")
    if col.bound == "non_negative" and number < 0:
        raise _Bad("must be >= 0")
    return number


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0):
            raise _Bad("a time in a date")
        value = raw.date()
    elif isinstance(raw, dt.date):
        value = raw
    else:
        text = str(raw).strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise _Bad("not an ISO date")
        try:
            value = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise _Bad("no such day") from exc
    if not DATE_MIN <= value <= DATE_MAX:
        raise _Bad("date out of window")
    return value


def _timestamp(raw: Any) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, dt.date):
        value = dt.datetime.combine(raw, dt.time(0))
    else:
        text = str(raw).strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", text):
            raise _Bad("not an ISO timestamp")
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise _Bad("no such time") from exc
    if not DATE_MIN <= value.date() <= DATE_MAX:
        raise _Bad("timestamp out of window")
    return value


def parse_cell(col: Column, raw: Any) -> Any:
    """The value the contract gives a non-empty cell (raises _Bad with why not)."""
    if col.type == "text":
        text = raw if isinstance(raw, str) else str(raw)
        text = text.strip()
        if col.max_length and len(text) > col.max_length:
            raise _Bad("too long")
        return text
    if col.type == "decimal":
        return float(_finite_number(raw, col))
    if col.type == "money":
        number = _finite_number(raw, col)
        if number != number.quantize(Decimal("0.01")):
            raise _Bad("more than 2 decimals")
        return number.quantize(Decimal("0.01"))
    if col.type == "integer":
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if not isinstance(raw, int) and not _INTEGER.fullmatch(str(raw).strip().replace(",", "")):
            raise _Bad("not a whole number")
        return int(_finite_number(raw, col))
    if col.type == "date":
        return _date(raw)
    if col.type == "timestamp":
        return _timestamp(raw)
    if col.type == "period":
        text = str(raw).strip()
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
            raise _Bad("not YYYY-MM")
        return text
    if col.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _Bad("not a boolean")
    if col.type == "enum":
        text = str(raw).strip().lower()
        for canonical, spellings in col.choices.items():
            if text in {canonical.lower(), *(s.lower() for s in spellings)}:
                return canonical
        raise _Bad("unknown enum value")
    raise AssertionError(col.type)


def _grid(rows: list[list[Any]]) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    return rows[0], [(i, r) for i, r in enumerate(rows[1:], start=2)]


def _read_csv_cells(data: bytes, encoding: str) -> tuple[list[Any], list[tuple[int, list[Any]]]] | str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16 file"
    codec = "utf-8-sig" if encoding.startswith("utf-8") else encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return f"does not decode as {encoding} (truncated inside a character?)"
    if not text.strip():
        return "empty file"
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        return f"CSV syntax: {exc}"
    records = [r for r in records if r]
    header, body = records[0], records[1:]
    numbered = []
    for i, record in enumerate(body, start=2):
        if len(record) != len(header):
            return f"row {i} has {len(record)} fields, the header {len(header)}"
        numbered.append((i, record))
    return header, numbered


def _read_xlsx_cells(data: bytes) -> tuple[list[Any], list[tuple[int, list[Any]]]] | str:
    try:
        wb = load_workbook(io.BytesIO(data), data_only=False)  # not read-only: no trust in <dimension>
    except Exception as exc:  # a damaged workbook raises many types
        return f"unreadable workbook ({type(exc).__name__})"
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows())
    if not rows:
        return "empty sheet"
    header = [c.value for c in rows[0]]
    width = len(header)
    numbered = []
    for cells in rows[1:]:
        values: list[Any] = []
        for cell in cells[:width]:
            values.append(("formula", cell.value) if cell.data_type == "f" else cell.value)
        values += [None] * (width - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        numbered.append((cells[0].row, values))
    return header, numbered


def reference_read(
    kind: str, data: bytes, fmt: str, encoding: str, *, known_customers: set[str], known_feeders: set[str]
) -> Reading:
    spec = CONTRACT[kind]
    cells = _read_csv_cells(data, encoding) if fmt == "csv" else _read_xlsx_cells(data)
    if isinstance(cells, str):
        return Reading(file_problem=cells)
    header, body = cells
    lookup = {norm_header(s): c.name for c in spec.columns for s in (c.name, *c.aliases)}
    positions: dict[str, int] = {}
    for i, h in enumerate(header):
        name = lookup.get(norm_header(h))
        if name is None:
            continue
        if name in positions:
            return Reading(file_problem=f"column {name} given twice")
        positions[name] = i
    missing = [c.name for c in spec.columns if c.required and c.name not in positions]
    if missing:
        return Reading(file_problem=f"missing required column(s) {missing}")
    reading = Reading(columns=[c.name for c in spec.columns if c.name in positions])
    present = [spec.column(n) for n in reading.columns]
    for number, values in body:
        parsed: dict[str, Any] = {}
        problems = []
        for col in present:
            raw = values[positions[col.name]]
            if isinstance(raw, tuple) and raw[:1] == ("formula",):
                problems.append(f"{col.name}: formula {raw[1]!r}")
                continue
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                parsed[col.name] = None
                if col.required:
                    problems.append(f"{col.name}: missing")
                continue
            try:
                parsed[col.name] = parse_cell(col, raw)
            except _Bad as exc:
                problems.append(f"{col.name} {raw!r}: {exc}")
        problems += _row_rules(kind, parsed, known_customers, known_feeders)
        if problems:
            reading.bad_rows[number] = problems
        reading.rows.append((number, parsed))
    if spec.unique_key:
        seen: dict[tuple[Any, ...], int] = {}
        for number, parsed in reading.rows:
            key = tuple(parsed.get(k) for k in spec.key)
            if None in key:
                continue
            if key in seen:
                reading.bad_rows.setdefault(number, []).append(f"duplicate key of row {seen[key]}")
            else:
                seen[key] = number
    return reading


def _row_rules(kind: str, row: dict[str, Any], customers: set[str], feeders: set[str]) -> list[str]:
    out = []
    if kind in {"billing", "payments", "loads"} and row.get("customer_id") not in customers | {None}:
        out.append("unknown customer")
    if kind == "outages":
        if row.get("feeder_id") not in feeders | {None}:
            out.append("unknown feeder")
        if row.get("start") and row.get("end") and row["end"] <= row["start"]:
            out.append("end not after start")
    if kind == "loads" and (ts := row.get("ts")) and (ts.minute % 15 or ts.second or ts.microsecond):
        out.append("not on the 15-minute grid")
    if kind == "customers":
        for name, limit in (("latitude", 90), ("longitude", 180)):
            if row.get(name) is not None and abs(row[name]) > limit:
                out.append(f"{name} out of range")
    if kind == "staff" and row.get("email") and not _EMAIL.fullmatch(row["email"]):
        out.append("not an e-mail address")
    if kind == "staff" and row.get("username") and not _USERNAME.fullmatch(row["username"]):
        out.append("not a user name (letters, digits and @.+-_ only)")
    return out


# --- what landed ----------------------------------------------------------------------------


def copy_store(source: Path, target: Path) -> None:
    """Copy a store directory keeping its hard links (a dataset and the version it is stay one file)."""
    copied: dict[tuple[int, int], Path] = {}
    for path in sorted(source.rglob("*")):
        dest = target / path.relative_to(source)
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        stat = path.stat()
        first = copied.get((stat.st_dev, stat.st_ino))
        if first is not None:
            os.link(first, dest)
        else:
            shutil.copy2(path, dest)
            copied[(stat.st_dev, stat.st_ino)] = dest


def store_hashes(store: Path) -> dict[str, str]:
    """sha256 of every file under the store (the lock file aside)."""
    return {
        str(p.relative_to(store)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def store_rows(store: Path, kind: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    rows = read_dataset(store, kind).to_pylist()
    return {tuple(r[k] for k in KEYS[kind]): r for r in rows}


def expected_store_rows(
    kind: str, before: dict[tuple[Any, ...], dict[str, Any]], reading: Reading
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The dataset after landing ``reading``: rows replaced by key, absent columns kept for
    existing keys (new keys: empty), every other row as it was."""
    expected = {k: dict(v) for k, v in before.items()}
    names = [f.name for f in SCHEMAS[kind]]
    occurrences: Counter[tuple[Any, ...]] = Counter()
    for _, parsed in reading.rows:
        row = dict(parsed)
        if kind == "payments":
            base = tuple(row[k] for k in CONTRACT[kind].key)
            occurrences[base] += 1
            row["seq"] = occurrences[base]
        key = tuple(row[k] for k in KEYS[kind])
        old = before.get(key)
        new = {}
        for name in names:
            if name in row:
                new[name] = row[name]
            else:
                new[name] = old[name] if old is not None else None
        expected[key] = new
    return expected


def same_value(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        if expected is None or actual is None:
            return expected is actual
        return math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=1e-6)
    if isinstance(expected, Decimal) or isinstance(actual, Decimal):
        if expected is None or actual is None:
            return expected is actual
        return abs(Decimal(str(expected)) - Decimal(str(actual))) <= Decimal("0.005")
    return bool(expected == actual)


def differences(expected: dict[Any, dict[str, Any]], actual: dict[Any, dict[str, Any]]) -> list[str]:
    out = [f"missing {k}" for k in expected.keys() - actual.keys()]
    out += [f"unexpected {k}: {actual[k]}" for k in actual.keys() - expected.keys()]
    for key in expected.keys() & actual.keys():
        for name, value in expected[key].items():
            if not same_value(value, actual[key].get(name)):
                out.append(f"{key} {name}: expected {value!r}, landed {actual[key].get(name)!r}")
    return sorted(out)


# --- the CRM --------------------------------------------------------------------------------

_CRM_FIELDS: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "customer_id", "name": "name", "industry": "industry", "voltage_kv": "voltage_kv",
        "contract_capacity_kva": "contract_capacity_kva", "tariff": "tariff",
        "basic_charge_mode": "basic_charge_mode", "feeders": "feeders", "important_grade": "important_grade",
        "district": "district", "area_class": "area_class", "address": "address", "latitude": "latitude", "longitude": "longitude",
        "connected_on": "connected_on", "archived": "archived",
    },
    "feeders": {
        "feeder_id": "feeder_id", "name": "name", "substation_id": "substation__substation_id",
        "substation_name": "substation__name", "voltage_kv": "voltage_kv",
        "rated_capacity_kva": "rated_capacity_kva", "peak_load_kw": "peak_load_kw", "archived": "archived",
    },
    "projects": {
        "project_id": "project_id", "name": "name", "stage": "stage", "industry": "industry",
        "district": "district", "expected_capacity_kva": "expected_capacity_kva",
        "expected_annual_kwh": "expected_annual_kwh", "expected_energize_on": "expected_energize_on",
        "government_contact": "government_contact", "archived": "archived",
    },
    "staff": {
        "username": "user__username", "name": "name", "email": "user__email", "phone": "phone",
        "district": "district", "role": "role", "daily_visit_capacity": "daily_visit_capacity",
        "archived": "archived",
    },
}  # fmt: skip

#: The CRM apps an import of a kind may change (the import log aside); every other table must not move.
CRM_APPS = {
    "customers": {"accounts"},
    "feeders": {"grid"},
    "projects": {"prospects"},
    "staff": {"staff", "auth"},
}


def _crm_model(kind: str) -> Any:
    from powerkam.accounts.models import Account
    from powerkam.grid.models import Feeder
    from powerkam.prospects.models import Project
    from powerkam.staff.models import StaffProfile

    return {"customers": Account, "feeders": Feeder, "projects": Project, "staff": StaffProfile}[kind]


def crm_state(kind: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The CRM rows an import of ``kind`` writes, by key, under the contract's column names."""
    fields = _CRM_FIELDS[kind]
    key = CONTRACT[kind].key[0]
    rows = _crm_model(kind).objects.values(*fields.values())
    return {(r[fields[key]],): {name: r[path] for name, path in fields.items()} for r in rows}


def _crm_value(kind: str, col: Column, value: Any) -> Any:
    if kind == "staff" and col.name == "daily_visit_capacity" and value is None:
        return 3  # the model's default
    if kind == "customers" and col.name == "area_class" and not value:
        return "urban"  # the model's default (the column lands only in the CRM)
    if col.type in {"text", "enum"}:
        return value or ""
    if col.type == "decimal" and value is not None:
        places = 6 if col.name in {"latitude", "longitude"} else 2
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return value


def expected_crm(
    kind: str,
    before: dict[tuple[Any, ...], dict[str, Any]],
    reading: Reading,
    stored: dict[tuple[Any, ...], dict[str, Any]] | None = None,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The CRM after landing ``reading`` (fields of absent columns kept on existing rows).

    ``stored``: the store's rows before (customers): a customer new to the CRM but known to the
    store takes the store's values of the columns the file lacks — they are its existing values."""
    spec = CONTRACT[kind]
    stored = stored or {}
    expected = {k: dict(v) for k, v in before.items()}
    names = [n for n in _CRM_FIELDS[kind] if n != "archived"]
    substation_names: dict[str, str] = {}
    for _, parsed in reading.rows:
        key = (parsed[spec.key[0]],)
        old = before.get(key)
        if kind == "customers" and old is None and parsed["voltage_kv"] < CRM_MIN_VOLTAGE_KV:
            continue  # low-voltage customers stay in the store only
        new: dict[str, Any] = {"archived": False}
        for name in names:
            col = spec.column(name)
            if name in parsed:
                new[name] = _crm_value(kind, col, parsed[name])
            elif old is not None:
                new[name] = old[name]
            elif key in stored:
                new[name] = _crm_value(kind, col, stored[key].get(name))  # area_class: not in the store
            else:
                new[name] = _crm_value(kind, col, None)
        if (
            kind == "projects"
            and old is not None
            and (old["stage"] not in {"planned", "approved"} or (old["stage"], new["stage"]) == ("approved", "planned"))
        ):
            new["stage"] = old["stage"]  # the pipeline never moves back by import
        if kind == "feeders":
            substation_names[new["substation_id"]] = new["substation_name"]
        expected[key] = new
    for row in expected.values():  # one substation, one name: the file's last word on it
        if kind == "feeders" and row["substation_id"] in substation_names:
            row["substation_name"] = substation_names[row["substation_id"]]
    return expected


def db_snapshot(skip_apps: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (history included) outside ``skip_apps``, the import log and the audit log
    (an import, landed or refused, is audited: that is a record of it, not a change of business data)."""
    from django.apps import apps
    from django.db import connection

    skip = {"imports", "audit", "sessions", "axes", "admin", "contenttypes"} | skip_apps
    tables = {
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and m._meta.app_label not in skip
    }
    out = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            out[table] = cursor.fetchall()
    return out
