"""Write a grading result to a file people and other systems read: CSV, Parquet or JSON.

One row per customer evaluated, with the columns of :data:`EXPORT_COLUMNS`; ``reasons`` is the
text of :func:`~powerkam.analytics.grading_reasons.render` in the chosen language.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from powerkam.analytics.grading_reasons import explain, render
from powerkam.analytics.rules import DEFAULT_RULES, GradingRules

EXPORT_COLUMNS = (
    "customer_id",
    "key_account",
    "grade",
    "credit_score",
    "value_rank",
    "annual_kwh",
    "annual_revenue",
    "active_months",
    "late_payments",
    "max_days_late",
    "overdue_yuan",
    "reasons",
)

EXPORT_FORMATS = (".csv", ".parquet", ".json")


class ExportError(ValueError):
    """The result cannot be written as asked."""


def export_table(result: pa.Table, *, rules: GradingRules = DEFAULT_RULES, lang: str = "zh") -> pa.Table:
    """The result with its reasons in words, restricted to :data:`EXPORT_COLUMNS`."""
    reasons = [render(explain(row, rules), lang) for row in result.to_pylist()]
    table = result.append_column("reasons", pa.array(reasons, pa.string()))
    money = pa.decimal128(18, 2)
    columns = []
    for name in EXPORT_COLUMNS:
        column = table[name]
        if name in ("annual_revenue", "overdue_yuan"):
            column = column.cast(money)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=list(EXPORT_COLUMNS))


def write_result(result: pa.Table, path: Path, *, rules: GradingRules = DEFAULT_RULES, lang: str = "zh") -> Path:
    """Write *result* to *path*; the format follows the extension (``.csv``, ``.parquet``, ``.json``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise ExportError(f"cannot write '{path.name}': the output file must end in {', '.join(EXPORT_FORMATS)}")
    if not path.parent.exists():
        raise ExportError(f"cannot write '{path}': the folder {path.parent} does not exist")
    table = export_table(result, rules=rules, lang=lang)
    tmp = path.with_name(path.name + ".part")
    if suffix == ".csv":
        # UTF-8 with a BOM so that Excel on a Chinese desktop opens the reasons legibly.
        with tmp.open("wb") as fh:
            fh.write("\ufeff".encode())
            pcsv.write_csv(table, fh)
    elif suffix == ".parquet":
        pq.write_table(table, tmp)
    else:
        tmp.write_text(json.dumps(table.to_pylist(), ensure_ascii=False, default=_json_default), encoding="utf-8")
    tmp.replace(path)
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value))
