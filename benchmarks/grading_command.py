"""The whole ``powerkam grade`` command, as a user runs it, against the one-query DuckDB SQL (issue 21).

``python -m benchmarks grading --grading-command[=sqlite,postgresql]`` with
``--grading-customers=N[,N…]`` (default 1,000,000), ``--grading-high-voltage=P[,P…]`` (percent of
the base at 10 kV and above, default ``2,45``: about 2 % and 40 % key accounts), ``--grading-dir``,
``--grading-log``, ``--grading-section`` (default "Grading, whole command"), ``--grading-store=DIR``
(keep each store, settled, in ``DIR/N-P`` and reuse it on the next run instead of generating it
again: at 1,000,000 customers generating and settling takes 10–20 minutes on a loaded machine),
``--grading-report-from=LOG[,LOG…]`` (write the section from the lines of earlier runs'
``--grading-log`` files instead of running: e.g. one run per share, one after the other).

For each size and share: the grading benchmark's store (36 months of bills and payments), settled as
the importer settles it (not timed here), then in the same run:

- the one-query SQL (``grading_bench.step_sql``: the query alone, libraries imported before its clock);
- ``evaluate()`` alone (``grading_bench.step_engine``: libraries imported before its clock);
- the engine alone as a process, per period (``benchmarks/grading_engine.py``: interpreter start,
  importing the engine, reading the store and evaluating the period, timed as a whole process like
  the command) — the baseline of the issue's target, the whole command ≤ 3× the engine alone;
- per database, on a fresh CRM (migrated, not timed): ``powerkam grade --period 2026-09`` (the first
  run: every key account is new to the CRM and created) and then ``powerkam grade --period 2026-10``
  (a month later: compared with 2026-09, accounts updated) — each the whole process, interpreter start,
  Django set-up and the engine included, with its peak RSS (``benchmarks.measure``).

PostgreSQL: 127.0.0.1:5432, user postgres (trust), database ``powerkam_bench_grading`` (re-created).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.grading_bench import _run_step, make_store
from benchmarks.report import machine, today, write_section

PG_URL = "postgres://postgres@127.0.0.1:5432/{db}"
PG_DB = "powerkam_bench_grading"
PERIODS = ("2026-09", "2026-10")
TARGET = 3.0
ENGINE_SCRIPT = Path(__file__).with_name("grading_engine.py")


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _pg_fresh() -> None:
    import psycopg

    with psycopg.connect(PG_URL.format(db="postgres"), autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {PG_DB}")


def _measure(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", *argv],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["returncode"] != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({out['returncode']}): {out['stderr']}")
    return out


def prepare_store(store: Path, customers: int, share: int) -> dict[str, Any] | None:
    """The store generated and settled, or reused as it is when a previous run left it settled.

    Returns the settle step's figures when it ran, ``None`` when the store was reused."""
    done = store / ".settled.json"
    if done.exists():
        return None
    make_store(store, customers, high_voltage_pct=share)
    settle = _run_step("settle", store)
    done.write_text(json.dumps(settle), encoding="utf-8")
    return settle


def _commands(database: str, store: Path, work: Path, extra_env: dict[str, str]) -> dict[str, Any]:
    script = str(Path(sys.executable).with_name("powerkam"))
    data_dir = work / f"data-{database}"
    data_dir.mkdir()
    (data_dir / "store").symlink_to(store, target_is_directory=True)
    env = {
        **os.environ,
        "POWERKAM_DATA_DIR": str(data_dir),
        "POWERKAM_SECRET_KEY": "grading-bench-" + "x" * 50,
        **extra_env,
    }
    env.pop("POWERKAM_DEBUG", None)
    if database == "postgresql":
        _pg_fresh()
        env["DATABASE_URL"] = PG_URL.format(db=PG_DB)
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run([script, "migrate", "-v", "0"], env=env, check=True)
    runs: dict[str, Any] = {}
    for period in PERIODS:
        load = _load()
        runs[period] = {**_measure([script, "grade", "--period", period], env), "load": load}
        print(
            f"    {database}: grade {period} {runs[period]['seconds']:.1f} s, {runs[period]['peak_mib']:,.0f} MiB "
            f"(load {load})",
            flush=True,
        )
    return runs


def _engine_alone(store: Path) -> dict[str, Any]:
    """The engine alone as a whole process (``benchmarks/grading_engine.py``), per period."""
    env = {**os.environ}
    env.pop("POWERKAM_DEBUG", None)
    runs: dict[str, Any] = {}
    for period in PERIODS:
        load = _load()
        runs[period] = {**_measure([sys.executable, str(ENGINE_SCRIPT), str(store), period], env), "load": load}
        print(
            f"  engine alone {period}: {runs[period]['seconds']:.1f} s, {runs[period]['peak_mib']:,.0f} MiB "
            f"(load {load})",
            flush=True,
        )
    return runs


def pg_insert_probe(rows: int = 100_000) -> dict[str, float]:
    """COPY against executemany for grade rows on PostgreSQL (what ``grading.recording`` chose between)."""
    import psycopg

    reasons = json.dumps([{"code": "key_by_kwh", "params": {"annual_kwh": "1,234,567", "months": 12}}])
    data = [
        (1, i, True, "B", 90, i / rows, i * 10.5, "123456.78", 12, 1, 3, "0.00", reasons, "same", "B")
        for i in range(rows)
    ]
    columns = (
        "run_id, account_id, key_account, grade, credit_score, value_rank, annual_kwh, annual_revenue_yuan, "
        "active_months, late_payments, max_days_late, overdue_yuan, reasons, change, previous_grade"
    )
    ddl = (
        "CREATE TEMP TABLE probe (run_id bigint, account_id bigint, key_account boolean, grade varchar(1), "
        "credit_score smallint, value_rank double precision, annual_kwh double precision, "
        "annual_revenue_yuan numeric(18,2), active_months smallint, late_payments smallint, max_days_late integer, "
        "overdue_yuan numeric(18,2), reasons jsonb, change varchar(10), previous_grade varchar(1))"
    )
    with psycopg.connect(PG_URL.format(db="postgres")) as con:
        con.execute(ddl)
        cursor = con.cursor()
        started = time.perf_counter()
        with cursor.copy(f"COPY probe ({columns}) FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
        copy_s = time.perf_counter() - started
        con.execute("TRUNCATE probe")
        started = time.perf_counter()
        cursor.executemany(f"INSERT INTO probe ({columns}) VALUES ({', '.join(['%s'] * 15)})", data)
        executemany_s = time.perf_counter() - started
        con.rollback()
    return {"rows": rows, "copy_s": copy_s, "executemany_s": executemany_s}


def main(argv: list[str]) -> None:
    sizes = [1_000_000]
    shares = [2, 45]
    databases = ["sqlite", "postgresql"]
    workdir: str | None = None
    keep: Path | None = None
    log: Path | None = None
    section = "Grading, whole command"
    for arg in argv:
        if arg.startswith("--grading-command="):
            databases = arg.split("=", 1)[1].split(",")
        if arg.startswith("--grading-customers="):
            sizes = [int(x) for x in arg.split("=", 1)[1].split(",")]
        if arg.startswith("--grading-high-voltage="):
            shares = [int(x) for x in arg.split("=", 1)[1].split(",")]
        if arg.startswith("--grading-dir="):
            workdir = arg.split("=", 1)[1]
        if arg.startswith("--grading-log="):
            log = Path(arg.split("=", 1)[1])
        if arg.startswith("--grading-section="):
            section = arg.split("=", 1)[1]
        if arg.startswith("--grading-store="):
            keep = Path(arg.split("=", 1)[1])
    rows: list[dict[str, Any]] = []
    for arg in argv:
        if arg.startswith("--grading-report-from="):
            for name in arg.split("=", 1)[1].split(","):
                rows += [json.loads(line) for line in Path(name).read_text(encoding="utf-8").splitlines() if line]
            write_section(section, _report(rows, databases, None))
            return
    for customers in sizes:
        for share in shares:
            with tempfile.TemporaryDirectory(prefix="powerkam-grade-command-", dir=workdir) as tmp:
                work = Path(tmp)
                store = (keep / f"{customers}-{share}") if keep is not None else work / "store"
                started = time.perf_counter()
                settle = prepare_store(store, customers, share)
                print(
                    f"{customers:,} customers, {share} % at ≥ 10 kV: data in {time.perf_counter() - started:.0f} s"
                    + (" (reused)" if settle is None else ""),
                    flush=True,
                )
                row: dict[str, Any] = {"customers": customers, "high_voltage_pct": share, "load_before": _load()}
                row["sql"] = _run_step("sql", store)
                row["engine"] = _run_step("engine", store)
                row["engine_process"] = _engine_alone(store)
                row["settle"] = settle
                print(
                    f"  SQL {row['sql']['seconds']:.1f} s; engine {row['engine']['seconds']:.1f} s; "
                    f"key accounts {row['engine']['key']:,}",
                    flush=True,
                )
                for database in databases:
                    row[database] = _commands(database, store, work, {})
                row["load_after"] = _load()
                rows.append(row)
                if log is not None:
                    with log.open("a", encoding="utf-8") as fh:
                        fh.write(json.dumps(row) + "\n")
    probe = pg_insert_probe() if "postgresql" in databases else None
    write_section(section, _report(rows, databases, probe))


def _verdict(ratio: float) -> str:
    return "met" if ratio <= TARGET else f"not met: {ratio / TARGET:.2f}× the target"


def _report(rows: list[dict[str, Any]], databases: list[str], probe: dict[str, float] | None) -> str:
    lines = [
        f"Machine: {machine()}. Date: {today()}. The machine is shared: load average (1/5/15 min) noted per line "
        "(when that line's first grade started); the ratios within a line (same run) are the figures.",
        "",
        "The grading benchmark's store (N customers × 36 months of bills and payments), settled as the importer "
        "settles it. *SQL* = the one-query DuckDB SQL (the query alone, in its own process, libraries imported "
        "before its clock); *evaluate()* = the engine's `evaluate()` call alone, timed the same way; *engine "
        "alone* = a whole process that starts Python, imports the engine (Ibis, DuckDB, PyArrow), reads the "
        "store and evaluates the period into an Arrow table of every customer, then exits "
        "(`benchmarks/grading_engine.py`; no Django, no CRM), one per period; *grade* = the whole "
        "`powerkam grade --period …` process as a user runs it (interpreter start, Django, the checks of the "
        "request, the engine and recording the run in the CRM), on a fresh CRM: 2026-09 first (every key "
        "account is new and created, with its history), then 2026-10 (compared with 2026-09). Both processes are "
        "timed whole, from start to exit, by `benchmarks.measure`. *vs engine* = grade / engine alone of the "
        "same period. Peak = the process's peak RSS. Targets (issue 21): grade ≤ 3× the engine alone, "
        "≤ 3× the SQL, peak ≤ 4 GB. Run: "
        "`uv run --frozen python -m benchmarks grading --grading-command=sqlite,postgresql "
        "--grading-customers=1000000 --grading-high-voltage=2,45`.",
        "",
        "| customers | at ≥ 10 kV | key accounts | database | load | SQL s | evaluate() s | engine alone s "
        "(09 / 10) | grade 2026-09 s | its peak MiB | vs engine | vs SQL | grade 2026-10 s | its peak MiB "
        "| vs engine | vs SQL |",
        "|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for r in rows:
        sql = r["sql"]["seconds"]
        alone = {p: r["engine_process"][p]["seconds"] for p in PERIODS}
        alone_peak = max(r["engine_process"][p]["peak_mib"] for p in PERIODS)
        for database in databases:
            first, second = (r[database][p] for p in PERIODS)
            p1, p2 = PERIODS
            lines.append(
                f"| {r['customers']:,} | {r['high_voltage_pct']} % | {r['engine']['key']:,} | {database} | "
                f"{first.get('load', r['load_before'])} | {sql:.1f} | {r['engine']['seconds']:.1f} | "
                f"{alone[p1]:.1f} / {alone[p2]:.1f} | {first['seconds']:.1f} | {first['peak_mib']:,.0f} | "
                f"{first['seconds'] / alone[p1]:.2f}× | {first['seconds'] / sql:.2f}× | {second['seconds']:.1f} | "
                f"{second['peak_mib']:,.0f} | {second['seconds'] / alone[p2]:.2f}× | {second['seconds'] / sql:.2f}× |"
            )
            vs_engine = max(first["seconds"] / alone[p1], second["seconds"] / alone[p2])
            vs_sql = max(first["seconds"], second["seconds"]) / sql
            peak = max(first["peak_mib"], second["peak_mib"])
            verdicts.append(
                f"- {r['customers']:,} customers, {r['engine']['key']:,} key accounts, {database}: "
                f"{vs_engine:.2f}× the engine alone ({_verdict(vs_engine)}), {vs_sql:.2f}× the SQL "
                f"({_verdict(vs_sql)}), peak {peak:,.0f} MiB ({'met' if peak <= 4096 else 'not met'}; "
                f"the engine alone {alone_peak:,.0f} MiB)."
            )
    if probe:
        verdicts += [
            "",
            f"PostgreSQL, {probe['rows']:,} grade rows into a table of the same columns (same run): `COPY … FROM "
            f"STDIN` {probe['copy_s']:.2f} s, psycopg's `executemany` {probe['executemany_s']:.2f} s "
            f"({probe['executemany_s'] / probe['copy_s']:.1f}× slower; `bulk_create` builds a model instance per "
            "row on top of an INSERT): the recording uses COPY on PostgreSQL.",
        ]
    return "\n".join([*lines, "", "Targets:", "", *verdicts])
