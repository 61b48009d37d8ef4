"""Writing the demo extracts in the forms users receive them: CSV (UTF-8, UTF-8 with BOM,
GB18030 with Chinese headers), XLSX and Parquet. Every writer is byte-for-byte deterministic.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

MONEY = pa.decimal128(18, 2)
_FIXED_TIME = dt.datetime(2026, 1, 1)  # noqa: DTZ001 - a constant for reproducible files


def money_from_fen(fen: np.ndarray) -> pa.Array:
    """An exact ``decimal(18,2)`` array from integer fen (0.01 yuan)."""
    fen = np.ascontiguousarray(fen, dtype=np.int64)
    words = np.empty((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = fen >> 63  # sign extension into the high 64 bits of the 128-bit value
    return pa.Array.from_buffers(MONEY, len(fen), [None, pa.py_buffer(words.tobytes())])


def write_csv(
    table: pa.Table,
    path: Path,
    *,
    encoding: str = "utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    """CSV as a desktop exports it; ``encoding`` ``utf-8``, ``utf-8-sig`` or ``gb18030``."""
    names = [headers.get(name, name) for name in table.column_names] if headers else table.column_names
    columns = [_csv_texts(table.column(k)) for k in range(table.num_columns)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # quotes only where needed, as Excel does
    writer.writerow(names)
    writer.writerows(zip(*columns, strict=True))
    path.write_bytes(buffer.getvalue().encode(encoding))


def _csv_texts(column: pa.ChunkedArray) -> list[str]:
    kind = column.type
    if pa.types.is_floating(kind):
        return ["" if v is None else f"{v:.0f}" if v == int(v) else repr(v) for v in column.to_pylist()]
    if pa.types.is_boolean(kind):
        return ["" if v is None else "true" if v else "false" for v in column.to_pylist()]
    if pa.types.is_date(kind):
        return ["" if v is None else v.isoformat() for v in column.to_pylist()]
    return ["" if v is None else str(v) for v in column.to_pylist()]


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


class ParquetAppender:
    """Writes a Parquet file chunk by chunk (big kinds do not fit in memory at a million customers)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self._writer.write_table(table.cast(self.schema), row_group_size=1_000_000)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self._writer.close()


class _ReproducibleZip(zipfile.ZipFile):
    """A zip whose members carry a fixed timestamp, so the same workbook gives the same bytes."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_FIXED_TIME.timetuple()[:6])
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # openpyxl spools worksheets through temporary files; keep their timestamp fixed too.
        self.writestr(str(arcname or filename), Path(filename).read_bytes())


def write_xlsx(headers: Sequence[str], rows: Sequence[Sequence[Any]], path: Path, *, sheet: str) -> None:
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append(list(headers))
    for row in rows:
        worksheet.append(list(row))
        for cell in worksheet[worksheet.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHIJ", (14, 40, 10, 8, 10, 14, 18, 14, 28, 10), strict=False):
        worksheet.column_dimensions[column].width = width
    workbook.properties.creator = "示范省发展和改革委员会"
    workbook.properties.created = _FIXED_TIME
    workbook.properties.modified = _FIXED_TIME
    with _ReproducibleZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
