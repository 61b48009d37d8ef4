"""Validate a raw extract against the data contract in bulk SQL (DuckDB), not row by row.

Every problem in every row is reported at once (row, column, value, reason). Only a file
without a single problem produces a typed table, named ``typed``, ready to land.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from powerkam.analytics.io.contract import DATE_MAX_YEARS_AHEAD, DATE_MIN, Column, KindSpec
from powerkam.analytics.io.errors import RowError
from powerkam.analytics.io.readers import RawTable, _quote
from powerkam.analytics.store import SCHEMAS

#: At most this many problems are listed (the count of all of them is always given).
MAX_REPORTED_ERRORS = 10_000
#: TOU parts must add up to kWh within this share (data contract).
TOU_TOLERANCE = 0.005

_TRUE = ("true", "t", "yes", "y", "1", "是", "计划", "planned")
_FALSE = ("false", "f", "no", "n", "0", "否", "非计划", "unplanned")

_SQL_TYPES = {
    "text": "VARCHAR",
    "enum": "VARCHAR",
    "period": "VARCHAR",
    "decimal": "DOUBLE",
    "money": "DECIMAL(18,2)",
    "integer": "BIGINT",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "bool": "BOOLEAN",
}

#: Columns that may name another row of the same file (a group company, a supervisor).
SELF_REFERENCES: dict[str, dict[str, str]] = {
    "customers": {"parent_id": "customer_id"},
    "staff": {"supervisor": "username"},
}


#: Files of up to this many rows are parsed once into a table during validation (see :func:`validate`).
PARSE_ONCE_ROWS = 2_000_000


@dataclass(frozen=True)
class Reference:
    """Known values a column must take: a list, or an SQL relation with one column."""

    what: str
    values: Sequence[str] | pa.Array | None = None
    sql: str | None = None


@dataclass
class Validated:
    kind: str
    rows: int
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    #: optional contract columns the file does not have (their values are not in this file)
    absent_columns: list[str] = field(default_factory=list)
    #: cells whose value came from a formula's saved result (XLSX)
    formula_values: int = 0
    table: str = "typed"

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the temporary view or table *name* (a validation before on this connection may have made either)."""
    for kind in ("VIEW", "TABLE"):
        with contextlib.suppress(duckdb.CatalogException):
            con.execute(f"DROP {kind} IF EXISTS {_quote(name)}")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _parse_expr(col: Column, raw: str, source_type: str = "VARCHAR") -> str:
    """SQL that turns the raw value into the column's type, NULL when it does not parse.

    Text (CSV, XLSX) is parsed with the contract's spellings; a typed Parquet column is cast.
    """
    if source_type != "VARCHAR":
        if col.type in {"text", "enum", "period"}:
            return _parse_expr(col, f"CAST({raw} AS VARCHAR)")
        if col.type == "decimal":
            return f"TRY_CAST({raw} AS DOUBLE)"
        if col.type == "timestamp" and source_type.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"timezone('Asia/Shanghai', {raw})"
        return f"TRY_CAST({raw} AS {_SQL_TYPES[col.type]})"
    # Each parse tries the plain cast first; the slower spellings (thousands separators,
    # YYYY/MM/DD …) are only tried on the values the plain cast rejects.
    number = f"replace({raw}, ',', '')"
    if col.type == "text":
        return raw
    if col.type == "decimal":
        return f"COALESCE(TRY_CAST({raw} AS DOUBLE), TRY_CAST({number} AS DOUBLE))"
    if col.type == "money":
        return (
            f"COALESCE(TRY_CAST({raw} AS DECIMAL(18,2)), TRY_CAST({number} AS DECIMAL(18,2)), "
            f"TRY_CAST(TRY_CAST({number} AS DOUBLE) AS DECIMAL(18,2)))"
        )
    if col.type == "integer":
        return f"COALESCE(TRY_CAST({number} AS BIGINT), CASE WHEN regexp_full_match({number}, '\\d+\\.0+') THEN TRY_CAST(TRY_CAST({number} AS DOUBLE) AS BIGINT) END)"
    if col.type == "date":
        slow = f"regexp_replace({raw}, '[ T]00:00(:00(\\.0+)?)?$', '')"
        return (
            f"COALESCE(CASE WHEN length({raw}) = 10 THEN TRY_CAST({raw} AS DATE) END, "
            f"CASE WHEN regexp_full_match({slow}, '\\d{{4}}[-/]\\d{{1,2}}[-/]\\d{{1,2}}') "
            f"THEN CAST(TRY_STRPTIME(replace({slow}, '/', '-'), '%Y-%m-%d') AS DATE) END)"
        )
    if col.type == "period":
        return (
            f"CASE WHEN length({raw}) = 7 AND substr({raw}, 5, 1) = '-' "
            f"AND TRY_STRPTIME({raw}, '%Y-%m') IS NOT NULL THEN {raw} END"
        )
    if col.type == "timestamp":
        return (
            f"CASE WHEN regexp_matches({raw}, '(Z|[+-]\\d{{2}}:?\\d{{2}})$') "
            f"THEN timezone('Asia/Shanghai', TRY_CAST({raw} AS TIMESTAMPTZ)) "
            f"ELSE TRY_CAST({raw} AS TIMESTAMP) END"
        )
    if col.type == "bool":
        trues = ", ".join(_sql_str(v) for v in _TRUE)
        falses = ", ".join(_sql_str(v) for v in _FALSE)
        return f"CASE WHEN lower({raw}) IN ({trues}) THEN true WHEN lower({raw}) IN ({falses}) THEN false END"
    if col.type == "enum":
        whens = []
        for canonical, spellings in col.choices.items():
            options = {canonical.lower(), *(s.lower() for s in spellings)}
            whens.append(
                f"WHEN lower({raw}) IN ({', '.join(_sql_str(o) for o in sorted(options))}) THEN {_sql_str(canonical)}"
            )
        return f"CASE {' '.join(whens)} END"
    raise ValueError(col.type)


_TYPE_CODES = {
    "decimal": "not_number",
    "money": "not_money",
    "integer": "not_integer",
    "date": "not_date",
    "period": "not_period",
    "timestamp": "not_timestamp",
    "bool": "not_bool",
    "enum": "not_enum",
}


def _type_problem(col: Column) -> tuple[str, dict[str, Any]]:
    """The code (and params) of a value that does not parse as the column's type."""
    code = _TYPE_CODES.get(col.type, "invalid")
    if code != "not_enum":
        return code, {}
    choices = ", ".join(f"{k} {v[0]}" if v else k for k, v in list(col.choices.items())[:12])
    return code, {"choices": choices + (" …" if len(col.choices) > 12 else "")}


def date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The dates a file may hold: DATE_MIN … today + DATE_MAX_YEARS_AHEAD years (data contract)."""
    today = today or dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return dt.date.fromisoformat(DATE_MIN), today.replace(
        year=today.year + DATE_MAX_YEARS_AHEAD, day=min(today.day, 28)
    )


def _number(value: float) -> str:
    return f"{value:,.15g}" if abs(value) < 1e15 else f"{value:g}"


@dataclass(frozen=True)
class _Check:
    """One rule: rows where ``condition`` holds are bad in ``column`` (problem ``code``).

    ``extra_sql`` computes one row-dependent parameter, named ``extra_name`` (the first row of a
    duplicate key, an outage's start …).
    """

    condition: str
    column: str
    code: str
    value_sql: str
    params: dict[str, Any] = field(default_factory=dict)
    extra_sql: str | None = None
    extra_name: str | None = None


@dataclass(frozen=True)
class _SetCheck:
    """A rule over the whole file: SQL counting the bad rows, and SQL listing them from
    ``checked`` as (__row, value, extra)."""

    count_sql: str
    detail_sql: str
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    extra_name: str | None = None


def validate(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    spec: KindSpec,
    references: Mapping[str, Reference] | None = None,
    *,
    max_errors: int = MAX_REPORTED_ERRORS,
    today: dt.date | None = None,
    context: Mapping[str, Any] | None = None,
) -> Validated:
    """Check every row; on success a ``typed`` view holds the rows in the store's types.

    A clean file costs one scan for the per-row rules plus one aggregate per set rule (duplicate
    keys, references); a file of up to :data:`PARSE_ONCE_ROWS` rows is parsed once into a table
    that those and the ``typed`` rows then read. Only a file with problems pays for the detailed listing. ``context`` carries
    what a kind's rules need beyond the file (``generation``: ``customers_voltage_sql``, ``spot_market``).
    """
    references = references or {}
    present = [c for c in spec.columns if c.name in raw.columns]
    result = Validated(
        kind=spec.kind,
        rows=raw.rows,
        ignored_columns=list(raw.ignored_columns),
        columns=[c.name for c in present],
        absent_columns=[c.name for c in spec.columns if c.name not in raw.columns and not c.required],
        formula_values=raw.formula_values,
    )
    parsed_cols = ", ".join(
        f"{_quote(c.name)} AS {_quote('raw_' + c.name)}, "
        f"{_parse_expr(c, _quote(c.name), raw.types.get(c.name, 'VARCHAR'))} AS {_quote(c.name)}"
        for c in present
    )
    # Parsed once when the file is not huge: the rules, the duplicate count and the typed rows then read
    # the parsed values (a huge file is parsed as it is read instead, so memory stays flat).
    kind = "TABLE" if raw.rows <= PARSE_ONCE_ROWS else "VIEW"
    _drop_relation(con, "checked")
    con.execute(f"CREATE TEMP {kind} checked AS SELECT __row, {parsed_cols} FROM {raw.table}")

    row_checks = _row_checks(spec, raw, present, today)
    set_checks = _set_checks(con, spec, raw, references) + _renewable_set_checks(spec, raw, context or {})

    any_bad = " OR ".join(f"({c.condition})" for c in row_checks) or "false"
    bad = int(con.execute(f"SELECT count(*) FROM checked WHERE {any_bad}").fetchall()[0][0])
    for check in set_checks:
        bad += int(con.execute(check.count_sql).fetchall()[0][0])
    if bad == 0:
        _build_typed(con, spec, present, result)
        return result

    # The slow path, for a file with problems: list every one of them.
    con.execute("CREATE OR REPLACE TEMP TABLE checked_rows AS SELECT * FROM checked")
    listing = [
        f"SELECT __row, {_sql_str(c.column)} AS col, {i} AS ci, CAST({c.value_sql} AS VARCHAR) AS val, "
        f"CAST({c.extra_sql or 'NULL'} AS VARCHAR) AS extra FROM checked_rows WHERE {c.condition}"
        for i, c in enumerate(row_checks)
    ] + [
        f"SELECT __row, {_sql_str(c.column)} AS col, {len(row_checks) + i} AS ci, CAST(val AS VARCHAR) AS val, "
        f"CAST(extra AS VARCHAR) AS extra FROM ({c.detail_sql.replace('FROM checked ', 'FROM checked_rows ')}) "
        "d(__row, val, extra)"
        for i, c in enumerate(set_checks)
    ]
    con.execute(f"CREATE OR REPLACE TEMP TABLE problems AS {' UNION ALL '.join(listing)}")
    result.error_count = int(con.execute("SELECT count(*) FROM problems").fetchall()[0][0])
    if result.error_count == 0:  # a hash collision in the fast duplicate count, nothing more
        _build_typed(con, spec, present, result)
        return result
    rows = con.execute(
        f"SELECT __row, col, ci, val, extra FROM problems ORDER BY __row, col, ci LIMIT {int(max_errors)}"
    ).fetchall()
    checks: list[_Check | _SetCheck] = [*row_checks, *set_checks]
    for row, column, ci, value, extra in rows:
        rule = checks[int(ci)]
        params = dict(rule.params)
        if rule.extra_name:
            params[rule.extra_name] = extra
        result.errors.append(RowError.of(int(row), str(column), value, rule.code, _header(raw, str(column)), **params))
    return result


def _header(raw: RawTable, column: str) -> str | None:
    """The column as the file's header names it (None where that is the canonical name)."""
    names = column.split("+")
    headers = [raw.headers.get(n, n) for n in names]
    return None if headers == names else "+".join(headers)


def _raw_text(column: str) -> str:
    return f"CAST({_quote('raw_' + column)} AS VARCHAR)"


def _row_checks(spec: KindSpec, raw: RawTable, present: list[Column], today: dt.date | None) -> list[_Check]:
    checks: list[_Check] = []
    first_day, last_day = date_window(today)
    for col in present:
        raw_c, val_c, text = _quote("raw_" + col.name), _quote(col.name), _raw_text(col.name)
        if col.required:
            checks.append(_Check(f"{raw_c} IS NULL", col.name, "missing_value", text))
        if col.type != "text":
            code, params = _type_problem(col)
            checks.append(_Check(f"{raw_c} IS NOT NULL AND {val_c} IS NULL", col.name, code, text, params))
        finite = "true"
        if col.type == "decimal":
            checks.append(_Check(f"NOT isfinite({val_c})", col.name, "not_finite", text))
            finite = f"isfinite({val_c})"
        if col.bound == "positive":
            checks.append(_Check(f"{finite} AND {val_c} <= 0", col.name, "must_be_positive", text))
        elif col.bound == "non_negative":
            checks.append(_Check(f"{finite} AND {val_c} < 0", col.name, "must_not_be_negative", text))
        if col.range is not None:
            low, high = col.range
            # Below a bound of 0 the bound's own message says it; the range adds the upper end.
            outside = f"{val_c} > {high!r}" if col.bound and low <= 0 else f"({val_c} < {low!r} OR {val_c} > {high!r})"
            checks.append(
                _Check(
                    f"{finite} AND {outside}",
                    col.name,
                    "out_of_range",
                    text,
                    {"min": _number(low), "max": _number(high), "unit": col.unit},
                )
            )
        if col.allowed:
            allowed = ", ".join(repr(float(v)) for v in col.allowed)
            checks.append(
                _Check(
                    f"{finite} AND {val_c} > 0 AND round({val_c}, 3) NOT IN ({allowed})",
                    col.name,
                    "not_nominal_voltage",
                    text,
                    {"allowed": ", ".join(f"{v:g}" for v in col.allowed)},
                )
            )
        window = {"min": first_day.isoformat(), "max": last_day.isoformat()}
        if col.type == "date":
            checks.append(
                _Check(
                    f"({val_c} < DATE '{first_day}' OR {val_c} > DATE '{last_day}')",
                    col.name,
                    "date_out_of_window",
                    text,
                    window,
                )
            )
        elif col.type == "timestamp":
            end = last_day + dt.timedelta(days=1)
            checks.append(
                _Check(
                    f"({val_c} < TIMESTAMP '{first_day}' OR {val_c} >= TIMESTAMP '{end}')",
                    col.name,
                    "date_out_of_window",
                    text,
                    window,
                )
            )
        elif col.type == "period":
            checks.append(
                _Check(
                    f"({val_c} < '{first_day:%Y-%m}' OR {val_c} > '{last_day:%Y-%m}')",
                    col.name,
                    "date_out_of_window",
                    text,
                    {"min": f"{first_day:%Y-%m}", "max": f"{last_day:%Y-%m}"},
                )
            )
        if col.max_length:
            checks.append(
                _Check(f"length({val_c}) > {col.max_length}", col.name, "too_long", text, {"max": col.max_length})
            )
    for target_col, target in SELF_REFERENCES.get(spec.kind, {}).items():
        if target_col in raw.columns:
            checks.append(
                _Check(
                    f"{_quote(target_col)} = {_quote(target)}", target_col, "refers_to_itself", _raw_text(target_col)
                )
            )
    checks.extend(_kind_checks(spec, raw))
    return checks


def _set_checks(
    con: duckdb.DuckDBPyConnection, spec: KindSpec, raw: RawTable, references: Mapping[str, Reference]
) -> list[_SetCheck]:
    """Rules over the whole file."""
    out: list[_SetCheck] = []
    key_cols = [k for k in spec.key if k in raw.columns]
    if spec.unique_key and key_cols:
        keys = ", ".join(_quote(k) for k in key_cols)
        not_null = " AND ".join(f"{_quote(k)} IS NOT NULL" for k in key_cols if spec.column(k).required) or "true"
        key_label = "+".join(key_cols)
        key_value = " || '/' || ".join(f"COALESCE(CAST({_quote(k)} AS VARCHAR), '')" for k in key_cols)
        out.append(
            _SetCheck(
                # Counting distinct 64-bit hashes is much cheaper than grouping the text keys; a
                # (vanishingly rare) collision only sends the file down the exact, slow path.
                f"SELECT count(*) - count(DISTINCT hash({keys})) FROM checked WHERE {not_null}",
                f"SELECT __row, {key_value}, first_row "
                f"FROM (SELECT __row, {keys}, min(__row) OVER (PARTITION BY {keys}) AS first_row "
                f"FROM checked WHERE {not_null}) WHERE __row > first_row",
                key_label,
                "duplicate_key",
                extra_name="first_row",
            )
        )
    self_refs = SELF_REFERENCES.get(spec.kind, {})
    for column in sorted(set(references) | set(self_refs)):
        if column not in raw.columns:
            continue
        ref = references.get(column)
        rel = f"ref_{column}"
        sources: list[str] = []
        if ref is not None and ref.values is not None:
            values = ref.values if isinstance(ref.values, pa.Array) else pa.array(list(ref.values), pa.string())
            con.register(f"{rel}_arrow", pa.table({"v": values.cast(pa.string())}))
            sources.append(f"SELECT v FROM {rel}_arrow")
        if ref is not None and ref.sql is not None:
            sources.append(ref.sql)
        if column in self_refs:
            sources.append(f"SELECT {_quote(self_refs[column])} FROM checked")
        what = ref.what if ref is not None else self_refs[column].replace("_", " ")
        union = " UNION ALL ".join(sources) if sources else "SELECT CAST(NULL AS VARCHAR) WHERE false"
        _drop_relation(con, rel)
        if len(sources) == 1 and ref is not None and ref.sql is not None:
            # One relation (the store's customers): the anti-join reads it as it is, nothing copied.
            con.execute(f"CREATE TEMP VIEW {rel} AS SELECT * FROM ({union}) t(v)")
        else:
            con.execute(f"CREATE TEMP TABLE {rel} AS SELECT DISTINCT * FROM ({union}) t(v)")
        col = _quote(column)
        anti = f"FROM checked c ANTI JOIN {rel} r ON c.{col} = r.v WHERE c.{col} IS NOT NULL"
        out.append(
            _SetCheck(
                f"SELECT count(*) {anti}",
                f"SELECT c.__row, CAST(c.{col} AS VARCHAR), NULL {anti}",
                column,
                "unknown_reference",
                {"what": what},
            )
        )
    return out


def _kind_checks(spec: KindSpec, raw: RawTable) -> list[_Check]:
    out: list[_Check] = []
    cols = set(raw.columns)
    if spec.kind == "billing":
        parts = [p for p in ("kwh_peak", "kwh_flat", "kwh_valley", "kwh_critical") if p in cols]
        if parts:
            any_part = " OR ".join(f"{p} IS NOT NULL" for p in parts)
            total = " + ".join(f"COALESCE({p}, 0)" for p in parts)
            out.append(
                _Check(
                    f"kwh IS NOT NULL AND ({any_part}) AND abs(({total}) - kwh) > {TOU_TOLERANCE} * kwh + 1e-9",
                    "+".join(parts),
                    "tou_mismatch",
                    f"'sum ' || round({total}, 3) || ' vs kwh ' || round(kwh, 3)",
                    {"tolerance": f"{TOU_TOLERANCE:.1%}"},
                )
            )
    if spec.kind == "outages" and {"start", "end"} <= cols:
        out.append(
            _Check(
                '"end" IS NOT NULL AND start IS NOT NULL AND "end" <= start',
                "end",
                "end_not_after_start",
                _raw_text("end"),
                extra_sql="CAST(raw_start AS VARCHAR)",
                extra_name="start",
            )
        )
    if spec.kind == "contracts" and {"start_on", "end_on"} <= cols:
        out.append(
            _Check(
                "end_on IS NOT NULL AND start_on IS NOT NULL AND end_on <= start_on",
                "end_on",
                "end_not_after_start",
                _raw_text("end_on"),
                extra_sql="CAST(raw_start_on AS VARCHAR)",
                extra_name="start",
            )
        )
    if spec.kind == "loads" and "ts" in cols:
        out.append(
            _Check(
                "ts IS NOT NULL AND (minute(ts) % 15 <> 0 OR second(ts) <> 0 OR microsecond(ts) % 1000000 <> 0)",
                "ts",
                "not_on_grid",
                _raw_text("ts"),
            )
        )
    out.extend(_renewable_checks(spec, cols))
    if spec.kind == "staff" and "email" in cols:
        out.append(
            _Check(
                "email IS NOT NULL AND NOT regexp_full_match(email, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')",
                "email",
                "not_email",
                _raw_text("email"),
            )
        )
    return out


# --- renewable-energy key accounts (docs/renewables.md) -------------------------------------------


def _renewable_checks(spec: KindSpec, cols: set[str]) -> list[_Check]:
    """Per-row rules of ``generation`` (the parts add up) and ``green`` (each type's figures are given)."""
    from powerkam.analytics.renewables import GENERATION_TOLERANCE

    out: list[_Check] = []
    if spec.kind == "generation" and {"generated_kwh", "self_consumed_kwh", "exported_kwh"} <= cols:
        out.append(
            _Check(
                "generated_kwh IS NOT NULL AND self_consumed_kwh IS NOT NULL AND exported_kwh IS NOT NULL "
                "AND isfinite(generated_kwh) AND isfinite(self_consumed_kwh) AND isfinite(exported_kwh) "
                f"AND abs(self_consumed_kwh + exported_kwh - generated_kwh) > {GENERATION_TOLERANCE} * generated_kwh + 1.0",
                "self_consumed_kwh+exported_kwh",
                "generation_mismatch",
                "'sum ' || round(self_consumed_kwh + exported_kwh, 3) || ' vs generated ' || round(generated_kwh, 3)",
                {"tolerance": f"{GENERATION_TOLERANCE:.0%}"},
            )
        )
    if spec.kind == "generation" and {"mode", "exported_kwh"} <= cols:
        out.append(
            _Check(
                "mode = 'self_use' AND exported_kwh > 0",
                "exported_kwh",
                "export_in_self_use",
                _raw_text("exported_kwh"),
            )
        )
    if spec.kind == "green" and "type" in cols:
        needs = (
            ("power", "green power", ("kwh",)),
            ("certificate", "green certificates", ("certificates", "certificate_price_yuan")),
        )
        for kind, what, needed in needs:
            for column in needed:
                present = f"raw_{column}" if column in cols else "NULL"
                out.append(
                    _Check(
                        f"type = '{kind}' AND {present} IS NULL",
                        column,
                        "missing_for_type",
                        _raw_text("type"),
                        {"what": what},
                    )
                )
    return out


def _renewable_set_checks(spec: KindSpec, raw: RawTable, context: Mapping[str, Any]) -> list[_SetCheck]:
    """Distributed PV's connection mode against the account's voltage and capacity (国能发新能规〔2025〕7号)."""
    from powerkam.analytics.renewables import mode_sql

    voltages = context.get("customers_voltage_sql")
    if spec.kind != "generation" or not voltages or not {"mode", "technology", "installed_kw"} <= set(raw.columns):
        return []
    allowed, over, text = mode_sql(
        "v.voltage_kv", "c.installed_kw", "c.mode", spot_market=bool(context.get("spot_market"))
    )
    joined = (
        f"FROM checked c JOIN ({voltages}) v(customer_id, voltage_kv) ON v.customer_id = c.customer_id "
        "WHERE c.technology = 'pv' AND c.mode IS NOT NULL AND c.installed_kw IS NOT NULL AND isfinite(c.installed_kw)"
    )
    label = "CAST(v.voltage_kv AS VARCHAR) || ' kV / ' || CAST(round(c.installed_kw, 1) AS VARCHAR) || ' kW'"
    return [
        _SetCheck(
            f"SELECT count(*) {joined} AND {over}",
            f"SELECT c.__row, CAST(c.raw_installed_kw AS VARCHAR), {label} {joined} AND {over}",
            "installed_kw",
            "pv_over_limit",
            extra_name="where",
        ),
        _SetCheck(
            f"SELECT count(*) {joined} AND NOT {over} AND NOT {allowed}",
            f"SELECT c.__row, CAST(c.raw_mode AS VARCHAR), {label} || ' → ' || {text} "
            f"{joined} AND NOT {over} AND NOT {allowed}",
            "mode",
            "mode_not_allowed",
            extra_name="where",
        ),
    ]


def _build_typed(con: duckdb.DuckDBPyConnection, spec: KindSpec, present: list[Column], result: Validated) -> None:
    """Create the ``typed`` view: contract columns in store order (absent optional columns NULL), then
    the contract columns the store does not keep (they land only in the CRM)."""
    select: list[str] = []
    if spec.kind in SCHEMAS:
        schema = SCHEMAS[spec.kind]
        present_names = {c.name for c in present}
        for f in schema:
            if f.name == "seq":
                partition = ", ".join(_quote(k) for k in spec.key)
                select.append(f"CAST(row_number() OVER (PARTITION BY {partition} ORDER BY __row) AS INTEGER) AS seq")
            elif f.name == "feeders":
                select.append(
                    "NULLIF(array_to_string(list_filter(list_transform(string_split(replace(feeders, '；', ';'), ';'), lambda x: trim(x)), lambda x: x <> ''), ';'), '') AS feeders"
                    if "feeders" in present_names
                    else "CAST(NULL AS VARCHAR) AS feeders"
                )
            elif f.name in present_names:
                select.append(f"CAST({_quote(f.name)} AS {_SQL_TYPES[spec.column(f.name).type]}) AS {_quote(f.name)}")
            else:
                select.append(f"CAST(NULL AS {_SQL_TYPES[spec.column(f.name).type]}) AS {_quote(f.name)}")
        # A contract column the store does not keep (customers.area_class) follows, for the CRM.
        for c in spec.columns:
            if c.name not in schema.names:
                select.append(
                    _quote(c.name)
                    if c.name in present_names
                    else f"CAST(NULL AS {_SQL_TYPES[c.type]}) AS {_quote(c.name)}"
                )
        order = ""  # the writer sorts by key as it merges; validation does not pay for it
    else:
        present_names = {c.name for c in present}
        select = ["__row"] + [
            _quote(c.name) if c.name in present_names else f"CAST(NULL AS {_SQL_TYPES[c.type]}) AS {_quote(c.name)}"
            for c in spec.columns
        ]
        order = " ORDER BY __row"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {result.table} AS SELECT {', '.join(select)} FROM checked{order}")
