"""The one writer of every workbook PowerKAM makes: the lists' "Export to Excel" (accounts, grading
roster, prospects, arrears, survey campaigns, health, tariff advice, visits due, visit records) and the reports' workbooks (the weekly prospects report,
the monthly overview report) — downloaded or mailed.

Each column declares its kind, so a view hands over values (numbers, dates, text), never formatted
strings, and every workbook follows the same rules (docs/data-formats.md, "Exports"):

- text is always written as text. A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a line
  break (OWASP's CSV-injection list) is stored as a string cell (never a formula) with Excel's
  "quote prefix" set, so it reads back as the same text and Excel keeps it text even when the cell is
  edited. Characters XML cannot hold are written with OOXML's ``_xHHHH_`` escape (what Excel itself
  writes); a carriage return becomes a line feed (XML turns it into one anyway); a text longer than
  Excel's 32,767 characters a cell is cut there, ending in "…".
- numbers stay numbers: ``int`` (``0``), ``number`` (General), ``money`` in yuan (``#,##0.00``),
  ``kwh`` and ``kva`` (``#,##0``), ``percent`` as a fraction (``0.0%``); a Decimal becomes a float.
- ``date`` (``yyyy-mm-dd``) and ``datetime`` (``yyyy-mm-dd hh:mm``) are date cells; an aware datetime
  is shown in the utility's local time (settings.TIME_ZONE, Asia/Shanghai), made naive for Excel.
- a value that does not fit its column's kind (a "—" in a money column) is written as (safe) text,
  ``None`` (and NaN) as an empty cell.
- the header row is bold and frozen; column widths follow the header and the first rows' contents
  (CJK characters count double), capped.

Sheets are written with openpyxl's write-only (streaming) mode: rows are consumed from an iterator,
so the accounts list's 100,000 rows are never all held as cells.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import Any, Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook as a download named ``filename.xlsx`` (the audit middleware records it)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


Kind = Literal["auto", "text", "int", "number", "money", "kwh", "kva", "percent", "date", "datetime"]

#: Excel number format of each kind (``auto`` picks by the value's type).
NUMBER_FORMATS: dict[str, str] = {
    "int": "0",
    "number": "General",
    "money": "#,##0.00",
    "kwh": "#,##0",
    "kva": "#,##0",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
NUMERIC_KINDS = frozenset({"int", "number", "money", "kwh", "kva", "percent"})

#: Text starting with one of these would be a formula (or become one when edited) in a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

#: The most characters an Excel cell holds.
MAX_CELL_TEXT = 32_767

#: Rows measured for the column widths (the rest are streamed without being looked at).
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH = 6
MAX_WIDTH = 50

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBEA")
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")

# The characters openpyxl (and XML 1.0) refuse in a cell: C0 controls but tab, line feed, return.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


@dataclass(frozen=True)
class Column:
    """A column of an exported sheet: its header, the kind of its values, and optionally a fixed
    width (in Excel's character units) and text wrapping (for multi-line cells)."""

    header: str
    kind: Kind = "auto"
    width: float | None = None
    wrap: bool = False


@dataclass(frozen=True)
class Typed:
    """A value whose kind is not its column's — the monthly report's summary has one figure a row."""

    value: Any
    kind: Kind


@dataclass
class Sheet:
    """One sheet: ``heading`` lines above the header row (the first as a title, "" for an empty
    row), the columns, and the rows (any iterable, consumed once). ``freeze_columns`` keeps that
    many columns in view when scrolling sideways (the header row is always frozen)."""

    title: str
    columns: Sequence[Column | str]
    rows: Iterable[Sequence[Any]]
    heading: Sequence[str] = ()
    freeze_columns: int = 0


def write_workbook(sheets: Iterable[Sheet]) -> bytes:
    """The .xlsx bytes of these sheets, in order."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_bytes(*, title: str, headers: Sequence[Column | str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook: a list exactly as the user filtered it. A plain string header is a
    column of kind ``auto``."""
    return write_workbook([Sheet(title=title, columns=headers, rows=rows)])


def safe_text(value: str) -> tuple[str, bool]:
    """The text as a cell holds it, and whether it needs the quote prefix (it would start a formula)."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    if len(text) > MAX_CELL_TEXT:  # Excel calls a file with a longer cell damaged
        text = text[: MAX_CELL_TEXT - 1] + "…"
    return text, text.startswith(FORMULA_TRIGGERS)


def sheet_title(title: str) -> str:
    """A title Excel accepts: none of \\ / * ? : [ ], no leading or trailing apostrophe, 31 characters."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", str(title)).strip().strip("'").strip()
    return cleaned[:31] or "Sheet"


# -- cells -------------------------------------------------------------------------------------------


def cell_value(value: Any, kind: str) -> tuple[Any, str]:
    """The value as written and the kind it is written as (``text`` when it does not fit ``kind``)."""
    if isinstance(value, Typed):
        return cell_value(value.value, value.kind)
    if value is None:
        return None, kind
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        return value, "text"
    if kind == "text":
        return str(value), "text"
    if isinstance(value, bool):
        return (value, "auto") if kind == "auto" else (str(value), "text")
    if isinstance(value, int | float | Decimal):
        number = float(value) if isinstance(value, Decimal) else value
        if isinstance(number, float) and not math.isfinite(number):
            return None, kind
        if kind == "auto":
            return number, "int" if isinstance(number, int) else "number"
        if kind in NUMERIC_KINDS:
            return number, kind
        return str(value), "text"
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value, timezone.get_default_timezone())
        return value, kind if kind in ("date", "datetime") else "datetime"
    if isinstance(value, dt.date):
        return value, kind if kind in ("date", "datetime") else "date"
    return str(value), "text"


def display_width(text: str) -> int:
    """Columns the text takes on screen: CJK (wide and full-width) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _shown(value: Any, kind: str) -> str:
    """Roughly what Excel shows for the value, for the column width."""
    if value is None:
        return ""
    if kind == "text":
        return max(str(value).split("\n"), key=display_width, default="")
    if kind == "money":
        return f"{value:,.2f}"
    if kind in ("kwh", "kva"):
        return f"{value:,.0f}"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "date":
        return "2026-01-01"
    if kind == "datetime":
        return "2026-01-01 00:00"
    return str(value)


class _SheetWriter:
    def __init__(self, worksheet: WriteOnlyWorksheet, columns: list[Column]) -> None:
        self.worksheet = worksheet
        self.kinds = [c.kind for c in columns]
        self.wraps = [c.wrap for c in columns]
        self.widths = [display_width(c.header) + 2 for c in columns]

    def convert(self, row: Sequence[Any]) -> list[tuple[Any, str]]:
        kinds = self.kinds
        if len(row) > len(kinds):
            kinds = kinds + ["auto"] * (len(row) - len(kinds))
        return [cell_value(value, kind) for value, kind in zip(row, kinds, strict=False)]

    def measure(self, row: list[tuple[Any, str]]) -> None:
        for index, (value, kind) in enumerate(row[: len(self.widths)]):
            self.widths[index] = max(self.widths[index], display_width(_shown(value, kind)))

    def cells(self, row: list[tuple[Any, str]]) -> list[Any]:
        out: list[Any] = []
        wraps = self.wraps
        for index, (value, kind) in enumerate(row):
            wrap = index < len(wraps) and wraps[index]
            if value is None:
                out.append(None)
                continue
            if kind == "text":
                text, quote = safe_text(value)
                if not quote and not wrap:
                    out.append(text)  # plain text: no cell object needed
                    continue
                cell = WriteOnlyCell(self.worksheet, value=text)
                cell.data_type = "s"  # openpyxl makes "=…" a formula; this is text
                cell.quotePrefix = quote
            else:
                number_format = NUMBER_FORMATS.get(kind, "General")
                if number_format == "General" and not wrap:
                    out.append(value)  # a plain number (or bool): no cell object needed
                    continue
                cell = WriteOnlyCell(self.worksheet, value=value)
                cell.number_format = number_format
            if wrap:
                cell.alignment = WRAP
            out.append(cell)
        return out


def _columns(columns: Sequence[Column | str]) -> list[Column]:
    return [c if isinstance(c, Column) else Column(str(c)) for c in columns]


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    worksheet = workbook.create_sheet(title=sheet_title(sheet.title))
    columns = _columns(sheet.columns)
    writer = _SheetWriter(worksheet, columns)
    rows: Iterator[Sequence[Any]] = iter(sheet.rows)
    sample = [writer.convert(row) for row in islice(rows, WIDTH_SAMPLE_ROWS)]
    for row in sample:
        writer.measure(row)
    # Write-only sheets take their panes and column widths before the first row is written.
    header_row = len(sheet.heading) + 1
    worksheet.freeze_panes = f"{get_column_letter(sheet.freeze_columns + 1)}{header_row + 1}"
    for index, (column, measured) in enumerate(zip(columns, writer.widths, strict=True), start=1):
        width = column.width if column.width is not None else min(max(measured, MIN_WIDTH), MAX_WIDTH)
        worksheet.column_dimensions[get_column_letter(index)].width = width
    for number, line in enumerate(sheet.heading):
        if not line:
            worksheet.append([])
            continue
        text, quote = safe_text(str(line))
        cell = WriteOnlyCell(worksheet, value=text)
        cell.data_type, cell.quotePrefix = "s", quote
        if number == 0:
            cell.font = TITLE_FONT
        worksheet.append([cell])
    header = []
    for column in columns:
        text, quote = safe_text(str(column.header))
        cell = WriteOnlyCell(worksheet, value=text)
        cell.data_type, cell.quotePrefix = "s", quote
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    worksheet.append(header)
    for row in chain(sample, (writer.convert(r) for r in rows)):
        worksheet.append(writer.cells(row))
