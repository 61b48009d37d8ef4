"""Reading and validating extracts honestly (powerkam.analytics.io): no Django involved.

Headers are matched whatever invisible characters an exporter left; a workbook is read to its
last row whatever its stored dimension says and refused before it is parsed when too large;
formulas are used only with their saved value; every implausible value is a named row error.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from powerkam.analytics.io import CONTRACT, FileRefused, read_raw, validate
from powerkam.analytics.io.errors import MESSAGES, RowError, render
from powerkam.analytics.io.readers import ReadLimits, clean_header

CUSTOMERS = CONTRACT["customers"]
TODAY = dt.date(2026, 12, 6)


def check(path: Path, kind: str = "customers", limits: ReadLimits | None = None, today: dt.date = TODAY):
    con = duckdb.connect()
    raw = read_raw(con, path, CONTRACT[kind], limits=limits)
    return raw, validate(con, raw, CONTRACT[kind], today=today)


def problems(path: Path, kind: str = "customers") -> list[tuple[int, str, str | None, str]]:
    _, result = check(path, kind)
    assert result.error_count == len(result.errors)
    return [(e.row, e.column, e.value, e.code) for e in result.errors]


def csv(tmp_path: Path, text: str, name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("\ufeff户号", "户号"),
        ("name\x00", "name"),
        ("\u200b电压等级\u200d", "电压等级"),
        ("\u3000合同容量\u3000", "合同容量"),  # full-width spaces
        ("ｔａｒｉｆｆ", "tariff"),  # full-width letters (NFKC)
        ("  connected_on ", "connected_on"),
    ],
)
def test_headers_are_cleaned_of_what_an_exporter_leaves(header, expected):
    assert clean_header(header) == expected


def test_a_header_with_bom_nul_and_zero_width_characters_still_matches(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(
        "\ufeff\u200b户号,户名\x00,电压等级\u3000,ｃｏｎｔｒａｃｔ_capacity_kva,tariff,备注,立户日期\x00\n"
        "A1,甲,10,800,large_industrial,x,2020-01-01\n".encode()
    )
    raw, result = check(path)
    assert raw.columns == ["customer_id", "name", "voltage_kv", "contract_capacity_kva", "tariff", "connected_on"]
    assert result.ok
    assert result.ignored_columns == ["备注"]
    # the header as the file wrote it (cleaned), for messages that name the column
    assert raw.headers["customer_id"] == "户号"
    assert raw.headers["connected_on"] == "立户日期"


def test_absent_optional_columns_are_listed(tmp_path):
    path = csv(tmp_path, "customer_id,name,voltage_kv,contract_capacity_kva,tariff\nA1,甲,10,800,large_industrial\n")
    _, result = check(path)
    assert result.ok
    assert "connected_on" in result.absent_columns
    assert set(result.absent_columns) == {c.name for c in CUSTOMERS.columns if not c.required}
    assert not set(result.absent_columns) & set(result.columns)


def test_a_missing_required_column_is_a_coded_header_problem(tmp_path):
    path = csv(tmp_path, "customer_id,name,voltage_kv,tariff\nA1,甲,10,large_industrial\n")
    with pytest.raises(FileRefused) as caught:
        check(path)
    assert caught.value.code == "header_mismatch"
    [error] = caught.value.errors
    assert (error.row, error.column, error.code) == (1, "contract_capacity_kva", "missing_column")
    assert "合同容量" in error.reason


# --- values -----------------------------------------------------------------------------------

HEADER = "户号,户名,电压等级,合同容量,电价类别,纬度,立户日期\n"


def test_huge_infinite_and_not_a_number_values_are_row_errors_naming_the_header(tmp_path):
    path = csv(
        tmp_path,
        HEADER
        + "A1,甲,10,1e308,大工业,,\n"
        + "A2,乙,0.4,12345678901234567890123,大工业,,\n"
        + "A3,丙,10,NaN,大工业,,\n"
        + "A4,丁,10,inf,大工业,,\n"
        + "A5,戊,10,-inf,大工业,,\n"
        + "A6,己,10,800,大工业,91.5,\n",
    )
    _, result = check(path)
    found = [(e.row, e.column, e.header, e.value, e.code) for e in result.errors]
    assert found == [
        (2, "contract_capacity_kva", "合同容量", "1e308", "out_of_range"),
        (3, "contract_capacity_kva", "合同容量", "12345678901234567890123", "out_of_range"),
        (4, "contract_capacity_kva", "合同容量", "NaN", "not_finite"),
        (5, "contract_capacity_kva", "合同容量", "inf", "not_finite"),
        (6, "contract_capacity_kva", "合同容量", "-inf", "not_finite"),
        (7, "latitude", "纬度", "91.5", "out_of_range"),
    ]
    assert result.errors[0].params == {"min": "0", "max": "10,000,000", "unit": "kVA"}
    assert result.errors[0].reason == "out of range (expected 0 … 10,000,000 kVA)"


def test_voltage_must_be_a_nominal_voltage(tmp_path):
    path = csv(tmp_path, HEADER + "A1,甲,10,800,大工业,,\nA2,乙,11,800,大工业,,\nA3,丙,0.38,800,大工业,,\n")
    assert problems(path) == [(3, "voltage_kv", "11", "not_nominal_voltage")]


def test_dates_outside_the_window_are_refused(tmp_path):
    path = csv(
        tmp_path,
        HEADER
        + "A1,甲,10,800,大工业,,1949-10-01\n"
        + "A2,乙,10,800,大工业,,1949-09-30\n"
        + "A3,丙,10,800,大工业,,2036-12-06\n"
        + "A4,丁,10,800,大工业,,2036-12-07\n",
    )
    found = problems(path)
    assert found == [
        (3, "connected_on", "1949-09-30", "date_out_of_window"),
        (5, "connected_on", "2036-12-07", "date_out_of_window"),
    ]


def test_periods_and_timestamps_have_the_same_window(tmp_path):
    billing = csv(
        tmp_path,
        "customer_id,period,kwh,amount_yuan,due_date\nA1,1900-01,1,1,2026-11-15\nA1,2026-10,1,1,2026-11-15\n",
        "b.csv",
    )
    assert problems(billing, "billing") == [(2, "period", "1900-01", "date_out_of_window")]
    loads = csv(tmp_path, "customer_id,ts,kw\nA1,2200-01-01 00:00,5\nA1,2026-10-01 00:15,5\n", "l.csv")
    assert problems(loads, "loads") == [(2, "ts", "2200-01-01 00:00", "date_out_of_window")]


def test_every_numeric_column_has_a_plausible_range_or_a_list_of_values():
    for spec in CONTRACT.values():
        for col in spec.columns:
            if col.type in {"decimal", "money", "integer"}:
                assert col.range or col.allowed, f"{spec.kind}.{col.name}"


def test_money_and_energy_above_the_range_are_refused(tmp_path):
    path = csv(
        tmp_path,
        "customer_id,period,kwh,amount_yuan,due_date\n"
        "A1,2026-10,20000000000,1,2026-11-15\n"
        "A1,2026-09,1,99999999999,2026-10-15\n"
        "A1,2026-08,1,1e30,2026-09-15\n",
        "b.csv",
    )
    assert problems(path, "billing") == [
        (2, "kwh", "20000000000", "out_of_range"),
        (3, "amount_yuan", "99999999999", "out_of_range"),
        (4, "amount_yuan", "1e30", "not_money"),
    ]


def test_every_code_renders_in_english():
    assert render("duplicate_key", {"first_row": 2}) == "duplicate key (first on row 2)"
    error = RowError.of(5, "contract_capacity_kva", "abc", "not_number", "合同容量")
    assert error.as_dict() == {
        "row": 5,
        "column": "contract_capacity_kva",
        "header": "合同容量",
        "value": "abc",
        "code": "not_number",
        "params": {},
        "reason": "not a number",
    }
    for code, template in MESSAGES.items():
        names = set(re.findall(r"{(\w+)}", template))
        assert render(code, dict.fromkeys(names, "X")) == template.format(**dict.fromkeys(names, "X"))


# --- workbooks --------------------------------------------------------------------------------


def workbook(path: Path, rows: int = 100, formula: str | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["户号", "户名", "电压等级", "合同容量", "电价类别"])
    for i in range(rows):
        sheet.append([f"C{i:04d}", f"客户{i}", 10, 1000 + i, "大工业"])
    if formula:
        sheet["D5"] = formula
    book.save(path)
    return path


def rewrite_sheet(path: Path, edit) -> Path:
    """Edit the first sheet's XML inside the zip, as another exporter would have written it."""
    out = path.with_name("edited-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            dst.writestr(item, data)
    return out


def test_a_stale_sheet_dimension_does_not_drop_rows(tmp_path):
    original = workbook(tmp_path / "c.xlsx")
    stale = rewrite_sheet(original, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:O11"', xml))
    with zipfile.ZipFile(stale) as archive:
        assert b'<dimension ref="A1:O11"' in archive.read("xl/worksheets/sheet1.xml")
    raw, result = check(stale)
    assert raw.rows == 100
    assert result.ok
    con = duckdb.connect()
    raw = read_raw(con, stale, CUSTOMERS)
    assert con.execute("SELECT max(__row), count(*) FROM raw").fetchall() == [(101, 100)]


def test_a_formula_without_a_saved_value_refuses_the_file_naming_the_cell(tmp_path):
    path = workbook(tmp_path / "c.xlsx", rows=10, formula="=1000+4")
    with pytest.raises(FileRefused) as caught:
        check(path)
    assert caught.value.code == "formulas_without_values"
    assert caught.value.error_count == 1
    [error] = caught.value.errors
    assert (error.row, error.column, error.header, error.value, error.code) == (
        5,
        "contract_capacity_kva",
        "合同容量",
        "D5",
        "formula",
    )
    assert error.params == {"cell": "D5"}


def test_a_formula_with_a_saved_value_uses_it_and_counts_it(tmp_path):
    path = workbook(tmp_path / "c.xlsx", rows=10, formula="=1000+4")
    cached = rewrite_sheet(path, lambda xml: re.sub(rb"<f>1000\+4</f><v\s*/>", b"<f>1000+4</f><v>1004</v>", xml))
    con = duckdb.connect()
    raw = read_raw(con, cached, CUSTOMERS)
    result = validate(con, raw, CUSTOMERS, today=TODAY)
    assert result.ok
    assert result.formula_values == 1
    assert con.execute("SELECT contract_capacity_kva FROM raw WHERE __row = 5").fetchall() == [("1004",)]


def test_a_sheet_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    path = workbook(tmp_path / "c.xlsx", rows=2000)
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    with pytest.raises(FileRefused) as caught:
        check(path, limits=ReadLimits(max_sheet_bytes=size - 1))
    assert caught.value.code == "sheet_too_large"
    assert check(path, limits=ReadLimits(max_sheet_bytes=size))[0].rows == 2000


def test_too_many_rows_or_columns_are_refused(tmp_path):
    path = workbook(tmp_path / "c.xlsx", rows=30)
    with pytest.raises(FileRefused) as caught:
        check(path, limits=ReadLimits(max_rows=29))
    assert (caught.value.code, caught.value.params["limit"]) == ("too_many_rows", 29)
    assert check(path, limits=ReadLimits(max_rows=30))[0].rows == 30
    with pytest.raises(FileRefused) as caught:
        check(path, limits=ReadLimits(max_columns=4))
    assert caught.value.code == "too_many_columns"
    text = csv(
        tmp_path, "customer_id,name,voltage_kv,contract_capacity_kva,tariff\nA,甲,10,1,大工业\nB,乙,10,1,大工业\n"
    )
    with pytest.raises(FileRefused) as caught:
        check(text, limits=ReadLimits(max_rows=1))
    assert caught.value.code == "too_many_rows"


@pytest.mark.slow
def test_a_large_compressed_sheet_is_read_whole_in_batches(tmp_path):
    """More rows than one batch, with a stale dimension: every row is read."""
    original = workbook(tmp_path / "c.xlsx", rows=60_000)
    stale = rewrite_sheet(original, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', xml))
    raw, result = check(stale)
    assert raw.rows == 60_000
    assert result.ok


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("\ufeffcustomer_id\n".encode("utf-16"), "utf16"),
        (b"", "empty_file"),
        (b"\x81\x30", "bad_encoding"),
    ],
)
def test_unreadable_files_are_refused_with_a_code(tmp_path, content, code):
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused) as caught:
        check(path)
    assert caught.value.code == code
    assert caught.value.params["file"] == "c.csv"


def test_a_file_that_is_no_workbook_is_refused(tmp_path):
    path = tmp_path / "c.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(FileRefused) as caught:
        check(path)
    assert caught.value.code == "xlsx_unreadable"


def test_the_ranges_and_voltages_are_documented():
    from powerkam.analytics.io.validate import _number

    doc = (Path(__file__).resolve().parents[2] / "docs" / "data-formats.md").read_text(encoding="utf-8")
    for kind, spec in CONTRACT.items():
        section = doc.split(f"### `{kind}`", 1)[1].split("\n### ", 1)[0]
        for col in spec.columns:
            row = next(line for line in section.splitlines() if line.startswith(f"| `{col.name}` |"))
            if col.range:
                assert _number(col.range[1]) in row, (kind, col.name)
            if col.allowed:
                assert ", ".join(f"{v:g}" for v in col.allowed) in row, (kind, col.name)
            if col.type in {"date", "timestamp", "period"}:
                assert "1949-10-01 … today + 10 years" in row, (kind, col.name)


def test_a_formula_in_a_column_outside_the_contract_does_not_matter(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["户号", "户名", "电压等级", "合同容量", "电价类别", "备注"])
    sheet.append(["C1", "甲", 10, 800, "大工业", "=A2&B2"])
    path = tmp_path / "c.xlsx"
    book.save(path)
    raw, result = check(path)
    assert result.ok
    assert (raw.rows, raw.formula_values, result.ignored_columns) == (1, 0, ["备注"])
