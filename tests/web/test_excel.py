"""The one workbook writer (powerkam.web.excel): text that would be a formula stays text, numbers and
dates are typed cells with their formats, the header is bold and frozen, widths follow the contents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy

from powerkam.web.excel import (
    MAX_CELL_TEXT,
    MAX_WIDTH,
    WIDTH_SAMPLE_ROWS,
    Column,
    Sheet,
    Typed,
    workbook_bytes,
    write_workbook,
)
from workbooks import INJECTED, as_written, assert_header, assert_injected_names_are_text, open_workbook


def one_sheet(columns: list[Column | str], rows: list[list[Any]]) -> Any:
    return open_workbook(workbook_bytes(title="List", headers=columns, rows=rows))["List"]


def test_names_that_would_be_formulas_read_back_as_the_same_text() -> None:
    sheet = one_sheet([Column("Name", "text"), "Any"], [[name, name] for name in INJECTED])
    assert_injected_names_are_text(sheet)
    for (name,), row in zip(([n] for n in INJECTED), sheet.iter_rows(min_row=2), strict=True):
        assert [cell.value for cell in row] == [as_written(name)] * 2
        assert all(cell.data_type == "s" for cell in row)


def test_ordinary_text_has_no_quote_prefix_and_control_characters_do_not_break_the_file() -> None:
    rows = [["示范钢铁有限公司"], ["a=b"], ["bell\x07 and\x0bvt"], ["two\r\nlines"], ["长" * 40_000]]
    sheet = one_sheet(["Name"], rows)
    assert [c.value for (c,) in sheet.iter_rows(min_row=2)] == [
        "示范钢铁有限公司",
        "a=b",
        "bell_x0007_ and_x000B_vt",  # OOXML's escape, as Excel writes it
        "two\nlines",
        "长" * (MAX_CELL_TEXT - 1) + "…",  # what an Excel cell holds
    ]
    assert not any(c.quotePrefix for (c,) in sheet.iter_rows(min_row=2))


def test_numbers_are_numeric_cells_with_their_formats() -> None:
    columns = [
        Column("Count", "int"),
        Column("Owed", "money"),
        Column("kWh", "kwh"),
        Column("kVA", "kva"),
        Column("Share", "percent"),
        Column("Voltage", "number"),
        "Auto",
    ]
    sheet = one_sheet(columns, [[3, Decimal("1234567.89"), 60_000_000.0, Decimal("40000"), 0.253, Decimal("0.4"), 7]])
    cells = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    expected = {
        "Count": (3, "0"),
        "Owed": (1234567.89, "#,##0.00"),
        "kWh": (60_000_000, "#,##0"),
        "kVA": (40000, "#,##0"),
        "Share": (0.253, "0.0%"),
        "Voltage": (0.4, "General"),
        "Auto": (7, "0"),
    }
    for header, (value, number_format) in expected.items():
        cell = cells[header]
        assert (cell.data_type, cell.value, cell.number_format) == ("n", value, number_format), header


def test_dates_are_date_cells_and_aware_times_are_local_to_the_utility() -> None:
    utc_evening = dt.datetime(2026, 11, 30, 20, 5, tzinfo=ZoneInfo("UTC"))
    sheet = one_sheet(
        [Column("Day", "date"), Column("At", "datetime"), "Auto day"],
        [[dt.date(2026, 12, 1), utc_evening, dt.date(2026, 1, 2)]],
    )
    day, at, auto = sheet[2]
    assert (day.is_date, day.value, day.number_format) == (True, dt.datetime(2026, 12, 1), "yyyy-mm-dd")
    at_local = dt.datetime(2026, 12, 1, 4, 5)  # Asia/Shanghai, UTC+8
    assert (at.is_date, at.value, at.number_format) == (True, at_local, "yyyy-mm-dd hh:mm")
    assert (auto.is_date, auto.number_format) == (True, "yyyy-mm-dd")


def test_a_value_that_does_not_fit_its_column_is_text_and_nothing_is_empty() -> None:
    sheet = one_sheet(
        [Column("Owed", "money"), Column("Day", "date"), Column("Name", "text")],
        [["—", "=unknown", 42], [None, None, None], [float("nan"), None, gettext_lazy("yes")]],
    )
    rows = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[0] == [("—", "s"), ("=unknown", "s"), ("42", "s")]
    assert [v for v, _t in rows[1]] == [None, None, None]
    assert [v for v, _t in rows[2]] == [None, None, str(gettext_lazy("yes"))]


def test_a_typed_value_overrides_its_columns_kind() -> None:
    sheet = one_sheet(
        ["Figure", "Value"], [["Share", Typed(0.5, "percent")], ["Owed", Typed(Decimal("12.5"), "money")]]
    )
    assert (sheet["B2"].value, sheet["B2"].number_format) == (0.5, "0.0%")
    assert (sheet["B3"].value, sheet["B3"].number_format) == (12.5, "#,##0.00")


def test_the_header_is_bold_and_frozen_and_widths_follow_the_contents() -> None:
    sheet = one_sheet(
        [Column("Id", "text"), Column("户名", "text"), Column("Notes", "text"), Column("Fixed", "text", width=33)],
        [["E1", "示范钢铁有限公司", "x" * 500, ""]],
    )
    assert_header(sheet)
    assert sheet.freeze_panes == "A2"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert widths["A"] == 6  # the minimum
    assert widths["B"] == 16  # eight CJK characters count double
    assert widths["C"] == MAX_WIDTH  # capped
    assert widths["D"] == 33


def test_long_lists_stream_past_the_rows_measured_for_the_widths() -> None:
    consumed = []

    def rows() -> Any:
        for n in range(WIDTH_SAMPLE_ROWS + 300):
            consumed.append(n)
            yield [f"E{n:05d}", "x" * 40 if n > WIDTH_SAMPLE_ROWS else "x", n]

    sheet = one_sheet([Column("Id", "text"), Column("Name", "text"), Column("N", "int")], rows())
    assert len(consumed) == WIDTH_SAMPLE_ROWS + 300
    assert sheet.max_row == WIDTH_SAMPLE_ROWS + 301
    assert sheet.cell(row=sheet.max_row, column=3).value == WIDTH_SAMPLE_ROWS + 299
    assert sheet.column_dimensions["B"].width == 6  # measured on the first rows only


def test_a_heading_above_the_header_and_frozen_columns() -> None:
    content = write_workbook(
        [
            Sheet(
                title="Report",
                heading=["=Title", ""],
                columns=[Column("Id", "text"), Column("Name", "text"), Column("Days", "int")],
                rows=[["P1", "+name", 4]],
                freeze_columns=2,
            ),
            Sheet(title="Second", columns=["A"], rows=[]),
        ]
    )
    book = open_workbook(content)
    assert book.sheetnames == ["Report", "Second"]
    sheet = book["Report"]
    assert (sheet["A1"].value, sheet["A1"].data_type, sheet["A1"].font.b) == ("=Title", "s", True)
    assert sheet["A2"].value is None
    assert [c.value for c in sheet[3]] == ["Id", "Name", "Days"]
    assert sheet.freeze_panes == "C4"
    assert_header(sheet, header_row=3)
    assert_injected_names_are_text(sheet, ("+name", "=Title"))


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("2026/Q4: [满意度]?", "2026 Q4   满意度"),
        ("'quoted'", "quoted"),
        ("x" * 40, "x" * 31),
        ("///", "Sheet"),
    ],
)
def test_a_sheet_title_excel_refuses_is_cleaned(title: str, expected: str) -> None:
    assert open_workbook(workbook_bytes(title=title, headers=["A"], rows=[])).sheetnames == [expected]
