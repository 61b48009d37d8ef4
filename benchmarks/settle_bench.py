"""Importing one new month incrementally vs settling every bill again (``powerkam data rebuild``).

A store of N customers × 35 months (bills and the payments made up to the new month: partial,
late and missing ones, as in the grading benchmark), landed one file per period and settled. Then
the new month comes in as the marketing system sends it: a billing CSV of the month's bills and a
payments CSV of the payments made in that month (mostly the previous month's bills, some later
ones). Timed, each the whole ``powerkam`` process (start-up, validation, landing, settling, the run
log): ``powerkam import billing``, then ``powerkam import payments``; against, in the same run on
the same store, ``powerkam data rebuild`` (every bill settled again: what every import did
before). The settlements after the imports must equal those of the rebuild, row by row, before
the times count. Target: the two imports together ≤ 1/10 of the rebuild.

Options: ``--settle-customers=N[,N…]`` (default ``100000,1000000``), ``--settle-dir=DIR`` (where
the stores are generated, default the system's temporary directory; each is deleted after its line).
Steps run in their own processes: ``python -m benchmarks.settle_bench generate DATA_DIR N`` and
``… compare STORE_DIR DIR_A DIR_B``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import machine, today, write_section

#: The new month (the grading benchmark's last period) and the day its payments extract starts.
NEW_PERIOD = "2026-10"
PAID_FROM, PAID_TO = "2026-10-01", "2026-11-01"
TARGET = 10.0


# --- steps (child processes) ------------------------------------------------------------------


def generate(data_dir: Path, customers: int, high_voltage_pct: int = 12) -> dict[str, int]:
    """The store before the new month (landed and settled as the importer leaves it) and the month's two
    files; ``high_voltage_pct`` as in :func:`benchmarks.grading_bench.make_store`, whose rows these are.

    Generated one period at a time, straight into that period's file: each month's bills and
    payments are a function of (customer, month, part) only (``grading_bench.bills_sql``), so no step
    holds more than a month. Generating the whole history first and splitting it by period held all
    of it in one DuckDB table: at 10,000,000 customers (350 M bills) that spilled 21 GB and took hours."""
    import duckdb
    from dateutil.relativedelta import relativedelta

    from benchmarks.grading_bench import FIRST_PERIOD, MONTHS, billing_sql, bills_sql, customers_sql, payments_sql
    from powerkam.analytics import settlement, store
    from powerkam.analytics.io import writer

    target = data_dir / "store"
    target.mkdir(parents=True)
    files = data_dir / "files"
    files.mkdir()
    con = duckdb.connect(config={"memory_limit": "4GB", "temp_directory": str(data_dir / ".gen")})
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"COPY ({customers_sql(customers, high_voltage_pct)}) TO '{target / 'customers.parquet'}' "
        "(FORMAT parquet, COMPRESSION zstd)"
    )
    folders = {kind: store.new_parts_dir(target, kind) for kind in ("billing", "payments")}
    order = {kind: ", ".join(store.KEYS[kind]) for kind in folders}
    # The new month's payments (made in the month, for any month's bill) go to the payments file.
    con.execute(
        "CREATE TEMP TABLE new_payments (customer_id VARCHAR, period VARCHAR, paid_on DATE, amount_yuan DECIMAL(18,2))"
    )
    first = dt.date.fromisoformat(f"{FIRST_PERIOD}-01")
    payments_count = 0
    for m in range(MONTHS):
        period = (first + relativedelta(months=m)).strftime("%Y-%m")
        bills = f"SELECT * FROM ({billing_sql(bills_sql(f'j AS i, {m} AS m, 0 AS part', customers))})"
        if period < NEW_PERIOD:
            path = folders["billing"] / store.partition_name(period)
            writer._copy_period(con, f"{bills} ORDER BY {order['billing']}", path)
        else:
            con.execute(
                f"COPY (SELECT customer_id, period, kwh, amount_yuan, strftime(due_date, '%Y-%m-%d') AS due_date "
                f"FROM ({bills}) ORDER BY customer_id) TO '{files / 'billing.csv'}' (HEADER, DELIMITER ',')"
            )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE month_payments AS "
            + payments_sql(bills_sql(f"j // 2 AS i, {m} AS m, j % 2 AS part", customers * 2))
        )
        payments_count += con.execute("SELECT count(*) FROM month_payments").fetchall()[0][0]
        con.execute(
            f"INSERT INTO new_payments SELECT customer_id, period, paid_on, amount_yuan FROM month_payments "
            f"WHERE paid_on >= DATE '{PAID_FROM}' AND paid_on < DATE '{PAID_TO}'"
        )
        kept = f"SELECT * FROM month_payments WHERE paid_on < DATE '{PAID_FROM}'"
        if con.execute(f"SELECT count(*) FROM ({kept})").fetchall()[0][0]:
            writer._copy_period(
                con, f"{kept} ORDER BY {order['payments']}", folders["payments"] / store.partition_name(period)
            )
    con.execute("DROP TABLE month_payments")
    for kind, folder in folders.items():
        store.write_pointer(target, kind, folder)
    con.execute(
        f"COPY (SELECT customer_id, period, strftime(paid_on, '%Y-%m-%d') AS paid_on, amount_yuan FROM new_payments "
        f"ORDER BY customer_id, period, paid_on) TO '{files / 'payments.csv'}' (HEADER, DELIMITER ',')"
    )
    new = {
        "new_bills": con.execute(f"SELECT count(*) FROM read_csv('{files / 'billing.csv'}')").fetchall()[0][0],
        "new_payments": con.execute(f"SELECT count(*) FROM read_csv('{files / 'payments.csv'}')").fetchall()[0][0],
        "periods_paid": con.execute("SELECT count(DISTINCT period) FROM new_payments").fetchall()[0][0],
        "store_bills": store.dataset_rows(target, "billing"),
        "store_payments": store.dataset_rows(target, "payments"),
    }
    con.close()
    settlement.build_settlements(target)
    return {"customers": customers, "bills": customers * MONTHS, "payments": payments_count, **new}


def compare(store_dir: Path, a: Path, b: Path) -> dict[str, int]:
    """Rows of the settlements in *a* and not in *b*, and the other way round (the days of a bill paid
    on several days in no particular order: sorted first)."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": "4GB", "temp_directory": str(store_dir / ".spill")})
    con.execute("SET enable_progress_bar = false")

    def rows(folder: Path) -> str:
        return f"SELECT * REPLACE (list_sort(payment_days) AS payment_days) FROM read_parquet('{folder}/*.parquet')"

    only_a = con.execute(f"SELECT count(*) FROM ({rows(a)} EXCEPT ALL {rows(b)})").fetchall()[0][0]
    only_b = con.execute(f"SELECT count(*) FROM ({rows(b)} EXCEPT ALL {rows(a)})").fetchall()[0][0]
    total = con.execute(f"SELECT count(*) FROM read_parquet('{a}/*.parquet')").fetchall()[0][0]
    return {"only_incremental": only_a, "only_rebuilt": only_b, "rows": total}


# --- the run ----------------------------------------------------------------------------------


def _child(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.settle_bench", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"settle_bench {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time, peak RSS (MiB, the process's own: its parent here is small) and CPU time (user +
    system, all its threads) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-3000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _pointer_dir(store_dir: Path) -> Path:
    return store_dir / json.loads((store_dir / "settlements.json").read_text())["dir"]


def run_line(customers: int, root: Path) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="powerkam-settle-bench-", dir=root))
    try:
        script = shutil.which("powerkam") or str(Path(sys.executable).with_name("powerkam"))
        env = {**os.environ, "POWERKAM_DATA_DIR": str(data_dir), "POWERKAM_SECRET_KEY": "settle-bench-" + "s" * 50}
        for name in ("POWERKAM_DEBUG", "DATABASE_URL", "POWERKAM_FAULT_AT"):
            env.pop(name, None)
        subprocess.run([script, "migrate", "-v", "0"], env=env, check=True)
        counts = _child("generate", str(data_dir), str(customers))
        print(f"{customers:,}: generated {counts}", flush=True)
        store_dir, files = data_dir / "store", data_dir / "files"
        billing = _timed([script, "import", "billing", str(files / "billing.csv"), "--no-progress"], env)
        payments = _timed([script, "import", "payments", str(files / "payments.csv"), "--no-progress"], env)
        pointer = json.loads((store_dir / "settlements.json").read_text())
        if pointer.get("settled") != "incremental":
            raise RuntimeError(f"the imports did not settle incrementally: {pointer}")
        incremental = _pointer_dir(store_dir)
        keep = data_dir / "incremental-settlements"
        shutil.copytree(incremental, keep, copy_function=os.link)  # the rebuild prunes old directories
        rebuild = _timed([script, "data", "rebuild"], env)
        same = _child("compare", str(store_dir), str(keep), str(_pointer_dir(store_dir)))
        if same["only_incremental"] or same["only_rebuilt"]:
            raise RuntimeError(f"the incremental settlements differ from the rebuild: {same}")
        line = {
            "customers": customers,
            **counts,
            "billing_s": billing[0],
            "billing_mib": billing[1],
            "billing_cpu_s": billing[2],
            "payments_s": payments[0],
            "payments_mib": payments[1],
            "payments_cpu_s": payments[2],
            "rebuild_s": rebuild[0],
            "rebuild_mib": rebuild[1],
            "rebuild_cpu_s": rebuild[2],
            "compared_rows": same["rows"],
            "load": os.getloadavg(),
        }
        print(json.dumps(line), flush=True)
        return line
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str]) -> None:
    sizes, root = [100_000, 1_000_000], Path(tempfile.gettempdir())
    for arg in argv:
        if arg.startswith("--settle-customers="):
            sizes = [int(n) for n in arg.split("=", 1)[1].split(",")]
        elif arg.startswith("--settle-dir="):
            root = Path(arg.split("=", 1)[1])
    lines = [run_line(n, root) for n in sizes]
    rows = []
    for x in lines:
        imports = x["billing_s"] + x["payments_s"]
        ratio = x["rebuild_s"] / imports
        cpu = x["billing_cpu_s"] + x["payments_cpu_s"]
        rows.append(
            f"| {x['customers']:,} | {x['store_bills']:,} | {x['store_payments']:,} | {x['new_bills']:,} | "
            f"{x['new_payments']:,} ({x['periods_paid']} periods) | {x['billing_s']:.1f} | {x['billing_mib']:,.0f} | "
            f"{x['payments_s']:.1f} | {x['payments_mib']:,.0f} | {imports:.1f} | {x['rebuild_s']:.1f} | "
            f"{x['rebuild_mib']:,.0f} | 1/{ratio:.1f} | {'yes' if ratio >= TARGET else 'no'} | "
            f"{cpu:.1f} / {x['rebuild_cpu_s']:.1f} = 1/{x['rebuild_cpu_s'] / cpu:.1f} | {x['load'][0]:.1f} |"
        )
    body = f"""
Machine: {machine()}. Date: {today()}.

A store of N customers × 35 months (the grading benchmark's generated bills and payments: partial,
late and missing ones), one file per period as the importer lands it, settled. The new month comes in
as two CSV files: the month's bills, and the payments made in the month ({PAID_FROM} … {PAID_TO},
mostly for the previous month's bills, some for older ones). Each time is the whole `powerkam`
process (start-up, reading, validation against the contract and the known customers, landing,
settling, the run log); peak = that process's peak RSS. Baseline, in the same run on the same store:
`powerkam data rebuild`, which settles every bill again, as every billing or payments import did
before. The settlements after the two imports equal those of the rebuild, row by row (checked
before the times count). Target: the two imports together ≤ 1/10 of the rebuild (wall time); the
CPU time (user + system of all the process's threads) is given beside it, as it depends less on what
else the shared machine runs. Run: `make bench`
or `uv run --frozen python -m benchmarks settle --settle-customers=100000,1000000`.

| customers | bills in store | payments in store | new bills | new payments | import billing s | its peak MiB | import payments s | its peak MiB | both imports s | `data rebuild` s | its peak MiB | imports / rebuild | target met | CPU s: imports / rebuild | load average |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|
{chr(10).join(rows)}
"""
    write_section("Import of a new month (incremental settling)", body)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "generate":
        pct = int(sys.argv[4]) if len(sys.argv) > 4 else 12
        print(json.dumps(generate(Path(sys.argv[2]), int(sys.argv[3]), pct), default=int))
    elif len(sys.argv) > 1 and sys.argv[1] == "compare":
        print(json.dumps(compare(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        main(sys.argv[1:])
