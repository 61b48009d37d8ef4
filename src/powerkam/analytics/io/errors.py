"""Problems found in an extract, as codes with parameters.

Every problem carries a ``code`` and its ``params``; :data:`MESSAGES` renders them in English (the
analytics layer has no Django, so no translation here). The Django layer translates the same code
and params into the user's language (powerkam.imports.messages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: code → English template (``str.format`` with the params). The imports app keeps the
#: translated twin of each; tests check that the two lists name the same codes.
MESSAGES: dict[str, str] = {
    # cells
    "missing_value": "missing value",
    "not_number": "not a number",
    "not_finite": "not a finite number",
    "not_money": "not an amount of money",
    "not_integer": "not a whole number",
    "not_date": "not a valid date (expected YYYY-MM-DD)",
    "not_period": "not a valid billing period (expected YYYY-MM)",
    "not_timestamp": "not a valid timestamp (expected ISO 8601, e.g. 2026-10-01T08:15)",
    "not_bool": "not true/false (true/false, 是/否, 1/0)",
    "not_enum": "unknown value (expected one of: {choices})",
    "invalid": "invalid value",
    "must_be_positive": "must be greater than 0",
    "must_not_be_negative": "must not be negative",
    "out_of_range": "out of range (expected {min} … {max} {unit})",
    "not_nominal_voltage": "not a nominal voltage (expected one of: {allowed} kV)",
    "date_out_of_window": "outside the accepted dates ({min} … {max})",
    "too_long": "longer than {max} characters",
    "refers_to_itself": "refers to itself",
    "duplicate_key": "duplicate key (first on row {first_row})",
    "unknown_reference": "unknown {what}",
    "tou_mismatch": "TOU parts do not add up to kwh (tolerance {tolerance})",
    "end_not_after_start": "end is not after start ({start})",
    "not_on_grid": "not on the 15-minute grid",
    "not_email": "not an e-mail address",
    "generation_mismatch": "self-consumed + exported kWh do not add up to generated kWh (tolerance {tolerance})",
    "export_in_self_use": "exported kWh under 全额自发自用 (self-use mode exports nothing)",
    "missing_for_type": "missing value (needed for {what})",
    "pv_over_limit": "above the distributed-PV capacity limit for the account's voltage ({where})",
    "mode_not_allowed": "connection mode not allowed for distributed PV (voltage / capacity → allowed modes: {where})",
    "formula": "formula, not a value ({cell}): save the sheet as values",
    "rejected": "refused by the CRM database: {detail}",
    # header row
    "missing_column": "missing column (header {headers})",
    "column_twice": "column given twice (as '{first}' and '{second}')",
    # the file as a whole
    "no_file": "{file}: no such file.",
    "unreadable_permissions": "{file}: the file cannot be read (permissions).",
    "unsupported_type": "{file}: unsupported file type '{suffix}' (use .csv, .xlsx or .parquet).",
    "empty_file": "{file}: the file is empty.",
    "utf16": "{file}: the file is UTF-16 encoded; save it as CSV UTF-8 or GB18030 (Excel: 'CSV (逗号分隔)').",
    "bad_encoding": "{file}: the file is neither UTF-8 nor GB18030/GBK text; save it as CSV (UTF-8 or GB18030).",
    "csv_unreadable": "{file}: the CSV file could not be read: {detail}",
    "xlsx_unreadable": "{file}: not a readable Excel workbook ({detail}).",
    "parquet_unreadable": "{file}: not a readable Parquet file: {detail}",
    "sheet_empty": "{file}: the first sheet is empty.",
    "sheet_too_large": "{file}: the sheet is too large ({size_mb} MB of XML uncompressed; the limit is {limit_mb} MB).",
    "too_many_rows": "{file}: more than {limit} rows (the limit); split the file.",
    "too_many_columns": "{file}: {count} columns (the limit is {limit}).",
    "formulas_without_values": "{file}: {count} formula cell(s) without a saved value; save the sheet as values.",
    "header_mismatch": "The {kind} file's header row does not match the data contract.",
    "problems": "{file}: {count} problem(s) found; nothing was imported.",
    "crm_refused": "{count} value(s) refused by the CRM database; nothing was imported.",
}


def render(code: str, params: dict[str, Any] | None = None) -> str:
    """The English text of a problem (an unknown code renders as itself)."""
    template = MESSAGES.get(code, code)
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return template


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one cell: the row as the user sees it in the file (header = row 1).

    ``column`` is the canonical contract name; ``header`` the column's header as the file wrote it
    (``None`` when it is the canonical name or the file has no such column).
    """

    row: int
    column: str
    value: str | None
    reason: str
    code: str = field(default="", compare=False)
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    header: str | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls, row: int, column: str, value: str | None, code: str, header: str | None = None, **params: Any
    ) -> RowError:
        return cls(row, column, value, render(code, params), code, params, header)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "value": self.value,
            "code": self.code,
            "params": dict(self.params),
            "reason": self.reason,
        }


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, format, structure, missing columns, limits)."""

    def __init__(
        self,
        message: str,
        errors: list[RowError] | None = None,
        *,
        code: str = "",
        params: dict[str, Any] | None = None,
        error_count: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.code = code
        self.params = params or {}
        self.error_count = len(self.errors) if error_count is None else error_count

    @classmethod
    def of(
        cls, code: str, errors: list[RowError] | None = None, error_count: int | None = None, **params: Any
    ) -> FileRefused:
        return cls(render(code, params), errors, code=code, params=params, error_count=error_count)
