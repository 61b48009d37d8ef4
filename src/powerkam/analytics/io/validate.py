"""Validate a raw extract against the data contract in bulk SQL (DuckDB), not row by row.

Every problem in every row is reported at once (row, column, value, reason). Only a file
without a single problem produces a typed table, named ``typed``, ready to land.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from powerkam.analytics.io.contract import Column, KindSpec
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
    table: str = "typed"

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _parse_expr(col: Column, raw: str) -> str:
    """SQL that turns the text value into the column's type, NULL when it does not parse."""
    number = f"replace({raw}, ',', '')"
    if col.type == "text":
        return raw
    if col.type == "decimal":
        parsed = f"TRY_CAST({number} AS DOUBLE)"
        return f"CASE WHEN isfinite({parsed}) THEN {parsed} END"
    if col.type == "money":
        return f"COALESCE(TRY_CAST({number} AS DECIMAL(18,2)), TRY_CAST(TRY_CAST({number} AS DOUBLE) AS DECIMAL(18,2)))"
    if col.type == "integer":
        return f"COALESCE(TRY_CAST({number} AS BIGINT), CASE WHEN regexp_full_match({number}, '\\d+\\.0+') THEN TRY_CAST(TRY_CAST({number} AS DOUBLE) AS BIGINT) END)"
    if col.type == "date":
        cleaned = f"regexp_replace({raw}, '[ T]00:00(:00(\\.0+)?)?$', '')"
        return (
            f"CASE WHEN regexp_full_match({cleaned}, '\\d{{4}}[-/]\\d{{1,2}}[-/]\\d{{1,2}}') "
            f"THEN CAST(TRY_STRPTIME(replace({cleaned}, '/', '-'), '%Y-%m-%d') AS DATE) END"
        )
    if col.type == "period":
        return f"CASE WHEN regexp_full_match({raw}, '\\d{{4}}-(0[1-9]|1[0-2])') THEN {raw} END"
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


def _type_reason(col: Column) -> str:
    return {
        "decimal": "not a number",
        "money": "not an amount of money",
        "integer": "not a whole number",
        "date": "not a valid date (expected YYYY-MM-DD)",
        "period": "not a valid billing period (expected YYYY-MM)",
        "timestamp": "not a valid timestamp (expected ISO 8601, e.g. 2026-10-01T08:15)",
        "bool": "not true/false (true/false, 是/否, 1/0)",
        "enum": "unknown value (expected one of: "
        + ", ".join(f"{k} {v[0]}" if v else k for k, v in list(col.choices.items())[:12])
        + (" …" if len(col.choices) > 12 else "")
        + ")",
    }.get(col.type, "invalid value")


def validate(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    spec: KindSpec,
    references: Mapping[str, Reference] | None = None,
    *,
    max_errors: int = MAX_REPORTED_ERRORS,
) -> Validated:
    references = references or {}
    present = [c for c in spec.columns if c.name in raw.columns]
    result = Validated(
        kind=spec.kind, rows=raw.rows, ignored_columns=list(raw.ignored_columns), columns=[c.name for c in present]
    )

    parsed_cols = ", ".join(
        f"{_quote(c.name)} AS {_quote('raw_' + c.name)}, {_parse_expr(c, _quote(c.name))} AS {_quote(c.name)}"
        for c in present
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS SELECT __row, {parsed_cols} FROM {raw.table}")

    checks: list[str] = []

    def check(condition: str, column: str, reason_sql: str, value_sql: str | None = None) -> None:
        value = value_sql or f"CAST({_quote('raw_' + column)} AS VARCHAR)"
        checks.append(
            f"SELECT __row, {_sql_str(column)} AS col, {value} AS val, {reason_sql} AS reason FROM checked WHERE {condition}"
        )

    for col in present:
        raw_c, val_c = _quote("raw_" + col.name), _quote(col.name)
        if col.required:
            check(f"{raw_c} IS NULL", col.name, _sql_str("missing value"))
        check(f"{raw_c} IS NOT NULL AND {val_c} IS NULL", col.name, _sql_str(_type_reason(col)))
        if col.bound == "positive":
            check(f"{val_c} <= 0", col.name, _sql_str("must be greater than 0"))
        elif col.bound == "non_negative":
            check(f"{val_c} < 0", col.name, _sql_str("must not be negative"))
        if col.max_length:
            check(f"length({val_c}) > {col.max_length}", col.name, _sql_str(f"longer than {col.max_length} characters"))

    # Duplicate keys inside the file.
    key_cols = [k for k in spec.key if k in raw.columns]
    if spec.unique_key and key_cols:
        partition = ", ".join(f"COALESCE(CAST({_quote(k)} AS VARCHAR), '')" for k in key_cols)
        not_null = " AND ".join(f"{_quote(k)} IS NOT NULL" for k in key_cols if spec.column(k).required)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE dup AS SELECT __row, min(__row) OVER (PARTITION BY {partition}) AS first_row "
            f"FROM checked WHERE {not_null or 'true'}"
        )
        key_label = "+".join(key_cols)
        key_value = " || '/' || ".join(f"COALESCE(CAST({_quote(k)} AS VARCHAR), '')" for k in key_cols)
        checks.append(
            f"SELECT c.__row, {_sql_str(key_label)}, {key_value}, 'duplicate key (first on row ' || d.first_row || ')' "
            f"FROM checked c JOIN dup d USING (__row) WHERE d.__row > d.first_row"
        )

    # References to other data (known customers, feeders, staff …), and to the same file.
    self_refs = SELF_REFERENCES.get(spec.kind, {})
    for column, ref in references.items():
        if column not in raw.columns:
            continue
        rel = f"ref_{column}"
        sources: list[str] = []
        if ref.values is not None:
            values = ref.values if isinstance(ref.values, pa.Array) else pa.array(list(ref.values), pa.string())
            con.register(f"{rel}_arrow", pa.table({"v": values.cast(pa.string())}))
            sources.append(f"SELECT v FROM {rel}_arrow")
        if ref.sql is not None:
            sources.append(ref.sql)
        if column in self_refs:
            sources.append(f"SELECT {_quote(self_refs[column])} FROM checked")
        if not sources:
            continue
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {rel} AS SELECT DISTINCT * FROM ({' UNION ALL '.join(sources)}) t(v)"
        )
        checks.append(
            f"SELECT c.__row, {_sql_str(column)}, CAST(c.{_quote(column)} AS VARCHAR), "
            f"{_sql_str('unknown ' + ref.what)} FROM checked c ANTI JOIN {rel} r ON c.{_quote(column)} = r.v "
            f"WHERE c.{_quote(column)} IS NOT NULL"
        )
    for column, target in self_refs.items():
        if column in raw.columns and column not in references:
            check(
                f"{_quote(column)} IS NOT NULL AND {_quote(column)} NOT IN (SELECT {_quote(target)} FROM checked WHERE {_quote(target)} IS NOT NULL)",
                column,
                _sql_str(f"unknown {target.replace('_', ' ')}"),
            )
        if column in raw.columns:
            check(f"{_quote(column)} = {_quote(target)}", column, _sql_str("refers to itself"))

    checks.extend(_kind_checks(spec, raw))

    con.execute(f"CREATE OR REPLACE TEMP TABLE problems AS {' UNION ALL '.join(checks)}")
    result.error_count = int(con.execute("SELECT count(*) FROM problems").fetchall()[0][0])
    if result.error_count:
        rows = con.execute(f"SELECT * FROM problems ORDER BY 1, 2 LIMIT {int(max_errors)}").fetchall()
        result.errors = [RowError(int(r[0]), str(r[1]), r[2], str(r[3])) for r in rows]
        return result

    _build_typed(con, spec, present, result)
    return result


def _kind_checks(spec: KindSpec, raw: RawTable) -> list[str]:
    out: list[str] = []
    cols = set(raw.columns)
    if spec.kind == "billing":
        parts = [p for p in ("kwh_peak", "kwh_flat", "kwh_valley", "kwh_critical") if p in cols]
        if parts:
            any_part = " OR ".join(f"{p} IS NOT NULL" for p in parts)
            total = " + ".join(f"COALESCE({p}, 0)" for p in parts)
            out.append(
                f"SELECT __row, {_sql_str('+'.join(parts))}, "
                f"'sum ' || round({total}, 3) || ' vs kwh ' || round(kwh, 3), "
                f"'TOU parts do not add up to kwh (tolerance {TOU_TOLERANCE:.1%})' FROM checked "
                f"WHERE kwh IS NOT NULL AND ({any_part}) AND abs(({total}) - kwh) > {TOU_TOLERANCE} * kwh + 1e-9"
            )
    if spec.kind == "outages" and {"start", "end"} <= cols:
        out.append(
            "SELECT __row, 'end', CAST(raw_end AS VARCHAR), 'end is not after start (' || raw_start || ')' "
            'FROM checked WHERE "end" IS NOT NULL AND start IS NOT NULL AND "end" <= start'
        )
    if spec.kind == "loads" and "ts" in cols:
        out.append(
            "SELECT __row, 'ts', CAST(raw_ts AS VARCHAR), 'not on the 15-minute grid' FROM checked "
            "WHERE ts IS NOT NULL AND (minute(ts) % 15 <> 0 OR second(ts) <> 0 OR microsecond(ts) % 1000000 <> 0)"
        )
    if spec.kind == "customers":
        for name, limit in (("latitude", 90), ("longitude", 180)):
            if name in cols:
                out.append(
                    f"SELECT __row, '{name}', CAST(raw_{name} AS VARCHAR), 'out of range ±{limit}' "
                    f"FROM checked WHERE abs({name}) > {limit}"
                )
    if spec.kind == "staff" and "email" in cols:
        out.append(
            "SELECT __row, 'email', CAST(raw_email AS VARCHAR), 'not an e-mail address' FROM checked "
            "WHERE email IS NOT NULL AND NOT regexp_full_match(email, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')"
        )
    return out


def _build_typed(con: duckdb.DuckDBPyConnection, spec: KindSpec, present: list[Column], result: Validated) -> None:
    """Create the ``typed`` table: contract columns in store order (absent optional columns NULL)."""
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
        order = ", ".join(_quote(k) for k in spec.key)
    else:
        present_names = {c.name for c in present}
        select = ["__row"] + [
            _quote(c.name) if c.name in present_names else f"CAST(NULL AS {_SQL_TYPES[c.type]}) AS {_quote(c.name)}"
            for c in spec.columns
        ]
        order = "__row"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {result.table} AS SELECT {', '.join(select)} FROM checked ORDER BY {order}"
    )
