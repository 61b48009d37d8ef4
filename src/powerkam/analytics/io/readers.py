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
    headers: list[str],
    spec: KindSpec,
    row_offset: int,
    row_expr: str = "rowid",
) -> RawTable:
    mapping, ignored = map_headers(headers, spec)
    select = [f"CAST({row_expr} + {row_offset} AS BIGINT) AS __row"]
    for header, canonical in mapping.items():
        select.append(f"NULLIF(trim(CAST({_quote(header)} AS VARCHAR)), '') AS {_quote(canonical)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {', '.join(select)} FROM {source_sql}")
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return RawTable(table=table, rows=int(rows), columns=list(mapping.values()), ignored_columns=ignored)


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, spec: KindSpec, table: str, progress: Progress | None
) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="powerkam-import-") as tmp:
        utf8_path, encoding = _detect_and_transcode(path, Path(tmp), progress)
        if progress:
            progress("reading", 0.0)
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE __csv AS SELECT * FROM read_csv(?, all_varchar=true, header=true, "
                "auto_detect=true, strict_mode=true, null_padding=false)",
                [str(utf8_path)],
            )
        except duckdb.Error as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise FileRefused(f"{path.name}: the CSV file could not be read: {first_line}") from exc
    headers = [row[0] for row in con.execute("DESCRIBE __csv").fetchall()]
    raw = _load_projection(con, table, "__csv", headers, spec, row_offset=2)
    con.execute("DROP TABLE __csv")
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
    raw = _load_projection(
        con, table, "__xlsx_arrow", [n for n in names if not n.startswith("__blank")], spec, 0, "__sheet_row"
    )
    con.unregister("__xlsx_arrow")
    raw.file_format = "xlsx"
    return raw


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, spec: KindSpec, table: str) -> RawTable:
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW __pq AS SELECT * FROM read_parquet({sql_literal(path)}, file_row_number=true)"
        )
        headers = [row[0] for row in con.execute("DESCRIBE __pq").fetchall() if row[0] != "file_row_number"]
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise FileRefused(f"{path.name}: not a readable Parquet file: {first_line}") from exc
    raw = _load_projection(con, table, "__pq", headers, spec, row_offset=1, row_expr="file_row_number")
    con.execute("DROP VIEW __pq")
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
