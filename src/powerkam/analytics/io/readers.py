"""Read an extract (CSV, XLSX or Parquet) into a DuckDB table of text columns.

The result is a table named by the caller with one text column per contract column the file
has (canonical English names, whatever header — English or Chinese alias — the file used) and
``__row``: the row number as the user sees it (CSV/XLSX: header = row 1, first data row = 2;
Parquet has no header row, so its first record is row 1). Values are trimmed; empty cells are NULL.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import os
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from powerkam.analytics.io.contract import KindSpec
from powerkam.analytics.io.errors import FileRefused, RowError

CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
_CHUNK = 8 * 1024 * 1024
#: Rows of a sheet moved to DuckDB at a time (memory stays bounded whatever the sheet's length).
_XLSX_BATCH = 50_000

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ReadLimits:
    """What a file may hold before it is refused (unread), so a huge file cannot exhaust memory.

    Defaults are documented in docs/data-formats.md; the Django layer passes the administrator's
    settings (POWERKAM_IMPORT_MAX_SHEET_MB, _MAX_ROWS, _MAX_COLUMNS).
    """

    #: uncompressed size of a worksheet's (or the shared strings') XML inside an .xlsx
    max_sheet_bytes: int = 2 * 1024**3
    #: data rows
    max_rows: int = 200_000_000
    #: columns in the header row
    max_columns: int = 200


@dataclass
class RawTable:
    table: str
    rows: int
    columns: list[str]
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    file_format: str = "csv"
    #: DuckDB type of each raw column: VARCHAR for text files, the native type for Parquet
    types: dict[str, str] = field(default_factory=dict)
    #: canonical name → the header as the file wrote it (cleaned of invisible characters)
    headers: dict[str, str] = field(default_factory=dict)
    #: cells whose value is the value a formula last computed (saved in the workbook)
    formula_values: int = 0


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sql_literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


#: Characters that are invisible in a spreadsheet but break the match of a header: NUL, the BOM
#: (also where an editor left it mid-file), zero-width space/joiners, word joiner, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\x00\ufeff\u200b\u200c\u200d\u2060\u00ad"))


def clean_header(header: object) -> str:
    """The header as a person reads it: NFKC (full-width letters and spaces become ASCII),
    invisible characters removed, surrounding whitespace trimmed."""
    text = "" if header is None else str(header)
    return unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).strip()


def _norm_header(header: str) -> str:
    return clean_header(header).lower()


def map_headers(headers: list[str], spec: KindSpec) -> tuple[dict[str, str], list[str]]:
    """Map the file's headers to contract column names.

    Returns (file header → canonical name, ignored headers, cleaned). Missing required columns
    and two headers naming the same column refuse the file.
    """
    lookup: dict[str, str] = {}
    for col in spec.columns:
        for spelling in (col.name, *col.aliases):
            lookup[_norm_header(spelling)] = col.name
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    problems: list[RowError] = []
    for header in headers:
        canonical = lookup.get(_norm_header(header))
        if canonical is None:
            if clean_header(header):
                ignored.append(clean_header(header))
            continue
        if canonical in seen:
            problems.append(
                RowError.of(
                    1,
                    canonical,
                    clean_header(header),
                    "column_twice",
                    clean_header(header),
                    first=clean_header(seen[canonical]),
                    second=clean_header(header),
                )
            )
            continue
        seen[canonical] = header
        mapping[header] = canonical
    for col in spec.columns:
        if col.required and col.name not in seen:
            headers_text = " / ".join(f"'{h}'" for h in (col.name, *col.aliases))
            problems.append(RowError.of(1, col.name, None, "missing_column", headers=headers_text))
    if problems:
        raise FileRefused.of("header_mismatch", problems, kind=spec.kind)
    return mapping, ignored


def _detect_and_transcode(path: Path, workdir: Path, progress: Progress | None) -> tuple[Path, str]:
    """Return a UTF-8 path for the CSV and the encoding it was in.

    UTF-8 (with or without BOM) is used as it is; otherwise the whole file must decode as
    GB18030 (a superset of GBK/GB2312, what Excel on a Chinese desktop saves) and is transcoded
    to a temporary UTF-8 file. Anything else is refused.
    """
    size = max(path.stat().st_size, 1)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        raise FileRefused.of("utf16", file=path.name)
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            with path.open("rb") as fh:
                done = 0
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                    done += len(chunk)
                    if progress:
                        progress("checking encoding", done / size / 2)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            return path, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        out = workdir / "transcoded.csv"
        with path.open("rb") as src, out.open("wb") as dst:
            decoder = codecs.getincrementaldecoder("gb18030")(errors="strict")
            done = 0
            while chunk := src.read(_CHUNK):
                dst.write(decoder.decode(chunk).encode("utf-8"))
                done += len(chunk)
                if progress:
                    progress("transcoding GB18030", 0.5 + done / size / 2)
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
        return out, "gb18030"
    raise FileRefused.of("bad_encoding", file=path.name)


def _check_columns(path: Path, count: int, limits: ReadLimits) -> None:
    if count > limits.max_columns:
        raise FileRefused.of("too_many_columns", file=path.name, count=count, limit=limits.max_columns)


def _load_projection(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source_sql: str,
    columns: list[tuple[str, str, str]],
    spec: KindSpec,
    row_offset: int,
    row_expr: str = "rowid",
    *,
    materialize: bool = True,
) -> RawTable:
    """Project the source onto contract column names.

    ``columns``: (SQL name in the source, the header as the file wrote it, DuckDB type). Text is
    trimmed and empty text becomes NULL; typed (Parquet) columns keep their type, so validation
    does not print numbers to text only to parse them back.
    """
    by_header = {header: (sql_name, type_) for sql_name, header, type_ in columns}
    mapping, ignored = map_headers([header for _, header, _ in columns], spec)
    select = [f"CAST({row_expr} + {row_offset} AS BIGINT) AS __row"]
    raw_types: dict[str, str] = {}
    for header, canonical in mapping.items():
        sql_name, type_ = by_header[header]
        if type_ == "VARCHAR":
            select.append(f"NULLIF(trim({_quote(sql_name)}), '') AS {_quote(canonical)}")
            raw_types[canonical] = "VARCHAR"
        else:
            select.append(f"{_quote(sql_name)} AS {_quote(canonical)}")
            raw_types[canonical] = type_
    if row_expr == "rowid":
        # A text file has no row numbers of its own: land it in a table (rows keep file order),
        # whose rowid then gives the row number.
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_data AS SELECT {', '.join(select[1:])} FROM {source_sql}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT {select[0]}, * FROM {table}_data")
    else:
        kind = "TABLE" if materialize else "VIEW"
        con.execute(f"CREATE OR REPLACE TEMP {kind} {table} AS SELECT {', '.join(select)} FROM {source_sql}")
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return RawTable(
        table=table,
        rows=int(rows),
        columns=list(mapping.values()),
        ignored_columns=ignored,
        types=raw_types,
        headers={canonical: clean_header(header) for header, canonical in mapping.items()},
    )


def _header_line(con: duckdb.DuckDBPyConnection, utf8_path: Path, count: int) -> list[str] | None:
    """The CSV's first record as the file writes it (with DuckDB's sniffed delimiter and quote), or
    ``None`` when it cannot be read so or has another number of fields than DuckDB found."""
    try:
        sniffed = con.execute(f"SELECT Delimiter, Quote FROM sniff_csv({sql_literal(utf8_path)})").fetchone()
    except duckdb.Error:
        return None
    delimiter, quote = (sniffed or (",", '"'))[:2]
    # DuckDB says "(empty)" when the file quotes nothing: the standard quote then reads it the same.
    quote = quote if isinstance(quote, str) and len(quote) == 1 and quote != "\x00" else '"'
    delimiter = delimiter if isinstance(delimiter, str) and len(delimiter) == 1 else ","
    try:
        with utf8_path.open(encoding="utf-8-sig", newline="") as fh:
            row = next(csv.reader(fh, delimiter=delimiter, quotechar=quote), None)
    except (csv.Error, UnicodeDecodeError, OSError):
        return None
    return row if row is not None and len(row) == count else None


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: KindSpec,
    table: str,
    progress: Progress | None,
    limits: ReadLimits,
) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="powerkam-import-") as tmp:
        utf8_path, encoding = _detect_and_transcode(path, Path(tmp), progress)
        if progress:
            progress("reading", 0.0)
        source = (
            f"read_csv({sql_literal(utf8_path)}, all_varchar=true, header=true, auto_detect=true, "
            "strict_mode=true, null_padding=false)"
        )
        try:
            headers = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            # DuckDB renames a header given twice ("end", "end_1"): the file's own header line decides.
            headers = _header_line(con, utf8_path, len(headers)) or headers
            _check_columns(path, len(headers), limits)
            # Columns are renamed by position: a header may hold characters (NUL …) no SQL name can.
            names = [f"__c{i}" for i in range(len(headers))]
            aliased = f"{source} AS __src({', '.join(names)})"
            # One pass over the file: rows land in file order, so rowid + 2 is the row the user sees.
            columns = [(n, h, "VARCHAR") for n, h in zip(names, headers, strict=True)]
            raw = _load_projection(con, table, aliased, columns, spec, row_offset=2)
        except duckdb.Error as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            # the user knows their file, not the transcoded copy in a temporary folder
            first_line = first_line.replace(str(utf8_path), path.name)
            raise FileRefused.of("csv_unreadable", file=path.name, detail=first_line) from exc
    if raw.rows > limits.max_rows:
        raise FileRefused.of("too_many_rows", file=path.name, limit=limits.max_rows)
    raw.encoding = encoding
    raw.file_format = "csv"
    return raw


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def _inspect_workbook(path: Path, limits: ReadLimits) -> bool:
    """Check the sizes in the zip directory before any XML is parsed; return whether a sheet
    holds formulas (then the workbook is read a second time for them)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                info
                for info in archive.infolist()
                if (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"))
                or info.filename == "xl/sharedStrings.xml"
            ]
            for info in members:
                if info.file_size > limits.max_sheet_bytes:
                    raise FileRefused.of(
                        "sheet_too_large",
                        file=path.name,
                        size_mb=f"{info.file_size / 1024**2:,.0f}",
                        limit_mb=f"{limits.max_sheet_bytes / 1024**2:,.0f}",
                    )
            for info in members:
                if not info.filename.startswith("xl/worksheets/"):
                    continue
                with archive.open(info) as fh:
                    tail = b""
                    while chunk := fh.read(_CHUNK):
                        if b"<f>" in tail + chunk or b"<f " in tail + chunk or b":f>" in tail + chunk:
                            return True
                        tail = chunk[-8:]
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise FileRefused.of("xlsx_unreadable", file=path.name, detail=type(exc).__name__) from exc
    return False


def _read_xlsx(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: KindSpec,
    table: str,
    progress: Progress | None,
    limits: ReadLimits,
) -> RawTable:
    """Read the first sheet to its last row.

    The sheet's stored dimension (``<dimension ref="A1:O11">``) is not trusted — some exporters
    leave it stale — so the dimensions are reset and rows are read until the XML ends. A formula
    cell takes the value the workbook saved for it (counted, and said in the report); a formula
    without a saved value refuses the file, naming the cell.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    has_formulas = _inspect_workbook(path, limits)
    workbooks = []
    try:
        try:
            values_book = load_workbook(path, read_only=True, data_only=True)
            workbooks.append(values_book)
            formula_book = load_workbook(path, read_only=True, data_only=False) if has_formulas else None
            if formula_book is not None:
                workbooks.append(formula_book)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise FileRefused.of("xlsx_unreadable", file=path.name, detail=type(exc).__name__) from exc
        if not values_book.worksheets:
            raise FileRefused.of("sheet_empty", file=path.name)
        sheet = values_book.worksheets[0]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        formula_rows = None
        if formula_book is not None:
            formula_sheet = formula_book.worksheets[0]
            formula_sheet.reset_dimensions()
            formula_rows = formula_sheet.iter_rows()
        header_row = next(rows, None)
        if formula_rows is not None:
            next(formula_rows, None)
        if header_row is None:
            raise FileRefused.of("sheet_empty", file=path.name)
        headers = [clean_header(h) for h in header_row]
        while headers and not headers[-1]:
            headers.pop()
        if not headers:
            raise FileRefused.of("sheet_empty", file=path.name)
        width = len(headers)
        _check_columns(path, width, limits)
        # The header row is checked before the rows are read; formulas matter only in contract columns.
        mapping, _ = map_headers([h for h in headers if h], spec)
        contract_columns = {i: mapping[h] for i, h in enumerate(headers) if h in mapping}
        names = [f"__c{i}" for i in range(width)]
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table}_sheet (__sheet_row BIGINT, "
            + ", ".join(f"{n} VARCHAR" for n in names)
            + ")"
        )
        columns: list[list[str | None]] = [[] for _ in range(width)]
        row_numbers: list[int] = []
        formula_errors: list[RowError] = []
        formula_error_count = 0
        formula_values = 0

        def flush() -> None:
            if not row_numbers:
                return
            batch = pa.table(
                {"__sheet_row": pa.array(row_numbers, pa.int64())}
                | {n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)}
            )
            con.register("__xlsx_batch", batch)
            con.execute(f"INSERT INTO {table}_sheet SELECT * FROM __xlsx_batch")
            con.unregister("__xlsx_batch")
            row_numbers.clear()
            for c in columns:
                c.clear()

        for index, values in enumerate(rows, start=2):
            if index - 1 > limits.max_rows:
                raise FileRefused.of("too_many_rows", file=path.name, limit=limits.max_rows)
            values = values[:width]
            if formula_rows is not None:
                for i, cell in enumerate(next(formula_rows, ())[:width]):
                    if getattr(cell, "data_type", None) != "f" or i not in contract_columns:
                        continue
                    if i < len(values) and values[i] is not None:
                        formula_values += 1
                        continue
                    formula_error_count += 1
                    if len(formula_errors) < 10_000:
                        ref = f"{get_column_letter(i + 1)}{index}"
                        formula_errors.append(
                            RowError.of(index, contract_columns[i], ref, "formula", headers[i], cell=ref)
                        )
            cells = [_cell_text(v) for v in values]
            if all(c is None or c.strip() == "" for c in cells):
                continue  # blank lines in a spreadsheet are not rows
            cells += [None] * (width - len(cells))
            for i, cell_text in enumerate(cells):
                columns[i].append(cell_text)
            row_numbers.append(index)
            if len(row_numbers) >= _XLSX_BATCH:
                flush()
                if progress:
                    progress("reading", 0.0)
        flush()
    finally:
        for book in workbooks:
            book.close()
    if formula_error_count:
        raise FileRefused.of(
            "formulas_without_values", formula_errors, formula_error_count, file=path.name, count=formula_error_count
        )
    columns_spec = [(n, h, "VARCHAR") for n, h in zip(names, headers, strict=True) if h]
    raw = _load_projection(con, table, f"{table}_sheet", columns_spec, spec, 0, "__sheet_row")
    raw.file_format = "xlsx"
    raw.formula_values = formula_values
    return raw


def _read_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, spec: KindSpec, table: str, limits: ReadLimits
) -> RawTable:
    source = f"read_parquet({sql_literal(path)}, file_row_number=true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        columns = [(row[0], row[0], "VARCHAR" if row[1] == "VARCHAR" else str(row[1])) for row in described]
        columns = [c for c in columns if c[0] != "file_row_number"]
        _check_columns(path, len(columns), limits)
        # Parquet is typed and already on disk: validate straight from the file, no copy.
        raw = _load_projection(
            con, table, source, columns, spec, row_offset=1, row_expr="file_row_number", materialize=False
        )
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise FileRefused.of("parquet_unreadable", file=path.name, detail=first_line) from exc
    if raw.rows > limits.max_rows:
        raise FileRefused.of("too_many_rows", file=path.name, limit=limits.max_rows)
    raw.file_format = "parquet"
    return raw


def read_raw(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: KindSpec,
    *,
    table: str = "raw",
    progress: Progress | None = None,
    limits: ReadLimits | None = None,
) -> RawTable:
    path = Path(path)
    limits = limits or ReadLimits()
    if not path.exists():
        raise FileRefused.of("no_file", file=str(path))
    if not os.access(path, os.R_OK):
        raise FileRefused.of("unreadable_permissions", file=str(path))
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES | PARQUET_SUFFIXES:
        raise FileRefused.of("unsupported_type", file=path.name, suffix=suffix)
    if path.stat().st_size == 0:
        raise FileRefused.of("empty_file", file=path.name)
    if suffix in CSV_SUFFIXES:
        return _read_csv(con, path, spec, table, progress, limits)
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(con, path, spec, table, progress, limits)
    return _read_parquet(con, path, spec, table, limits)
