"""Read an extract (CSV, XLSX or Parquet) into a DuckDB table of text columns.

The result is a table named by the caller with one text column per contract column the file
has (canonical English names, whatever header — English or Chinese alias — the file used) and
``__row``: the row number as the user sees it (CSV/XLSX: header = row 1, first data row = 2;
Parquet has no header row, so its first record is row 1). Values are trimmed; empty cells are NULL.
"""

from __future__ import annotations

import codecs
import datetime as dt
import decimal
import os
import tempfile
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

Progress = Callable[[str, float], None]


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


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sql_literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _norm_header(header: str) -> str:
    return header.strip().lstrip("\ufeff").strip().lower()


def map_headers(headers: list[str], spec: KindSpec) -> tuple[dict[str, str], list[str]]:
    """Map the file's headers to contract column names.

    Returns (file header → canonical name, ignored headers). Missing required columns and two
    headers naming the same column refuse the file.
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
            ignored.append(header)
            continue
        if canonical in seen:
            problems.append(
                RowError(1, canonical, header, f"column given twice (as '{seen[canonical]}' and '{header}')")
            )
            continue
        seen[canonical] = header
        mapping[header] = canonical
    for col in spec.columns:
        if col.required and col.name not in seen:
            aliases = " / ".join(col.aliases)
            problems.append(
                RowError(
                    1, col.name, None, f"missing column (header '{col.name}'" + (f" or {aliases})" if aliases else ")")
                )
            )
    if problems:
        raise FileRefused(f"The {spec.kind} file's header row does not match the data contract.", problems)
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
        raise FileRefused(
            f"{path.name}: the file is UTF-16 encoded; save it as CSV UTF-8 or GB18030 (Excel: 'CSV (逗号分隔)')."
        )
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
    raise FileRefused(
        f"{path.name}: the file is neither UTF-8 nor GB18030/GBK text; save it as CSV (UTF-8 or GB18030)."
    )


def _load_projection(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source_sql: str,
    columns: list[tuple[str, str]],
    spec: KindSpec,
    row_offset: int,
    row_expr: str = "rowid",
    *,
    materialize: bool = True,
) -> RawTable:
    """Project the source onto contract column names.

    Text is trimmed and empty text becomes NULL; typed (Parquet) columns keep their type, so
    validation does not print numbers to text only to parse them back.
    """
    types = dict(columns)
    mapping, ignored = map_headers([name for name, _ in columns], spec)
    select = [f"CAST({row_expr} + {row_offset} AS BIGINT) AS __row"]
    raw_types: dict[str, str] = {}
    for header, canonical in mapping.items():
        if types[header] == "VARCHAR":
            select.append(f"NULLIF(trim({_quote(header)}), '') AS {_quote(canonical)}")
            raw_types[canonical] = "VARCHAR"
        else:
            select.append(f"{_quote(header)} AS {_quote(canonical)}")
            raw_types[canonical] = types[header]
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
        table=table, rows=int(rows), columns=list(mapping.values()), ignored_columns=ignored, types=raw_types
    )


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, spec: KindSpec, table: str, progress: Progress | None
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
            columns = [(row[0], "VARCHAR") for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            # One pass over the file: rows land in file order, so rowid + 2 is the row the user sees.
            raw = _load_projection(con, table, source, columns, spec, row_offset=2)
        except duckdb.Error as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise FileRefused(f"{path.name}: the CSV file could not be read: {first_line}") from exc
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


def _read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, spec: KindSpec, table: str, progress: Progress | None
) -> RawTable:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise FileRefused(f"{path.name}: not a readable Excel workbook ({type(exc).__name__}).") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise FileRefused(f"{path.name}: the first sheet is empty.")
        headers = [str(h).strip() if h is not None else "" for h in header_row]
        width = len(headers)
        columns: list[list[str | None]] = [[] for _ in range(width)]
        row_numbers: list[int] = []
        for index, values in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in values[:width]]
            if all(c is None or c.strip() == "" for c in cells):
                continue  # blank lines in a spreadsheet are not rows
            cells += [None] * (width - len(cells))
            for i, cell in enumerate(cells):
                columns[i].append(cell)
            row_numbers.append(index)
    finally:
        workbook.close()
    names = [h if h else f"__blank{i}" for i, h in enumerate(headers)]
    arrow = pa.table(
        {"__sheet_row": pa.array(row_numbers, pa.int64())}
        | {n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)}
    )
    con.register("__xlsx_arrow", arrow)
    header_types = [(n, "VARCHAR") for n in names if not n.startswith("__blank")]
    raw = _load_projection(con, table, "__xlsx_arrow", header_types, spec, 0, "__sheet_row")
    con.unregister("__xlsx_arrow")
    raw.file_format = "xlsx"
    return raw


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, spec: KindSpec, table: str) -> RawTable:
    source = f"read_parquet({sql_literal(path)}, file_row_number=true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        columns = [(row[0], "VARCHAR" if row[1] == "VARCHAR" else str(row[1])) for row in described]
        columns = [c for c in columns if c[0] != "file_row_number"]
        # Parquet is typed and already on disk: validate straight from the file, no copy.
        raw = _load_projection(
            con, table, source, columns, spec, row_offset=1, row_expr="file_row_number", materialize=False
        )
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise FileRefused(f"{path.name}: not a readable Parquet file: {first_line}") from exc
    raw.file_format = "parquet"
    return raw


def read_raw(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: KindSpec,
    *,
    table: str = "raw",
    progress: Progress | None = None,
) -> RawTable:
    path = Path(path)
    if not path.exists():
        raise FileRefused(f"{path}: no such file.")
    if not os.access(path, os.R_OK):
        raise FileRefused(f"{path}: the file cannot be read (permissions).")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(con, path, spec, table, progress)
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(con, path, spec, table, progress)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(con, path, spec, table)
    raise FileRefused(f"{path.name}: unsupported file type '{suffix}' (use .csv, .xlsx or .parquet).")
