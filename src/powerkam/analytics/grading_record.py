"""What a grading run changes in the CRM, computed in sets (one DuckDB query over Arrow tables).

The CRM side of a run (``powerkam.grading.services``) used to walk every account in Python: the
reasons of each row, its change since the baseline, the account's new standing. :func:`plan` does
the same over whole tables and returns them ready for a bulk insert, so recording a run costs a
few set operations instead of a Python loop per key account (issue 21, docs/grading.md).

Inputs (Arrow tables):

- ``result``: the engine's result (:data:`powerkam.analytics.grading.RESULT_COLUMNS`);
- ``crm``: the CRM's accounts (``id``, ``customer_id``, ``key_status``, ``key_since``, ``grade``,
  ``credit_score``) as they stand before the run;
- ``before``: the baseline (``account_id``, ``was_key``, ``was_grade``);
- ``grace``: accounts in their new-project grace year (``account_id``, ``reason``: the reason as JSON).

Key accounts the CRM does not hold yet are planned before they exist: they are in ``crm`` with
provisional negative ids (:func:`provisional`) and a new account's default standing. The caller then
creates them once, already with the standing the plan gives them (:func:`new_standing`), and puts
their real ids in the plan (:func:`with_real_ids`) — one insert and one ``+`` history row per new
account instead of an insert, an update and two history rows (issue 21).

Outputs (:class:`RecordPlan`): one grade row per recorded account (the engine's row of every CRM
account, then the key accounts the store no longer knows), the accounts whose standing changes
and the run's counts. The rules are exactly those of the per-account code they replace:

- a CRM account in the result is recorded with the engine's figures; an account in its grace year
  that the rules would drop stays a key account with its grade, the grace reason first;
- an account missing from the result that was a key account (in the baseline or in the CRM)
  is recorded as gone (``not_in_customer_base``), unless it is in its grace year (kept, not applied);
- the change compares the standing after the run with the baseline: joined, left, none (not a
  key account either way), same, up or down (A > B > C);
- an account's new standing: a key account gets key status (``key_since`` kept, else ``as_of``),
  the grade; any other loses it (a key account becomes former); the credit score is the engine's
  (the CRM's for a gone account). The value rank, a percentile that moves for every key account
  every month, is the run's figure: it stays in the grade rows, and an account is updated only when
  its key status, grade or credit score changes (issue 21).

The reasons' parameters are formatted exactly as :func:`powerkam.analytics.grading_reasons.explain`
formats them (a test compares the two on generated rows).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from powerkam.analytics.grading_reasons import IMPORTANT_GRADE_NAMES, _number, _pct, _voltage
from powerkam.analytics.rules import GradingRules

#: Columns of :attr:`RecordPlan.grades`, in order.
GRADE_COLUMNS = (
    "account_id",
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
    "change",
    "previous_grade",
)

#: Columns of :attr:`RecordPlan.updates`: an account's standing after the run.
UPDATE_COLUMNS = ("id", "key_status", "key_since", "grade", "credit_score")

CRM_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("customer_id", pa.string()),
        ("key_status", pa.string()),
        ("key_since", pa.date32()),
        ("grade", pa.string()),
        ("credit_score", pa.int64()),
    ]
)
BEFORE_SCHEMA = pa.schema([("account_id", pa.int64()), ("was_key", pa.bool_()), ("was_grade", pa.string())])
GRACE_SCHEMA = pa.schema([("account_id", pa.int64()), ("reason", pa.string())])

#: Reason recorded for a key account that no longer appears in the store's customers.
NOT_IN_CUSTOMER_BASE = "not_in_customer_base"

COUNTS = ("joined", "left", "went_up", "went_down", "grade_a", "grade_b", "grade_c")


@dataclass(frozen=True)
class RecordPlan:
    grades: pa.Table
    updates: pa.Table
    counts: dict[str, int]
    #: Grades that are neither A, B nor C where a change must compare them (the per-account code
    #: refused such a run with ``ValueError``; the caller does the same).
    invalid_grades: list[str]


def _number_sql(column: str) -> str:
    """SQL for :func:`grading_reasons._number` of a DOUBLE column (whole numbers without decimals)."""
    return (
        f"CASE WHEN {column} IS NULL THEN '—' "
        f"WHEN {column} = trunc({column}) THEN format('{{:,}}', CAST({column} AS HUGEINT)) "
        f"ELSE format('{{:,.2f}}', {column}) END"
    )


def _money_sql(column: str) -> str:
    """SQL for ``_number(_money(x))`` of a DECIMAL(…, 2) column, exact (no binary floating point)."""
    cents = f"CAST(abs({column}) * 100 AS HUGEINT)"
    return (
        f"CASE WHEN {column} IS NULL THEN '—' ELSE "
        f"(CASE WHEN {column} < 0 THEN '-' ELSE '' END) || format('{{:,}}', {cents} // 100) || '.' "
        f"|| lpad(CAST({cents} % 100 AS VARCHAR), 2, '0') END"
    )


def _pct_sql(column: str) -> str:
    """SQL for :func:`grading_reasons._pct`: a rank as a percentage, trailing zeros dropped."""
    return (
        f"CASE WHEN {column} IS NULL THEN '—' "
        f"ELSE regexp_replace(format('{{:.1f}}', CAST({column} AS DOUBLE) * 100), '\\.?0+$', '') END"
    )


def _literal(value: Any) -> str:
    """A constant of the rules as a SQL literal of the JSON type explain() gives it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"CAST({value} AS BIGINT)"
    if isinstance(value, float):
        return f"CAST({value!r} AS DOUBLE)"
    text = str(value).replace("'", "''")
    return f"'{text}'"


def _reasons_sql(rules: GradingRules) -> str:
    """A JSON array of the reasons of each row of ``m`` (columns of the result), as ``explain`` gives them."""
    key, credit, grade = rules.key_account, rules.credit, rules.grade
    months = _literal(rules.window.months)
    min_kwh = _literal(_number(key.min_annual_kwh))
    min_kva = _literal(_number(key.min_contract_capacity_kva))
    important_en = " ".join(
        f"WHEN '{code.replace(chr(39), chr(39) * 2)}' THEN {_literal(names['en'])}"
        for code, names in IMPORTANT_GRADE_NAMES.items()
    )
    important_zh = " ".join(
        f"WHEN '{code.replace(chr(39), chr(39) * 2)}' THEN {_literal(names['zh'])}"
        for code, names in IMPORTANT_GRADE_NAMES.items()
    )
    important = "coalesce(important_grade, '')"
    late = "coalesce(late_payments, 0)"
    per_code = {
        "key_by_kwh": f"'annual_kwh', {_number_sql('annual_kwh')}, 'min_annual_kwh', {min_kwh}, 'months', {months}",
        "key_by_capacity": f"'capacity_kva', {_number_sql('contract_capacity_kva')}, 'min_capacity_kva', {min_kva}",
        "key_by_important": f"'important_grade', {important}, "
        f"'important_grade_en', CASE {important} {important_en} ELSE {important} END, "
        f"'important_grade_zh', CASE {important} {important_zh} ELSE {important} END",
        "not_key_voltage": "'voltage_kv', CASE WHEN voltage_kv IS NULL THEN '—' "
        "ELSE format('{:g}', CAST(voltage_kv AS DOUBLE)) END, "
        f"'min_voltage_kv', {_literal(_voltage(key.min_voltage_kv))}",
        "not_key_inactive": f"'active_months', coalesce(active_months, 0), 'months', {months}, "
        f"'min_active_months', {_literal(key.min_active_months)}",
        "not_key_small": f"'annual_kwh', {_number_sql('annual_kwh')}, 'min_annual_kwh', {min_kwh}, "
        f"'capacity_kva', {_number_sql('contract_capacity_kva')}, 'min_capacity_kva', {min_kva}",
        "credit_late": f"'late_payments', {late}, 'per_bill', {_literal(credit.late_payment_deduction)}, "
        f"'deduction', {late} * {_literal(credit.late_payment_deduction)}, 'months', {months}",
        "credit_overdue": f"'overdue_yuan', {_money_sql('overdue_yuan')}, "
        f"'deduction', {_literal(credit.overdue_deduction)}",
        "credit_long_late": f"'max_days_late', coalesce(max_days_late, 0), "
        f"'long_late_days', {_literal(credit.long_late_days)}, 'deduction', {_literal(credit.long_late_deduction)}",
        "credit_clean": "'credit_score', credit_score",
        "grade_a": f"'value_pct', {_pct_sql('value_rank')}, 'min_value_pct', {_literal(_pct(grade.a_min_value_rank))}, "
        f"'credit_score', credit_score, 'a_min_credit', {_literal(grade.a_min_credit)}",
        "grade_b_rank": f"'value_pct', {_pct_sql('value_rank')}, "
        f"'min_value_pct', {_literal(_pct(grade.a_min_value_rank))}",
        "grade_b_credit": f"'credit_score', credit_score, 'a_min_credit', {_literal(grade.a_min_credit)}",
        "grade_c": f"'credit_score', credit_score, 'c_below_credit', {_literal(grade.c_below_credit)}",
    }
    cases = " ".join(
        f"WHEN '{code}' THEN json_object('code', '{code}', 'params', json_object({params}))"
        for code, params in per_code.items()
    )
    # A code the engine knows but explain() has no parameters for gets empty ones, as in explain().
    reason = f"CASE c {cases} ELSE json_object('code', c, 'params', json_object()) END"
    codes = "list_filter(string_split(coalesce(reason_codes, ''), ';'), lambda c: c <> '')"
    return f"CAST(to_json(list_transform({codes}, lambda c: {reason})) AS VARCHAR)"


def explain_all(rows: pa.Table, rules: GradingRules) -> pa.Array:
    """The reasons of every row of an engine result, as JSON text (what ``explain`` gives, serialised)."""
    with duckdb.connect(":memory:") as con:
        con.execute("SET enable_progress_bar = false").fetchall()
        con.register("m", rows)
        return con.sql(f"SELECT {_reasons_sql(rules)} AS reasons FROM m").to_arrow_table()["reasons"].combine_chunks()


def plan(
    *,
    result: pa.Table,
    crm: pa.Table,
    before: pa.Table,
    grace: pa.Table,
    rules: GradingRules,
    what_if: bool,
    as_of: dt.date,
) -> RecordPlan:
    """What the run records and changes (see the module's docstring), in sets."""
    gone_reason = json.dumps([{"code": NOT_IN_CUSTOMER_BASE, "params": {}}])
    with duckdb.connect(":memory:") as con:
        con.execute("SET enable_progress_bar = false").fetchall()
        con.register("result", result)
        con.register("crm", crm.cast(CRM_SCHEMA))
        con.register("before", before.cast(BEFORE_SCHEMA))
        con.register("grace", grace.cast(GRACE_SCHEMA))
        con.execute(
            """
            CREATE TEMP TABLE m AS
            SELECT c.id AS account_id, c.customer_id, c.key_status AS old_status, c.key_since AS old_since,
                   c.grade AS old_grade, c.credit_score AS old_credit,
                   r.* EXCLUDE (customer_id),
                   coalesce(b.was_key, false) AS was_key, coalesce(b.was_grade, '') AS was_grade,
                   g.reason AS grace_reason,
                   NOT coalesce(r.key_account, false) AND c.key_status = 'key' AND g.account_id IS NOT NULL AS graced
            FROM result r JOIN crm c USING (customer_id)
            LEFT JOIN before b ON b.account_id = c.id
            LEFT JOIN grace g ON g.account_id = c.id
            """
        ).fetchall()
        con.execute(
            f"""
            CREATE TEMP TABLE rows AS
            WITH seen AS (
              SELECT account_id, customer_id, old_status, old_since, old_grade, old_credit, was_key,
                     was_grade, graced,
                     coalesce(key_account, false) OR graced AS new_key,
                     CASE WHEN graced THEN old_grade ELSE coalesce(grade, '') END AS new_grade,
                     coalesce(credit_score, old_credit, 0) AS row_credit,
                     credit_score AS engine_credit,
                     value_rank, coalesce(annual_kwh, 0.0) AS annual_kwh,
                     coalesce(annual_revenue, 0) AS annual_revenue, coalesce(active_months, 0) AS active_months,
                     coalesce(late_payments, 0) AS late_payments, coalesce(max_days_late, 0) AS max_days_late,
                     coalesce(overdue_yuan, 0) AS overdue_yuan,
                     CASE WHEN graced THEN '[' || grace_reason || CASE WHEN codes = '[]' THEN ']'
                          ELSE ',' || substr(codes, 2) END ELSE codes END AS reasons,
                     true AS in_result, false AS kept
              FROM (SELECT *, {_reasons_sql(rules)} AS codes FROM m)
            ),
            missing AS (
              SELECT c.*, coalesce(b.was_key, false) AS was_key, coalesce(b.was_grade, '') AS was_grade,
                     g.reason AS grace_reason, g.account_id IS NOT NULL AND c.key_status = 'key' AS kept
              FROM crm c
              LEFT JOIN before b ON b.account_id = c.id
              LEFT JOIN grace g ON g.account_id = c.id
              WHERE c.customer_id NOT IN (SELECT customer_id FROM result WHERE customer_id IS NOT NULL)
                AND (coalesce(b.was_key, false) OR c.key_status = 'key')
            ),
            gone AS (
              SELECT id AS account_id, customer_id, key_status AS old_status, key_since AS old_since,
                     grade AS old_grade, credit_score AS old_credit, was_key, was_grade,
                     false AS graced, kept AS new_key, CASE WHEN kept THEN grade ELSE '' END AS new_grade,
                     coalesce(credit_score, 0) AS row_credit, credit_score AS engine_credit,
                     CAST(NULL AS DOUBLE) AS value_rank, 0.0 AS annual_kwh,
                     CAST(0 AS DECIMAL(38, 2)) AS annual_revenue, 0 AS active_months, 0 AS late_payments,
                     0 AS max_days_late, CAST(0 AS DECIMAL(38, 2)) AS overdue_yuan,
                     CASE WHEN kept THEN '[' || grace_reason || ']' ELSE $gone END AS reasons,
                     false AS in_result, kept
              FROM missing
            ),
            both_ AS (SELECT * FROM seen UNION ALL BY NAME SELECT * FROM gone)
            SELECT *,
              CASE WHEN kept THEN CASE WHEN was_key THEN 'same' ELSE 'joined' END
                   WHEN new_key AND NOT was_key THEN 'joined'
                   WHEN was_key AND NOT new_key THEN 'left'
                   WHEN NOT new_key THEN 'none'
                   WHEN was_grade = '' OR was_grade = new_grade THEN 'same'
                   WHEN {_order("new_grade")} > {_order("was_grade")} THEN 'up'
                   ELSE 'down' END AS change,
              NOT kept AND new_key AND was_key AND ({_order("new_grade")} IS NULL
                OR (was_grade <> '' AND {_order("was_grade")} IS NULL)) AS invalid
            FROM both_
            """,
            {"gone": gone_reason},
        ).fetchall()
        invalid = con.execute(
            "SELECT CASE WHEN new_grade NOT IN ('A', 'B', 'C') THEN new_grade ELSE was_grade END "
            "FROM rows WHERE invalid ORDER BY in_result DESC, customer_id LIMIT 1"
        ).fetchall()
        grades = con.sql(
            """
            SELECT account_id, new_key AS key_account, new_grade AS grade, row_credit AS credit_score, value_rank,
                   CAST(annual_kwh AS DOUBLE) AS annual_kwh, CAST(annual_revenue AS DECIMAL(38, 2)) AS annual_revenue,
                   CAST(active_months AS BIGINT) AS active_months, CAST(late_payments AS BIGINT) AS late_payments,
                   CAST(max_days_late AS BIGINT) AS max_days_late,
                   CAST(overdue_yuan AS DECIMAL(38, 2)) AS overdue_yuan, reasons, change,
                   CASE WHEN was_key THEN was_grade ELSE '' END AS previous_grade
            FROM rows ORDER BY in_result DESC, customer_id
            """
        ).to_arrow_table()
        counts = con.execute(
            """
            SELECT count(*) FILTER (change = 'joined'), count(*) FILTER (change = 'left'),
                   count(*) FILTER (change = 'up'), count(*) FILTER (change = 'down'),
                   count(*) FILTER (in_result AND new_grade = 'A'), count(*) FILTER (in_result AND new_grade = 'B'),
                   count(*) FILTER (in_result AND new_grade = 'C')
            FROM rows
            """
        ).fetchall()[0]
        if what_if:
            updates = pa.table({name: pa.array([], CRM_SCHEMA.field(name).type) for name in UPDATE_COLUMNS})
        else:
            updates = con.sql(
                f"""
                WITH applied AS (
                  SELECT customer_id, in_result, account_id AS id, old_status, old_since, old_grade, old_credit,
                         CASE WHEN new_key THEN 'key' WHEN old_status = 'key' THEN 'former'
                              ELSE old_status END AS key_status,
                         CASE WHEN new_key AND old_since IS NULL THEN DATE '{as_of.isoformat()}'
                              ELSE old_since END AS key_since,
                         CASE WHEN new_key THEN new_grade ELSE '' END AS grade,
                         CASE WHEN in_result THEN engine_credit ELSE old_credit END AS credit_score
                  FROM rows WHERE NOT kept
                )
                SELECT id, key_status, key_since, grade, credit_score FROM applied
                WHERE key_status IS DISTINCT FROM old_status OR key_since IS DISTINCT FROM old_since
                   OR grade IS DISTINCT FROM old_grade OR credit_score IS DISTINCT FROM old_credit
                ORDER BY in_result DESC, customer_id
                """
            ).to_arrow_table()
    assert counts is not None
    return RecordPlan(
        grades=grades,
        updates=updates,
        counts=dict(zip(COUNTS, (int(n) for n in counts), strict=True)),
        invalid_grades=[row[0] for row in invalid],
    )


def provisional(customer_ids: pa.Array | pa.ChunkedArray, default: dict[str, Any]) -> pa.Table:
    """Accounts about to be created for *customer_ids*, as :data:`CRM_SCHEMA` rows: provisional ids
    -1, -2, … (no real account has a negative id) and the *default* standing of a new account
    (``key_status``, ``key_since``, ``grade``, ``credit_score``)."""
    n = len(customer_ids)
    columns: dict[str, Any] = {"id": pa.array(np.arange(-1, -n - 1, -1, dtype=np.int64)), "customer_id": customer_ids}
    for name in UPDATE_COLUMNS[1:]:
        columns[name] = pa.repeat(pa.scalar(default[name], CRM_SCHEMA.field(name).type), n)
    return pa.table(columns, schema=CRM_SCHEMA)


def new_standing(new: pa.Table, updates: pa.Table) -> pa.Table:
    """The accounts of *new* (:func:`provisional`) with the standing the plan's *updates* give them
    (their default standing where the plan changes nothing): :data:`CRM_SCHEMA`, provisional ids."""
    updates = updates.cast(pa.schema([CRM_SCHEMA.field(name) for name in UPDATE_COLUMNS]))
    at = pc.index_in(new["id"], value_set=updates["id"])
    planned = pc.is_valid(at)
    columns = [new["id"], new["customer_id"]]
    columns += [pc.if_else(planned, pc.take(updates[name], at), new[name]) for name in UPDATE_COLUMNS[1:]]
    return pa.table(columns, schema=CRM_SCHEMA)


def with_real_ids(planned: RecordPlan, new: pa.Table, created: pa.Table) -> RecordPlan:
    """*planned* with the provisional ids of *new* replaced by the ids of the accounts *created* for
    them (matched by customer id) in its grades, and without the new accounts in its updates (they
    were created with their standing)."""
    real = pc.take(created["id"], pc.index_in(new["customer_id"], value_set=created["customer_id"]))
    if real.null_count:
        raise ValueError("an account planned as new was not created")
    grades = planned.grades
    ids = grades["account_id"].cast(pa.int64())
    ids = pc.coalesce(pc.take(real, pc.index_in(ids, value_set=new["id"])), ids)
    grades = grades.set_column(grades.schema.get_field_index("account_id"), "account_id", ids)
    updates = planned.updates.filter(pc.invert(pc.is_in(planned.updates["id"], value_set=new["id"])))
    return dataclasses.replace(planned, grades=grades, updates=updates)


def _order(column: str) -> str:
    return f"CASE {column} WHEN 'A' THEN 2 WHEN 'B' THEN 1 WHEN 'C' THEN 0 END"
