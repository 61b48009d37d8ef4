"""Billing import: rows/s validating a large CSV and Parquet file, PowerKAM vs pandas.

PowerKAM's path is the importer's own read + validate (DuckDB, bulk SQL); the baseline is
``pandas.read_csv`` (or ``read_parquet``) plus the same checks, vectorised. Both run in
separate processes on the same files in the same run. Target: ≥ 3× the pandas baseline.

Options: ``--import-rows N`` (default 10,000,000).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from benchmarks.report import machine, run_child, today, write_section

MONTHS = 36


def _make_files(workdir: Path, rows: int) -> tuple[Path, Path, Path]:
    customers = rows // MONTHS
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE billing AS SELECT 'C' || lpad(CAST(c AS VARCHAR), 8, '0') AS customer_id, "
        f"strftime(DATE '2023-11-01' + to_months(m), '%Y-%m') AS period, "
        f"round(1000 + (c * 7919 + m * 104729) % 500000, 1) AS kwh, "
        f"round((1000 + (c * 7919 + m * 104729) % 500000) * 0.65, 2) AS amount_yuan, "
        f"strftime(DATE '2023-12-15' + to_months(m), '%Y-%m-%d') AS due_date "
        f"FROM range({customers}) r(c), range({MONTHS}) s(m)"
    )
    csv, parquet, known = workdir / "billing.csv", workdir / "billing.parquet", workdir / "customers.parquet"
    con.execute(f"COPY billing TO '{csv}' (HEADER, DELIMITER ',')")
    con.execute(f"COPY billing TO '{parquet}' (FORMAT parquet, COMPRESSION zstd)")
    con.execute(f"COPY (SELECT DISTINCT customer_id FROM billing) TO '{known}' (FORMAT parquet)")
    return csv, parquet, known


def main(argv: list[str]) -> None:
    rows = 10_000_000
    for arg in argv:
        if arg.startswith("--import-rows="):
            rows = int(arg.split("=", 1)[1])
    with tempfile.TemporaryDirectory(prefix="powerkam-bench-") as tmp:
        csv, parquet, known = _make_files(Path(tmp), rows)
        size_mib = csv.stat().st_size / 2**20
        lines = [
            f"Machine: {machine()}. Date: {today()}.",
            "",
            f"{rows:,} billing rows ({size_mib:,.0f} MiB CSV), validated against the data contract "
            "(required values, finite numbers within the contract's plausible ranges, period, dates within "
            "1949-10-01 … today + 10 years, duplicate keys, known customers; the pandas baseline makes the "
            "same checks). "
            "Each step in its own process; time excludes interpreter start; peak = that process's own VmHWM (not ru_maxrss, which a child inherits from the benchmark process).",
            "",
            "| file | PowerKAM rows/s | PowerKAM peak MiB | pandas rows/s | pandas peak MiB | speed-up |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, path in (("CSV", csv), ("Parquet", parquet)):
            ours = run_child("benchmarks.import_steps", "powerkam", str(path), str(known))
            base = run_child("benchmarks.import_steps", "pandas", str(path), str(known))
            ours_rate, base_rate = ours["rows"] / ours["seconds"], base["rows"] / base["seconds"]
            print(
                f"{label}: powerkam {ours_rate:,.0f} rows/s ({ours['peak_mib']:,.0f} MiB), pandas {base_rate:,.0f} rows/s ({base['peak_mib']:,.0f} MiB), ratio {ours_rate / base_rate:.1f}x",
                flush=True,
            )
            lines.append(
                f"| {label} | {ours_rate:,.0f} | {ours['peak_mib']:,.0f} | {base_rate:,.0f} | {base['peak_mib']:,.0f} | {ours_rate / base_rate:.1f}× |"
            )
    write_section("Import (billing validation)", "\n".join(lines))
