"""Grading the whole customer base: PowerKAM's engine vs a hand-written one-query DuckDB SQL vs pandas.

Same Parquet store (customers × 36 months of bills and payments, with partial, late and missing
payments), same period, same rules; every step in its own process (wall time, peak RSS). All three
must agree on the key accounts, grades and credit scores before their times are reported.

Options: ``--grading-customers=N[,N…]`` (default ``100000,1000000``; add 10000000 for the scaling
line), ``--grading-pandas-max=N`` (largest base the pandas baseline is run on, default 100,000:
pandas needs about 3 GB per 100,000 customers of this data, so 1,000,000 does not fit in 24 GB),
``--grading-sql-timeout=S`` (the one-query SQL is stopped after S seconds, default 1800, and
reported as not completed), ``--grading-dir=DIR`` (where the stores are generated, default the
system's temporary directory; each is deleted after its line), ``--grading-log=FILE`` (append each
line's raw figures as JSON), ``--grading-section=TITLE`` (write the results under
that heading of docs/benchmarks.md instead of "Grading", e.g. a quiet re-run of one size),
``--grading-repeat=N`` (up to 1,000,000 customers the engine, the SQL
and pandas run N times each, default 3, and the fastest run counts, the same for all three; the
settle step and the 10,000,000 line run once).
``--grading-command[=sqlite,postgresql]`` times the whole ``powerkam grade`` command instead
(benchmarks/grading_command.py: key-account shares, both databases, against the one-query SQL).
Run one step by hand: ``python -m benchmarks.grading_bench STEP STORE_DIR`` (STEP: settle, engine, sql, pandas).

The engine reads the derived ``settlements`` dataset (one row per bill, settled over all its
payments), which the importer rebuilds after every billing or payments import; the benchmark
builds it the same way (step ``settle``, reported in its own columns, not in the engine's time)
before the engine runs. The SQL and pandas baselines read the raw billing and payments.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import machine, peak_mib, run_child, today, write_section

MONTHS = 36
PERIOD = "2026-10"
#: The engine is also run with DuckDB's memory bounded (it spills to disk): a bound below what it
#: uses unbounded at 1,000,000 customers, so that it binds.
BOUNDED_MEMORY = "1GB"
#: The one-query SQL's DuckDB bound (it spills beyond it): the machine is shared, and at
#: 10,000,000 customers it would otherwise take 80 % of the RAM.
SQL_MEMORY = "10GB"
#: … and the most it may spill (the disk is shared too).
SQL_SPILL = "30GB"
FIRST_PERIOD = "2023-11"  # 36 months ending with PERIOD


# --- data ------------------------------------------------------------------------------------


#: A customer from its position i in a ``range``: its id and the three draws its rows depend on.
CUSTOMER_SQL = """'C' || lpad(CAST(i AS VARCHAR), 8, '0') AS customer_id,
               hash(i, 'v') % 100 AS rv, hash(i, 'k') % 1000 AS rk, hash(i, 'a') % 100 AS ra"""


def bills_sql(index: str, rows: int) -> str:
    """Bills from ``range(rows) t(j)``; *index* maps j to the customer ``i``, the month ``m`` (0 is
    FIRST_PERIOD) and the payment ``part``. Every value is a function of (i, m, part) only, so a month
    generated alone equals that month of the whole store."""
    return f"""
        SELECT customer_id, m,
               strftime(DATE '{FIRST_PERIOD}-01' + to_months(m), '%Y-%m') AS period,
               CASE WHEN hash(i, m, 'z') % 20 = 0 THEN 0.0
                    ELSE CAST(10 + (hash(i, m) % 1000) * (1 + rk) AS DOUBLE) END AS kwh,
               CAST(DATE '{FIRST_PERIOD}-15' + to_months(m + 1) AS DATE) AS due_date,
               ra, hash(i, m, 'p') % 100 AS rp, part
        FROM (SELECT {index}, {CUSTOMER_SQL} FROM range({rows}) t(j))
    """


def billing_sql(bills: str) -> str:
    """The billing dataset's rows of *bills* (:func:`bills_sql` with part 0)."""
    return f"""
          SELECT customer_id, period, kwh, NULL::DOUBLE AS kwh_peak, NULL::DOUBLE AS kwh_flat,
                 NULL::DOUBLE AS kwh_valley, NULL::DOUBLE AS kwh_critical, NULL::DOUBLE AS kvarh,
                 NULL::DOUBLE AS max_demand_kw, CAST(round(kwh * 0.7, 2) AS DECIMAL(18,2)) AS amount_yuan, due_date
          FROM ({bills})"""


def payments_sql(bills: str) -> str:
    """The payments dataset's rows of *bills* (:func:`bills_sql` with parts 0 and 1): most bills paid
    once before the due date; some late, some in two parts, a few never. Part 1 is the second half of a
    bill paid in two parts, never before the first."""
    return f"""
          SELECT customer_id, period,
                 CASE WHEN part = 1 THEN due_date + CAST(rp % 20 AS INTEGER)
                      WHEN rp < 85 THEN due_date - 3 WHEN rp < 93 THEN due_date + CAST(rp % 45 AS INTEGER)
                      ELSE due_date - 10 END AS paid_on,
                 CAST(CASE WHEN part = 1 THEN round(kwh * 0.7, 2) - round(kwh * 0.35, 2)
                           WHEN rp >= 93 THEN round(kwh * 0.35, 2) ELSE round(kwh * 0.7, 2) END AS DECIMAL(18,2))
                   AS amount_yuan,
                 0::INTEGER AS seq
          FROM ({bills})
          WHERE kwh > 0 AND NOT (ra < 3 AND rp >= 97) AND (part = 0 OR rp >= 93)"""


def customers_sql(customers: int, high_voltage_pct: int) -> str:
    return f"""
          SELECT customer_id, '客户' || customer_id AS name, NULL::VARCHAR AS parent_id, 'C' AS industry,
                 CAST(CASE WHEN rv < {high_voltage_pct - high_voltage_pct // 6} THEN 10.0
                           WHEN rv < {high_voltage_pct} THEN 35.0 ELSE 0.4 END AS DOUBLE) AS voltage_kv,
                 CAST(100 + (rk * 37) % 8000 AS DOUBLE) AS contract_capacity_kva,
                 'large_industrial' AS tariff, NULL::VARCHAR AS basic_charge_mode, NULL::VARCHAR AS feeders,
                 CASE WHEN rk < 5 THEN 'first' END AS important_grade, '示范区' AS district,
                 NULL::VARCHAR AS address, NULL::DOUBLE AS latitude, NULL::DOUBLE AS longitude,
                 NULL::DATE AS connected_on
          FROM (SELECT {CUSTOMER_SQL} FROM range({customers}) t(i))"""


def make_store(store_dir: Path, customers: int, high_voltage_pct: int = 12) -> dict[str, int]:
    """A deterministic pseudo-random store in the schemas of ``powerkam.analytics.store``.

    ``high_voltage_pct``: the share of the base supplied at 10 kV and above (most of them become
    key accounts: about 9 in 10 of them). The default, 12 %, is the engine benchmark's base.

    Streamed: every row is a function of its position in a ``range`` (customer i, month m,
    payment part), so DuckDB writes each file in one pass, in key order, without holding the
    bills in memory (10,000,000 customers = 360 M bills fit on a 24 GB machine).
    """
    import duckdb

    store_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={"preserve_insertion_order": True, "memory_limit": "4GB", "temp_directory": str(store_dir / ".gen")}
    )
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"COPY ({customers_sql(customers, high_voltage_pct)}) TO '{store_dir / 'customers.parquet'}' "
        "(FORMAT parquet, COMPRESSION zstd)"
    )
    # Bill j is customer j // MONTHS, month j % MONTHS: the range is in (customer_id, period) order.
    bills = bills_sql(f"j // {MONTHS} AS i, j % {MONTHS} AS m, 0 AS part", customers * MONTHS)
    con.execute(f"COPY ({billing_sql(bills)}) TO '{store_dir / 'billing.parquet'}' (FORMAT parquet, COMPRESSION zstd)")
    # Row j is part j % 2 of bill j // 2, so the range is in (customer_id, period, paid_on) order too.
    rows = customers * MONTHS * 2
    bills = bills_sql(f"j // {2 * MONTHS} AS i, (j // 2) % {MONTHS} AS m, j % 2 AS part", rows)
    con.execute(
        f"COPY ({payments_sql(bills)}) TO '{store_dir / 'payments.parquet'}' (FORMAT parquet, COMPRESSION zstd)"
    )
    counts = {
        "customers": customers,
        "bills": con.execute(f"SELECT count(*) FROM '{store_dir / 'billing.parquet'}'").fetchone()[0],  # type: ignore[index]
        "payments": con.execute(f"SELECT count(*) FROM '{store_dir / 'payments.parquet'}'").fetchone()[0],  # type: ignore[index]
    }
    con.close()
    return counts


# --- the three implementations ---------------------------------------------------------------

ONE_QUERY_SQL = """
WITH params AS (SELECT DATE '{as_of}' AS as_of, '{first}' AS first_period, '{period}' AS period),
known AS (
  SELECT p.customer_id, p.period, p.paid_on, sum(p.amount_yuan) AS day_yuan
  FROM '{store}/payments.parquet' p, params WHERE p.paid_on <= params.as_of
  GROUP BY ALL
),
running AS (
  SELECT *, sum(day_yuan) OVER (PARTITION BY customer_id, period ORDER BY paid_on) AS paid_to_date FROM known
),
bills AS (
  SELECT b.customer_id, b.period, b.kwh, b.amount_yuan, b.due_date,
         coalesce(sum(r.day_yuan), 0) AS paid_yuan,
         CASE WHEN b.amount_yuan = 0 THEN b.due_date
              ELSE min(CASE WHEN r.paid_to_date >= b.amount_yuan - 0.01 THEN r.paid_on END) END AS settled_on
  FROM '{store}/billing.parquet' b LEFT JOIN running r USING (customer_id, period)
  GROUP BY b.customer_id, b.period, b.kwh, b.amount_yuan, b.due_date
),
per_customer AS (
  SELECT b.customer_id,
    sum(CASE WHEN b.period BETWEEN p.first_period AND p.period THEN b.kwh END) AS annual_kwh,
    sum(CASE WHEN b.period BETWEEN p.first_period AND p.period THEN b.amount_yuan END) AS annual_revenue,
    count(CASE WHEN b.period BETWEEN p.first_period AND p.period AND b.kwh > 0 THEN 1 END) AS active_months,
    count(CASE WHEN b.period BETWEEN p.first_period AND p.period AND b.due_date <= p.as_of
               AND (b.settled_on IS NULL OR b.settled_on > b.due_date) THEN 1 END) AS late_payments,
    max(CASE WHEN b.period BETWEEN p.first_period AND p.period AND b.due_date <= p.as_of
               AND (b.settled_on IS NULL OR b.settled_on > b.due_date)
             THEN coalesce(b.settled_on, p.as_of) - b.due_date END) AS max_days_late,
    sum(CASE WHEN b.due_date < p.as_of THEN greatest(0, b.amount_yuan - b.paid_yuan) ELSE 0 END) AS overdue_yuan
  FROM bills b, params p GROUP BY b.customer_id
),
scored AS (
  SELECT c.customer_id,
    round(coalesce(annual_kwh, 0), 6) AS annual_kwh, coalesce(annual_revenue, 0) AS annual_revenue,
    coalesce(active_months, 0) AS active_months, coalesce(late_payments, 0) AS late_payments,
    coalesce(max_days_late, 0) AS max_days_late, coalesce(overdue_yuan, 0) AS overdue_yuan,
    greatest(0, least(100, 100 - 10 * coalesce(late_payments, 0)
      - CASE WHEN coalesce(overdue_yuan, 0) > 0 THEN 20 ELSE 0 END
      - CASE WHEN coalesce(max_days_late, 0) > 30 THEN 20 ELSE 0 END)) AS credit_score,
    c.voltage_kv >= 10 AND coalesce(active_months, 0) >= 6
      AND (round(coalesce(annual_kwh, 0), 6) >= 1000000 OR c.contract_capacity_kva >= 2000
           OR c.important_grade IS NOT NULL) AS key_account
  FROM '{store}/customers.parquet' c LEFT JOIN per_customer USING (customer_id)
)
SELECT *,
  CASE WHEN key_account THEN percent_rank() OVER (PARTITION BY key_account ORDER BY annual_revenue) END AS value_rank,
  CASE WHEN NOT key_account THEN NULL WHEN credit_score < 60 THEN 'C'
       WHEN percent_rank() OVER (PARTITION BY key_account ORDER BY annual_revenue) >= 0.8 AND credit_score >= 90 THEN 'A'
       ELSE 'B' END AS grade
FROM scored
"""


def _summary(rows: int, key: int, grades: dict[str, int], credit_sum: int) -> dict[str, object]:
    return {"rows": rows, "key": key, "grades": grades, "credit_sum": credit_sum}


def step_engine(store: Path) -> dict[str, object]:
    from powerkam.analytics.grading import evaluate, load_tables
    from powerkam.analytics.grading_backends import connect

    result = evaluate(load_tables(connect("duckdb"), store), PERIOD)
    import pyarrow.compute as pc

    grades = {g: int(pc.sum(pc.equal(result["grade"], g)).as_py() or 0) for g in "ABC"}
    return _summary(
        result.num_rows,
        int(pc.sum(result["key_account"]).as_py()),
        grades,
        int(pc.sum(result["credit_score"]).as_py()),
    )


def step_settle(store: Path) -> dict[str, object]:
    """What the importer does after every billing or payments import: settle each bill once."""
    from powerkam.analytics.settlement import build_settlements

    rows = build_settlements(store)
    return {"rows": rows}


def step_sql(store: Path) -> dict[str, object]:
    import duckdb

    sql = ONE_QUERY_SQL.format(store=store, as_of="2026-10-31", first="2025-11", period=PERIOD)
    con = duckdb.connect(
        config={
            "memory_limit": SQL_MEMORY,
            "temp_directory": str(store / ".sql-spill"),
            "max_temp_directory_size": SQL_SPILL,
        }
    )
    con.execute("SET enable_progress_bar = false")
    result = con.sql(sql).to_arrow_table()
    import pyarrow.compute as pc

    grades = {g: int(pc.sum(pc.equal(result["grade"], g)).as_py() or 0) for g in "ABC"}
    return _summary(
        result.num_rows,
        int(pc.sum(result["key_account"]).as_py()),
        grades,
        int(pc.sum(result["credit_score"]).as_py()),
    )


def step_pandas(store: Path) -> dict[str, object]:
    import numpy as np
    import pandas as pd

    as_of = pd.Timestamp("2026-10-31")
    customers = pd.read_parquet(store / "customers.parquet")
    bills = pd.read_parquet(
        store / "billing.parquet", columns=["customer_id", "period", "kwh", "amount_yuan", "due_date"]
    )
    payments = pd.read_parquet(store / "payments.parquet", columns=["customer_id", "period", "paid_on", "amount_yuan"])
    bills["amount"] = bills["amount_yuan"].astype("float64").round(2)
    bills["due_date"] = pd.to_datetime(bills["due_date"])
    payments["paid_on"] = pd.to_datetime(payments["paid_on"])
    payments["amount"] = payments["amount_yuan"].astype("float64")
    known = payments[payments["paid_on"] <= as_of]
    daily = known.groupby(["customer_id", "period", "paid_on"], as_index=False)["amount"].sum()
    daily = daily.sort_values(["customer_id", "period", "paid_on"])
    daily["paid_to_date"] = daily.groupby(["customer_id", "period"])["amount"].cumsum()
    merged = daily.merge(
        bills[["customer_id", "period", "amount"]], on=["customer_id", "period"], suffixes=("", "_bill")
    )
    reached = merged[merged["paid_to_date"].round(2) >= (merged["amount_bill"] - 0.01).round(2)]
    settled = reached.groupby(["customer_id", "period"], as_index=False)["paid_on"].min()
    paid = daily.groupby(["customer_id", "period"], as_index=False)["amount"].sum().rename(columns={"amount": "paid"})
    b = bills.merge(settled, on=["customer_id", "period"], how="left").merge(
        paid, on=["customer_id", "period"], how="left"
    )
    b["paid"] = b["paid"].fillna(0.0)
    b.loc[b["amount"] == 0, "paid_on"] = b.loc[b["amount"] == 0, "due_date"]
    in_w = b["period"].between("2025-11", PERIOD)
    due = in_w & (b["due_date"] <= as_of)
    late = due & (b["paid_on"].isna() | (b["paid_on"] > b["due_date"]))
    b["late"] = late
    b["days_late"] = np.where(late, (b["paid_on"].fillna(as_of) - b["due_date"]).dt.days, 0)
    b["owed"] = np.where(b["due_date"] < as_of, (b["amount"] - b["paid"]).clip(lower=0).round(2), 0.0)
    w = b[in_w]
    per = w.groupby("customer_id").agg(
        annual_kwh=("kwh", "sum"), annual_revenue=("amount", "sum"), active_months=("kwh", lambda s: int((s > 0).sum()))
    )
    per = per.join(
        b.groupby("customer_id").agg(
            late_payments=("late", "sum"), max_days_late=("days_late", "max"), overdue=("owed", "sum")
        ),
        how="outer",
    )
    df = (
        customers.set_index("customer_id")
        .join(per, how="left")
        .fillna(
            {
                "annual_kwh": 0.0,
                "annual_revenue": 0.0,
                "active_months": 0,
                "late_payments": 0,
                "max_days_late": 0,
                "overdue": 0.0,
            }
        )
    )
    credit = (
        100 - 10 * df["late_payments"] - 20 * (df["overdue"].round(2) > 0) - 20 * (df["max_days_late"] > 30)
    ).clip(0, 100)
    key = (
        (df["voltage_kv"] >= 10)
        & (df["active_months"] >= 6)
        & (
            (df["annual_kwh"].round(6) >= 1_000_000)
            | (df["contract_capacity_kva"] >= 2000)
            | df["important_grade"].notna()
        )
    )
    revenue = df["annual_revenue"].round(2)
    rank = revenue[key].rank(method="min")
    n = int(key.sum())
    value_rank = (rank - 1) / (n - 1) if n > 1 else rank * 0
    grade = pd.Series(
        np.where(credit[key] < 60, "C", np.where((value_rank >= 0.8) & (credit[key] >= 90), "A", "B")), index=rank.index
    )
    return _summary(len(df), n, {g: int((grade == g).sum()) for g in "ABC"}, int(credit.sum()))


STEPS = {"settle": step_settle, "engine": step_engine, "sql": step_sql, "pandas": step_pandas}


#: Libraries each step needs, imported before its clock starts (like the interpreter's start: this
#: environment sets PYTHONDONTWRITEBYTECODE, so every process compiles pandas and ibis from source,
#: about 1.5 s that has nothing to do with grading).
LIBRARIES = {
    "settle": ["duckdb", "pyarrow.parquet", "powerkam.analytics.settlement"],
    "engine": ["ibis", "pandas", "pyarrow.compute", "powerkam.analytics.grading", "ibis.backends.duckdb.converter"],
    "sql": ["duckdb", "pyarrow.compute"],
    "pandas": ["numpy", "pandas", "pyarrow.parquet"],
}


def _child(argv: list[str]) -> None:
    step, store = argv[0], Path(argv[1])
    for module in LIBRARIES[step]:
        importlib.import_module(module)
    started = time.perf_counter()
    summary = STEPS[step](store)
    seconds = time.perf_counter() - started
    print(json.dumps({**summary, "seconds": seconds, "peak_mib": peak_mib()}))


# --- the benchmark ---------------------------------------------------------------------------


def _run_step(step: str, store: Path, *, env: dict[str, str] | None = None, timeout: float | None = None) -> dict:
    """One step in its own process (:func:`benchmarks.report.run_child`); with *timeout*, a step
    that does not finish in time (or fails, e.g. out of memory) comes back as ``{"error": why}``."""
    if timeout is None:
        return run_child("benchmarks.grading_bench", step, str(store), env=env)
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.grading_bench", step, str(store)],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not complete: stopped after {timeout:,.0f} s"}
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"]
        # The exception's own line (DuckDB adds a "See also …" line after it), else the last one.
        why = next((line for line in reversed(lines) if "Error" in line), lines[-1])
        return {"error": f"did not complete after {time.perf_counter() - started:,.0f} s: {why[:300]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _best(runs: int, step: str, store: Path, **how: Any) -> dict[str, Any]:
    """The fastest of *runs* runs of *step* (:func:`_run_step`, each in a new process)."""
    results = [_run_step(step, store, **how) for _ in range(runs)]
    done = [r for r in results if "error" not in r]
    if not done:
        return results[0]
    return {**min(done, key=lambda r: r["seconds"]), "runs": runs}


def _figures(step: dict[str, Any] | None) -> str:
    if step is None:
        return "— | —"
    if "error" in step:
        return "n/c | n/c"
    return f"{step['seconds']:.1f} | {step['peak_mib']:,.0f}"


def main(argv: list[str]) -> None:
    if any(arg.startswith("--grading-command") for arg in argv):
        from benchmarks.grading_command import main as command_main

        command_main(argv)
        return
    sizes = [100_000, 1_000_000]
    pandas_max = 100_000  # pandas needs ~3 GB per 100,000 customers here: 1M would not fit in 24 GB
    sql_timeout = 1800.0
    repeat, repeat_max = 3, 1_000_000
    workdir: str | None = None
    log: Path | None = None
    section = "Grading"
    for arg in argv:
        if arg.startswith("--grading-customers="):
            sizes = [int(x) for x in arg.split("=", 1)[1].split(",")]
        if arg.startswith("--grading-pandas-max="):
            pandas_max = int(arg.split("=", 1)[1])
        if arg.startswith("--grading-sql-timeout="):
            sql_timeout = float(arg.split("=", 1)[1])
        if arg.startswith("--grading-dir="):
            workdir = arg.split("=", 1)[1]
        if arg.startswith("--grading-log="):
            log = Path(arg.split("=", 1)[1])
        if arg.startswith("--grading-repeat="):
            repeat = int(arg.split("=", 1)[1])
        if arg.startswith("--grading-section="):  # e.g. a re-run of one size, kept beside the full table
            section = arg.split("=", 1)[1]
    lines = [
        f"Machine: {machine()}. Date: {today()}.",
        "",
        f"Period {PERIOD}, standard rules; store of N customers × {MONTHS} months (bills and payments: partial, "
        "late and missing payments), Parquet zstd. Each implementation runs in its own process on the same "
        "files; time = the grading itself (reading the Parquet included; interpreter start and importing "
        "the step's libraries excluded), the fastest of 3 runs up to 1,000,000 customers (each in a new process; "
        "the same for the engine, the SQL and pandas; the settle step and larger bases run once); "
        "peak = the process's own peak RSS (`VmHWM`). All implementations agree on key accounts, grades and credit "
        "scores before their times count. Run: `make bench` or "
        "`uv run --frozen python -m benchmarks grading --grading-customers=100000,1000000,10000000`.",
        "",
        "| customers | bills | payments | settle at import s | its peak MiB | engine s | engine peak MiB "
        f"| engine, DuckDB ≤ {BOUNDED_MEMORY} s | its peak MiB "
        "| one-query SQL s | SQL peak MiB | pandas s | pandas peak MiB | vs SQL | vs pandas |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    results: list[dict[str, Any]] = []
    for customers in sizes:
        with tempfile.TemporaryDirectory(prefix="powerkam-grading-bench-", dir=workdir) as tmp:
            store = Path(tmp)
            started = time.perf_counter()
            counts = make_store(store, customers)
            print(f"{customers:,} customers: data in {time.perf_counter() - started:.0f} s", flush=True)
            settle = _run_step("settle", store)
            runs = repeat if customers <= repeat_max else 1
            engine = _best(runs, "engine", store)
            bounded = _best(
                runs,
                "engine",
                store,
                env={"POWERKAM_DUCKDB_MEMORY_LIMIT": BOUNDED_MEMORY, "POWERKAM_DUCKDB_TEMP_DIR": str(store / "spill")},
                timeout=sql_timeout,
            )
            sql = _best(runs, "sql", store, timeout=sql_timeout)
            pandas = _best(runs, "pandas", store) if customers <= pandas_max else None
            for name, other in (("sql", sql), ("pandas", pandas), ("bounded engine", bounded)):
                if other is None or "error" in other:
                    continue
                if {k: other[k] for k in ("key", "grades", "credit_sum")} != {
                    k: engine[k] for k in ("key", "grades", "credit_sum")
                }:
                    raise RuntimeError(f"{name} disagrees with the engine: {other} vs {engine}")
            row = {
                "customers": customers,
                **counts,
                "settle": settle,
                "engine": engine,
                "bounded": bounded,
                "sql": sql,
                "pandas": pandas,
            }
            results.append(row)
            if log is not None:
                with log.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(row) + "\n")
            vs_sql = f"{sql['seconds'] / engine['seconds']:.1f}×" if "error" not in sql else "—"
            vs_pandas = f"{pandas['seconds'] / engine['seconds']:.1f}×" if pandas else "—"
            print(
                f"  settle (import-time) {_figures(settle)}; engine {_figures(engine)}; "
                f"engine DuckDB ≤ {BOUNDED_MEMORY} {_figures(bounded)}; SQL {sql.get('error') or _figures(sql)}"
                + (f"; pandas {_figures(pandas)}" if pandas else "")
                + " (s | peak MiB)",
                flush=True,
            )
            lines.append(
                f"| {customers:,} | {counts['bills']:,} | {counts['payments']:,} | {_figures(settle)} | "
                f"{_figures(engine)} | {_figures(bounded)} | {_figures(sql)} | {_figures(pandas)} | {vs_sql} | {vs_pandas} |"
            )
    lines += _scaling(results)
    lines += _verdict(results)
    write_section(section, "\n".join(lines))


def _per_customer(step: dict[str, Any] | None, customers: int) -> str:
    if step is None or "error" in step:
        return "—"
    return f"{step['seconds'] / customers * 1e6:.1f}"


def _scaling(results: list[dict[str, Any]]) -> list[str]:
    """Time per customer at each size: flat when the time grows linearly."""
    lines = [
        "",
        "Time per customer (µs; constant = time growing linearly with the customer base):",
        "",
        "| customers | settle at import | engine | engine, DuckDB ≤ " + BOUNDED_MEMORY + " | one-query SQL |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        n = r["customers"]
        lines.append(
            f"| {n:,} | {_per_customer(r['settle'], n)} | {_per_customer(r['engine'], n)} | "
            f"{_per_customer(r['bounded'], n)} | {_per_customer(r['sql'], n)} |"
        )
    failed = [(r["customers"], r["sql"]["error"]) for r in results if "error" in r["sql"]]
    lines += [f"\nThe one-query SQL at {n:,} customers {why} (DuckDB bounded to {SQL_MEMORY})." for n, why in failed]
    failed = [(r["customers"], r["bounded"]["error"]) for r in results if "error" in r["bounded"]]
    lines += [f"\nThe engine with DuckDB ≤ {BOUNDED_MEMORY} at {n:,} customers {why}." for n, why in failed]
    return lines


def _ok(met: bool) -> str:
    return "met" if met else "not met"


def _verdict(results: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, met or not; and how the engine gets there."""
    if not results:
        return []
    checks = []
    with_sql = [r for r in results if "error" not in r["sql"]]
    if with_sql:
        ratios = ", ".join(
            f"{r['sql']['seconds'] / r['engine']['seconds']:.1f}× at {r['customers']:,}" for r in with_sql
        )
        worst = min(r["sql"]["seconds"] / r["engine"]["seconds"] for r in with_sql)
        checks.append(f"- ≥ 3× faster than the one-query SQL: {ratios} — {_ok(worst >= 3)};")
    with_pandas = [r for r in results if r["pandas"]]
    if with_pandas:
        r = with_pandas[-1]
        ratio = r["pandas"]["seconds"] / r["engine"]["seconds"]
        checks.append(f"- ≥ 20× faster than pandas (at {r['customers']:,}): {ratio:.1f}× — {_ok(ratio >= 20)};")
    at_1m = [r for r in results if r["customers"] == 1_000_000]
    if at_1m:
        r = at_1m[0]
        peaks = {"settle at import": r["settle"]["peak_mib"], "engine": r["engine"]["peak_mib"]}
        checks.append(
            "- ≤ 4 GB peak at 1,000,000 customers: "
            + ", ".join(f"{name} {mib:,.0f} MiB" for name, mib in peaks.items())
            + f" (engine with DuckDB ≤ {BOUNDED_MEMORY}: {_figures(r['bounded']).split(' | ')[-1]} MiB) — "
            + _ok(max(peaks.values()) <= 4096)
            + ";"
        )
    largest = results[-1]
    if largest["customers"] >= 10_000_000 and len(results) > 1:
        previous = results[-2]
        growth = {
            name: (largest[name]["seconds"] / largest["customers"])
            / (previous[name]["seconds"] / previous["customers"])
            for name in ("settle", "engine")
        }
        linear = all(g <= 1.5 for g in growth.values())
        checks.append(
            f"- {largest['customers']:,} customers complete on this machine, time growing linearly: settle "
            f"{largest['settle']['seconds']:,.0f} s / {largest['settle']['peak_mib']:,.0f} MiB, engine "
            f"{largest['engine']['seconds']:,.0f} s / {largest['engine']['peak_mib']:,.0f} MiB; time per customer "
            f"×{growth['settle']:.2f} (settle) and ×{growth['engine']:.2f} (engine) from {previous['customers']:,} "
            f"— {_ok(linear)} (linear: at most ×1.5)."
        )
    return [
        "",
        "Targets of issue 4:",
        "",
        *checks,
        "",
        "How: the importer settles every bill once, after each billing or payments import, into the derived "
        "`settlements` dataset (one row per bill: `paid_yuan`, `settled_on`, `last_paid_on`, `unpaid_yuan` over "
        "all its payments, and the days it was paid when there are several; the *settle at import* columns, run "
        "here exactly as the importer runs it, not counted in the engine's time). It settles one range of about "
        "4,000,000 bills' customers at a time (ranges read from the billing file's row-group statistics), with "
        "DuckDB bounded to 1 GB and spilling beyond it, and appends each range's row groups to the file: its "
        "memory no longer grows with the customer base. Within a range the paid bills come first, by period, "
        "then the unpaid ones, so the engine reads only the row groups it needs: the window's paid bills, the "
        "unpaid bills (arrears), and the bills with a payment after `as_of`, which it settles again from their "
        "payment days — it does not read the payments table at all. The one-query SQL and pandas still read "
        "the raw billing and payments (their cost is what the importer now pays once per import).",
        "",
        "Notes: peaks are each step process's own `VmHWM`. DuckDB's `memory_limit` bounds DuckDB's buffers, "
        "not the process: the engine's result (one row per customer, fetched as an Arrow table), the Python "
        "interpreter and the libraries come on top, so the bounded engine's process can peak above its "
        f"{BOUNDED_MEMORY} (and why the earlier settle step, which fetched nothing but ran without a bound, "
        "took 8.5 GB at 1,000,000: DuckDB's default bound is 80 % of the RAM). Settling 1,000,000 customers in "
        "one query bounded to 3 GB took 333 s and peaked at 6.5 GB (the whole result fetched at once), in ranges "
        "of 8,000,000 bills under 2 GB 143 s / 3.3 GB, of 4,000,000 under 1 GB 119 s / 1.8 GB, of 2,000,000 under "
        "1 GB 185 s / 1.3 GB (all on a loaded machine, 2026-11-27): ranges of 4,000,000 bills are the default. Times vary "
        "with the machine's load; this environment sets PYTHONDONTWRITEBYTECODE, so the libraries are imported "
        "before each step's clock starts. pandas is run up to 100,000 customers: it needs about 3 GB per "
        "100,000 customers of this data.",
    ]


if __name__ == "__main__":
    _child(sys.argv[1:])
