"""Grading the whole customer base: PowerKAM's engine vs a hand-written one-query DuckDB SQL vs pandas.

Same Parquet store (customers × 36 months of bills and payments, with partial, late and missing
payments), same period, same rules; every step in its own process (wall time, peak RSS). All three
must agree on the key accounts, grades and credit scores before their times are reported.

Options: ``--grading-customers=N[,N…]`` (default ``100000,1000000``; add 10000000 for the scaling
line), ``--grading-pandas-max=N`` (largest base the pandas baseline is run on, default 100,000:
pandas needs about 3 GB per 100,000 customers of this data, so 1,000,000 does not fit in 24 GB).
Run one step by hand: ``python -m benchmarks.grading_bench STEP STORE_DIR`` (STEP: settle, engine, sql, pandas).

The engine reads the derived ``settlements`` dataset (one row per bill, settled over all its
payments), which the importer rebuilds after every billing or payments import; the benchmark
builds it the same way (step ``settle``, reported in its own columns, not in the engine's time)
before the engine runs. The SQL and pandas baselines read the raw billing and payments.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import machine, peak_mib, run_child, today, write_section

MONTHS = 36
PERIOD = "2026-10"
#: The engine is also run with DuckDB's memory bounded (it spills to disk), for the ≤ 4 GB target.
BOUNDED_MEMORY = "3GB"
FIRST_PERIOD = "2023-11"  # 36 months ending with PERIOD


# --- data ------------------------------------------------------------------------------------


def make_store(store_dir: Path, customers: int) -> dict[str, int]:
    """A deterministic pseudo-random store in the schemas of ``powerkam.analytics.store``."""
    import duckdb

    store_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"preserve_insertion_order": False})
    con.execute(
        f"""
        CREATE TEMP TABLE c AS
        SELECT i,
               'C' || lpad(CAST(i AS VARCHAR), 8, '0') AS customer_id,
               hash(i, 'v') % 100 AS rv, hash(i, 'k') % 1000 AS rk, hash(i, 'a') % 100 AS ra
        FROM range({customers}) t(i)
        """
    )
    con.execute(
        f"""
        COPY (
          SELECT customer_id, '客户' || customer_id AS name, NULL::VARCHAR AS parent_id, 'C' AS industry,
                 CASE WHEN rv < 10 THEN 10.0 WHEN rv < 12 THEN 35.0 ELSE 0.4 END AS voltage_kv,
                 CAST(100 + (rk * 37) % 8000 AS DOUBLE) AS contract_capacity_kva,
                 'large_industrial' AS tariff, NULL::VARCHAR AS basic_charge_mode, NULL::VARCHAR AS feeders,
                 CASE WHEN rk < 5 THEN 'first' END AS important_grade, '示范区' AS district,
                 NULL::VARCHAR AS address, NULL::DOUBLE AS latitude, NULL::DOUBLE AS longitude,
                 NULL::DATE AS connected_on
          FROM c
        ) TO '{store_dir / "customers.parquet"}' (FORMAT parquet, COMPRESSION zstd)
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE b AS
        SELECT c.customer_id, m,
               strftime(DATE '{FIRST_PERIOD}-01' + to_months(m), '%Y-%m') AS period,
               CASE WHEN hash(c.i, m, 'z') % 20 = 0 THEN 0.0
                    ELSE CAST(10 + (hash(c.i, m) % 1000) * (1 + rk) AS DOUBLE) END AS kwh,
               CAST(DATE '{FIRST_PERIOD}-15' + to_months(m + 1) AS DATE) AS due_date,
               ra, hash(c.i, m, 'p') % 100 AS rp
        FROM c, range({MONTHS}) s(m)
        """
    )
    con.execute(
        f"""
        COPY (
          SELECT customer_id, period, kwh, NULL::DOUBLE AS kwh_peak, NULL::DOUBLE AS kwh_flat,
                 NULL::DOUBLE AS kwh_valley, NULL::DOUBLE AS kwh_critical, NULL::DOUBLE AS kvarh,
                 NULL::DOUBLE AS max_demand_kw, CAST(round(kwh * 0.7, 2) AS DECIMAL(18,2)) AS amount_yuan, due_date
          FROM b ORDER BY customer_id, period
        ) TO '{store_dir / "billing.parquet"}' (FORMAT parquet, COMPRESSION zstd)
        """
    )
    # Payments: most bills paid once before the due date; some late, some in two parts, a few never.
    con.execute(
        f"""
        COPY (
          SELECT customer_id, period, paid_on, CAST(amount_yuan AS DECIMAL(18,2)) AS amount_yuan, 0::INTEGER AS seq
          FROM (
            SELECT customer_id, period,
                   CASE WHEN rp < 85 THEN due_date - 3 WHEN rp < 93 THEN due_date + CAST(rp % 45 AS INTEGER)
                        ELSE due_date - 10 END AS paid_on,
                   CASE WHEN rp >= 93 THEN round(kwh * 0.35, 2) ELSE round(kwh * 0.7, 2) END AS amount_yuan
            FROM b WHERE kwh > 0 AND NOT (ra < 3 AND rp >= 97)
            UNION ALL
            SELECT customer_id, period, due_date + CAST(rp % 20 AS INTEGER) AS paid_on,
                   round(kwh * 0.7, 2) - round(kwh * 0.35, 2) AS amount_yuan
            FROM b WHERE kwh > 0 AND rp >= 93 AND NOT (ra < 3 AND rp >= 97)
          ) ORDER BY customer_id, period, paid_on
        ) TO '{store_dir / "payments.parquet"}' (FORMAT parquet, COMPRESSION zstd)
        """
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
    result = duckdb.connect().sql(sql).to_arrow_table()
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


def main(argv: list[str]) -> None:
    sizes = [100_000, 1_000_000]
    pandas_max = 100_000  # pandas needs ~3 GB per 100,000 customers here: 1M would not fit in 24 GB
    for arg in argv:
        if arg.startswith("--grading-customers="):
            sizes = [int(x) for x in arg.split("=", 1)[1].split(",")]
        if arg.startswith("--grading-pandas-max="):
            pandas_max = int(arg.split("=", 1)[1])
    lines = [
        f"Machine: {machine()}. Date: {today()}.",
        "",
        f"Period {PERIOD}, standard rules; store of N customers × {MONTHS} months (bills and payments: partial, "
        "late and missing payments), Parquet zstd. Each implementation runs in its own process on the same "
        "files; time = the grading itself (reading the Parquet included; interpreter start and importing "
        "the step's libraries excluded); "
        "peak = max RSS of that process. All implementations agree on key accounts, grades and credit "
        "scores before their times count. Run: `make bench` or "
        "`uv run --frozen python -m benchmarks grading --grading-customers=100000,1000000`.",
        "",
        f"| customers | bills | payments | settle at import s | its peak MiB | engine s | engine peak MiB | engine ≤ {BOUNDED_MEMORY} s | its peak MiB "
        "| one-query SQL s | SQL peak MiB | pandas s | pandas peak MiB | vs SQL | vs pandas |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    results: list[dict[str, Any]] = []
    for customers in sizes:
        with tempfile.TemporaryDirectory(prefix="powerkam-grading-bench-") as tmp:
            store = Path(tmp)
            started = time.perf_counter()
            counts = make_store(store, customers)
            print(f"{customers:,} customers: data in {time.perf_counter() - started:.0f} s", flush=True)
            settle = run_child("benchmarks.grading_bench", "settle", str(store))
            engine = run_child("benchmarks.grading_bench", "engine", str(store))
            bounded = run_child(
                "benchmarks.grading_bench",
                "engine",
                str(store),
                env={"POWERKAM_DUCKDB_MEMORY_LIMIT": BOUNDED_MEMORY, "POWERKAM_DUCKDB_TEMP_DIR": str(store / "spill")},
            )
            sql = run_child("benchmarks.grading_bench", "sql", str(store))
            pandas = run_child("benchmarks.grading_bench", "pandas", str(store)) if customers <= pandas_max else None
            for name, other in (("sql", sql), ("pandas", pandas), ("bounded engine", bounded)):
                if other is not None and {k: other[k] for k in ("key", "grades", "credit_sum")} != {
                    k: engine[k] for k in ("key", "grades", "credit_sum")
                }:
                    raise RuntimeError(f"{name} disagrees with the engine: {other} vs {engine}")
            results.append({"customers": customers, "engine": engine, "bounded": bounded, "sql": sql, "pandas": pandas})
            vs_sql = sql["seconds"] / engine["seconds"]
            vs_pandas = f"{pandas['seconds'] / engine['seconds']:.1f}×" if pandas else "—"
            print(
                f"  settle (import-time) {settle['seconds']:.1f} s / {settle['peak_mib']:,.0f} MiB; "
                f"engine {engine['seconds']:.1f} s / {engine['peak_mib']:,.0f} MiB; "
                f"engine ≤ {BOUNDED_MEMORY} {bounded['seconds']:.1f} s / {bounded['peak_mib']:,.0f} MiB; "
                f"SQL {sql['seconds']:.1f} s / {sql['peak_mib']:,.0f} MiB"
                + (f"; pandas {pandas['seconds']:.1f} s / {pandas['peak_mib']:,.0f} MiB" if pandas else ""),
                flush=True,
            )
            lines.append(
                f"| {customers:,} | {counts['bills']:,} | {counts['payments']:,} | "
                f"{settle['seconds']:.1f} | {settle['peak_mib']:,.0f} | {engine['seconds']:.1f} | "
                f"{engine['peak_mib']:,.0f} | {bounded['seconds']:.1f} | {bounded['peak_mib']:,.0f} | "
                f"{sql['seconds']:.1f} | {sql['peak_mib']:,.0f} | "
                + (f"{pandas['seconds']:.1f} | {pandas['peak_mib']:,.0f} | " if pandas else "— | — | ")
                + f"{vs_sql:.1f}× | {vs_pandas} |"
            )
    lines += _verdict(results)
    write_section("Grading", "\n".join(lines))


def _verdict(results: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, met or not, on the largest base measured; and where the time goes."""
    if not results:
        return []
    last = results[-1]
    vs_sql = last["sql"]["seconds"] / last["engine"]["seconds"]
    checks = [
        f"- ≥ 3× faster than the one-query SQL: {vs_sql:.1f}× — {'met' if vs_sql >= 3 else 'not met'};",
        f"- ≤ 4 GB peak at {last['customers']:,} customers: {last['engine']['peak_mib']:,.0f} MiB unbounded, "
        f"{last['bounded']['peak_mib']:,.0f} MiB with DuckDB bounded to {BOUNDED_MEMORY} — "
        f"{'met' if min(last['engine']['peak_mib'], last['bounded']['peak_mib']) <= 4096 else 'not met'};",
    ]
    with_pandas = [r for r in results if r["pandas"]]
    if with_pandas:
        r = with_pandas[-1]
        ratio = r["pandas"]["seconds"] / r["engine"]["seconds"]
        checks.append(
            f"- ≥ 20× faster than pandas (at {r['customers']:,}): {ratio:.1f}× — {'met' if ratio >= 20 else 'not met'}."
        )
    return [
        "",
        f"Targets of issue 4, on the largest base measured ({last['customers']:,} customers):",
        "",
        *checks,
        "",
        "How: the importer settles every bill once, after each billing or payments import, into the derived "
        "`settlements` dataset (one row per bill: `paid_yuan`, `settled_on` and `last_paid_on` over all its "
        "payments; the *settle at import* columns, run here exactly as the importer runs it, not counted in "
        "the engine's time). The engine reads it instead of joining every bill to its payments: a bill whose "
        "last payment is on or before `as_of` takes its stored answer; only bills with a payment after "
        "`as_of` (here the latest month's and some of the month before) are settled again from the payments "
        "table; paid bills older than the window are dropped before the per-customer aggregation. "
        "Integer customer keys were measured and not adopted: grouping 36 M rows by an integer key was no "
        "faster than by the text id here. The one-query SQL and pandas still read the raw billing and "
        "payments (their cost is what the importer now pays once per import).",
        "",
        "Notes: peak is the step process's own `VmHWM` (until 2026-11-27 it was `ru_maxrss`, which a child "
        "inherits from the benchmark process that generated the data, so earlier peaks of the engine and SQL "
        "read about 8 GB whatever they used). The settle step is what every billing or payments import now "
        "adds; at 1,000,000 customers it needs as much memory as the one-query SQL (DuckDB's bill-to-payments"
        " join); bounding it is open work. Times vary with the machine's load: an earlier run of this version"
        " under other sessions' tests, with the library imports still inside the clock (about 1.5 s: this "
        "environment sets PYTHONDONTWRITEBYTECODE, so pandas and ibis are compiled from source in every "
        "process), measured 10.0 s for the engine vs 24.3 s for the SQL at 1,000,000 (2.4×). pandas was not "
        "run at 1,000,000 customers: it needs about 3 GB per 100,000 customers of this data.",
    ]


if __name__ == "__main__":
    _child(sys.argv[1:])
