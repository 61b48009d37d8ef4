"""Checks shared by the export tests: names that would be formulas, read back from a real workbook."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

#: Names a customer or project list may bring (OWASP's CSV-injection examples and triggers).
INJECTED = (
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
)


def as_written(text: str) -> str:
    """The text as a cell holds it: XML has no bare carriage return, so it is a line feed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def open_workbook(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def cells_by_value(sheet: Worksheet) -> dict[Any, Any]:
    return {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value is not None}


def assert_injected_names_are_text(sheet: Worksheet, names: tuple[str, ...] = INJECTED) -> None:
    """Every name is in the sheet as the same text, a string cell with Excel's quote prefix; no cell
    of the sheet is a formula."""
    cells = cells_by_value(sheet)
    for name in names:
        cell = cells.get(as_written(name))
        assert cell is not None, f"{name!r} is not in sheet {sheet.title!r}"
        assert cell.data_type == "s", (name, cell.data_type)
        assert cell.quotePrefix, name
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def assert_header(sheet: Worksheet, header_row: int = 1) -> None:
    """The header row is bold and frozen (with the rows above it)."""
    assert sheet.freeze_panes is not None
    assert int("".join(ch for ch in sheet.freeze_panes if ch.isdigit())) == header_row + 1
    assert all(cell.font.b for cell in sheet[header_row] if cell.value is not None)


def column(sheet: Worksheet, header: str, header_row: int = 1) -> list[Any]:
    """The cells under a header."""
    headers = [cell.value for cell in sheet[header_row]]
    index = headers.index(header) + 1
    return [row[0] for row in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index)]


def assert_numbers(cells: list[Any], number_format: str) -> None:
    """Non-empty cells are numbers (never text) with this format."""
    filled = [c for c in cells if c.value is not None]
    assert filled, "no values in the column"
    for cell in filled:
        assert cell.data_type == "n", (cell.coordinate, cell.value)
        assert isinstance(cell.value, int | float), (cell.coordinate, cell.value)
        assert cell.number_format == number_format, (cell.coordinate, cell.number_format)
