"""The problems of an import in the user's language.

The analytics layer reports each problem as a code with params (and an English rendering); here
each code has its translatable twin. The upload page follows the page's language, the CLI
``--lang`` or the locale, JSON output carries code, params and the rendered message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from powerkam.analytics.io.contract import CONTRACT
from powerkam.analytics.io.errors import MESSAGES as ENGLISH
from powerkam.analytics.io.errors import RowError, render

#: code → translatable template; the English msgid is the analytics layer's own text.
MESSAGES: dict[str, Promise] = {
    "missing_value": _("missing value"),
    "not_number": _("not a number"),
    "not_finite": _("not a finite number"),
    "not_money": _("not an amount of money"),
    "not_integer": _("not a whole number"),
    "not_date": _("not a valid date (expected YYYY-MM-DD)"),
    "not_period": _("not a valid billing period (expected YYYY-MM)"),
    "not_timestamp": _("not a valid timestamp (expected ISO 8601, e.g. 2026-10-01T08:15)"),
    "not_bool": _("not true/false (true/false, 是/否, 1/0)"),
    "not_enum": _("unknown value (expected one of: {choices})"),
    "invalid": _("invalid value"),
    "must_be_positive": _("must be greater than 0"),
    "must_not_be_negative": _("must not be negative"),
    "out_of_range": _("out of range (expected {min} … {max} {unit})"),
    "not_nominal_voltage": _("not a nominal voltage (expected one of: {allowed} kV)"),
    "date_out_of_window": _("outside the accepted dates ({min} … {max})"),
    "too_long": _("longer than {max} characters"),
    "refers_to_itself": _("refers to itself"),
    "duplicate_key": _("duplicate key (first on row {first_row})"),
    "unknown_reference": _("unknown {what}"),
    "tou_mismatch": _("TOU parts do not add up to kwh (tolerance {tolerance})"),
    "end_not_after_start": _("end is not after start ({start})"),
    "not_on_grid": _("not on the 15-minute grid"),
    "not_email": _("not an e-mail address"),
    "generation_mismatch": _("self-consumed + exported kWh do not add up to generated kWh (tolerance {tolerance})"),
    "export_in_self_use": _("exported kWh under 全额自发自用 (self-use mode exports nothing)"),
    "missing_for_type": _("missing value (needed for {what})"),
    "pv_over_limit": _("above the distributed-PV capacity limit for the account's voltage ({where})"),
    "mode_not_allowed": _(
        "connection mode not allowed for distributed PV (voltage / capacity → allowed modes: {where})"
    ),
    "formula": _("formula, not a value ({cell}): save the sheet as values"),
    "rejected": _("refused by the CRM database: {detail}"),
    "missing_column": _("missing column (header {headers})"),
    "column_twice": _("column given twice (as '{first}' and '{second}')"),
    "no_file": _("{file}: no such file."),
    "unreadable_permissions": _("{file}: the file cannot be read (permissions)."),
    "unsupported_type": _("{file}: unsupported file type '{suffix}' (use .csv, .xlsx or .parquet)."),
    "empty_file": _("{file}: the file is empty."),
    "utf16": _("{file}: the file is UTF-16 encoded; save it as CSV UTF-8 or GB18030 (Excel: 'CSV (逗号分隔)')."),
    "bad_encoding": _("{file}: the file is neither UTF-8 nor GB18030/GBK text; save it as CSV (UTF-8 or GB18030)."),
    "csv_unreadable": _("{file}: the CSV file could not be read: {detail}"),
    "xlsx_unreadable": _("{file}: not a readable Excel workbook ({detail})."),
    "parquet_unreadable": _("{file}: not a readable Parquet file: {detail}"),
    "sheet_empty": _("{file}: the first sheet is empty."),
    "sheet_too_large": _(
        "{file}: the sheet is too large ({size_mb} MB of XML uncompressed; the limit is {limit_mb} MB)."
    ),
    "too_many_rows": _("{file}: more than {limit} rows (the limit); split the file."),
    "too_many_columns": _("{file}: {count} columns (the limit is {limit})."),
    "header_mismatch": _("The {kind} file's header row does not match the data contract."),
}

#: Codes whose text depends on a count (ngettext, in :func:`_plural`).
_PLURALS = frozenset({"problems", "crm_refused", "formulas_without_values"})

#: Words inside params that are themselves translated (what a reference names, units).
_WORDS: dict[str, Promise] = {
    "customer": _("customer"),
    "customer (group company)": _("customer (group company)"),
    "customer (not a CRM account: import customers first)": _("customer (not a CRM account: import customers first)"),
    "feeder": _("feeder"),
    "staff member": _("staff member"),
    "customer id": _("customer id"),
    "username": _("username"),
    "yuan": _("yuan"),
    "green power": _("green power"),
    "green certificates": _("green certificates"),
}


def _plural(code: str, count: int) -> str:
    if code == "problems":
        return ngettext(
            "{file}: {count} problem found; nothing was imported.",
            "{file}: {count} problems found; nothing was imported.",
            count,
        )
    if code == "crm_refused":
        return ngettext(
            "{count} value refused by the CRM database; nothing was imported.",
            "{count} values refused by the CRM database; nothing was imported.",
            count,
        )
    return ngettext(
        "{file}: {count} formula cell without a saved value; save the sheet as values.",
        "{file}: {count} formula cells without a saved value; save the sheet as values.",
        count,
    )


def message(code: str, params: Mapping[str, Any] | None = None, fallback: str = "") -> str:
    """The problem ``code`` with ``params`` in the active language."""
    params = dict(params or {})
    for key in ("what", "unit"):
        if isinstance(params.get(key), str) and params[key] in _WORDS:
            params[key] = str(_WORDS[params[key]])
    if code in _PLURALS:
        template = _plural(code, int(params.get("count") or 0))
    elif code in MESSAGES:
        template = str(MESSAGES[code])
    else:
        return fallback or render(code, params)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return fallback or render(code, params)


def column_label(column: str | None, header: str | None) -> str:
    """The column as the file's header names it, the canonical key beside it: ``合同容量 (contract_capacity_kva)``."""
    if not column:
        return header or ""
    if header and header != column:
        return f"{header} ({column})"
    return column


def contract_label(kind: str, column: str) -> str:
    """A contract column by its (first) Chinese header and its key: ``立户日期 (connected_on)``."""
    try:
        aliases = CONTRACT[kind].column(column).aliases
    except KeyError:
        return column
    return f"{aliases[0]} ({column})" if aliases else column


def problem_rows(errors: Iterable[RowError | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Problems as the page and the CLI show them: row, column label, value, reason (translated)."""
    out = []
    for error in errors:
        e = error.as_dict() if isinstance(error, RowError) else dict(error)
        code = e.get("code") or ""
        reason = message(code, e.get("params"), e.get("reason") or "") if code else (e.get("reason") or "")
        out.append(
            {
                "row": e.get("row") or None,
                "column": column_label(e.get("column"), e.get("header")),
                "value": e.get("value"),
                "reason": reason,
                "code": code,
                "params": e.get("params") or {},
            }
        )
    return out


def refusal_message(exc: Any) -> str:
    """The headline of a refused import (an :class:`~powerkam.imports.services.ImportRefused`)."""
    code = getattr(exc, "code", "")
    return message(code, getattr(exc, "params", {}), exc.message) if code else exc.message


def report_warnings(report: Any) -> list[str]:
    """What a successful import should make the user look at, beyond the report's own warnings."""
    out = []
    if report.absent_columns:
        separator = "、" if (get_language() or "").startswith("zh") else ", "
        columns = separator.join(contract_label(report.kind, c) for c in report.absent_columns)
        if getattr(report, "replace_missing", False):
            text = gettext(
                "The file has none of these optional columns; as asked (replace missing), their values were cleared: "
                "{columns}"
            )
        else:
            text = gettext(
                "The file has none of these optional columns; their values in the existing data stay unchanged: {columns}"
            )
        out.append(text.format(columns=columns))
    if report.formula_values:
        out.append(
            ngettext(
                "{count} cell held a formula: its value saved in the workbook was used.",
                "{count} cells held formulas: their values saved in the workbook were used.",
                report.formula_values,
            ).format(count=report.formula_values)
        )
    return out


def line(problem: Mapping[str, Any]) -> str:
    """One problem as a line of text (CLI)."""
    if problem.get("row") is None:
        return gettext("column {column}: {reason}").format(**problem) if problem.get("column") else problem["reason"]
    value = problem.get("value")
    template = (
        gettext("row {row}, column {column} '{value}': {reason}")
        if value not in (None, "")
        else gettext("row {row}, column {column}: {reason}")
    )
    return template.format(**problem)


def english_codes() -> set[str]:
    return set(ENGLISH)


def translated_codes() -> set[str]:
    return set(MESSAGES) | set(_PLURALS)
