"""``powerkam nightly`` end to end: a month's extracts dropped in the incoming folder, then one night.

The store of the settle benchmark (N customers × 35 months of bills and payments, one file per period,
settled; streamed by DuckDB from ``range``, so 10,000,000 customers need no list in Python), with a
realistic key-account share (``--nightly-high-voltage``, default 2 % of the base at 10 kV and above)
and the previous month (2026-09) graded, as the night before left it. Into the incoming folder go
the new month's billing (``billing-2026-10.csv``) and payments (``payments-2026-10.csv``) as the
marketing system sends them, and the staff list (nine people, so the overview step prepares real
users' pages). Then ``powerkam nightly --today 2026-11-05`` as a whole process, with the nightly
backup on: import pick-up, settle, grade 2026-10, health snapshot, overview figures, backup.

Recorded: the whole process's wall time, CPU time and peak RSS (``wait4``), and each step's time
and peak RSS from the run's own JSON report (the peak is reset before each step, Linux
``clear_refs``, so a step's peak is its own).

Options: ``--nightly-customers=N[,N…]`` (default ``100000,1000000``), ``--nightly-high-voltage=PCT``
(default 2), ``--nightly-dir=DIR`` (where the sites are generated, default the system's temporary
directory; each is deleted after its line).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import machine, today, write_section
from benchmarks.settle_bench import _child as settle_child

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "samples"
PREVIOUS, PERIOD, DAY = "2026-09", "2026-10", "2026-11-05"
STEP_NAMES = ("pickup", "settle", "grade", "health", "overview", "backup")


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int, str, str]:
    """Wall time, peak RSS (MiB, the process's own), CPU time (user + system), exit code, stdout, stderr.

    stdout and stderr go to files (a pipe could fill while ``wait4`` waits)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return (
            wall,
            usage.ru_maxrss / 1024,
            usage.ru_utime + usage.ru_stime,
            os.waitstatus_to_exitcode(status),
            out.read().decode(),
            err.read().decode(),
        )


def run_line(customers: int, high_voltage_pct: int, root: Path) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="powerkam-nightly-bench-", dir=root))
    try:
        script = shutil.which("powerkam") or str(Path(sys.executable).with_name("powerkam"))
        env = {
            **os.environ,
            "POWERKAM_DATA_DIR": str(data_dir),
            "POWERKAM_SECRET_KEY": "nightly-bench-" + "s" * 50,
            "POWERKAM_INCOMING_QUIET_SECONDS": "0",
            "POWERKAM_BACKUP_DIR": str(data_dir / "backups"),
            "POWERKAM_BACKUP_KEEP": "1",
        }
        for name in ("POWERKAM_DEBUG", "DATABASE_URL", "POWERKAM_FAULT_AT", "POWERKAM_NIGHTLY_AT"):
            env.pop(name, None)
        subprocess.run([script, "migrate", "-v", "0"], env=env, check=True)
        started = time.perf_counter()
        counts = settle_child("generate", str(data_dir), str(customers), str(high_voltage_pct))
        generated_s = time.perf_counter() - started
        print(f"{customers:,}: generated in {generated_s:.0f} s {counts}", flush=True)
        previous = _timed([script, "grade", "--period", PREVIOUS, "--format", "json"], {**env})
        if previous[3] != 0:
            raise RuntimeError(f"grading {PREVIOUS} failed: {previous[5][-3000:]}")
        print(f"{customers:,}: {PREVIOUS} graded in {previous[0]:.0f} s (the night before)", flush=True)
        incoming = data_dir / "incoming"
        incoming.mkdir()
        shutil.move(data_dir / "files" / "billing.csv", incoming / f"billing-{PERIOD}.csv")
        shutil.move(data_dir / "files" / "payments.csv", incoming / f"payments-{PERIOD}.csv")
        shutil.copyfile(SAMPLES / "staff.csv", incoming / "staff.csv")
        store_mib = sum(p.stat().st_size for p in (data_dir / "store").rglob("*") if p.is_file()) / 2**20
        wall, peak, cpu, code, out, err = _timed(
            [script, "nightly", "--today", DAY, "--format", "json", "--quiet"], env
        )
        if code not in (0, 2) or not out.strip():
            raise RuntimeError(f"powerkam nightly failed ({code}): {err[-3000:]}\n{out[-3000:]}")
        report = json.loads(out)
        steps = {s["step"]: s for s in report["steps"]}
        bad = {k: s["status"] for k, s in steps.items() if s["status"] not in {"ok"}}
        if bad:
            raise RuntimeError(f"steps did not all run: {bad}\n{json.dumps(report, ensure_ascii=False)[:4000]}")
        line = {
            "customers": customers,
            "high_voltage_pct": high_voltage_pct,
            **counts,
            "store_mib": store_mib,
            "generated_s": generated_s,
            "wall_s": wall,
            # the night's peak: the highest of the steps' (resetting the peak per step lowers what
            # wait4 reports to the last step's) and the process's own
            "peak_mib": max([peak, *(s["peak_mib"] or 0 for s in steps.values())]),
            "cpu_s": cpu,
            "status": report["status"],
            "steps": {
                k: {
                    "seconds": s["seconds"],
                    "peak_mib": s["peak_mib"],
                    "counts": s["counts"],
                    # the overview step's parts (the copy of the bills, each preparer of My work)
                    "parts_s": s.get("detail", {}).get("seconds"),
                }
                for k, s in steps.items()
            },
            "load": os.getloadavg(),
        }
        print(json.dumps(line, ensure_ascii=False, default=str), flush=True)
        return line
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _step_cell(line: dict, step: str) -> str:
    s = line["steps"][step]
    return f"{s['seconds']:.1f} s · {s['peak_mib'] or 0:,.0f} MiB"


def main(argv: list[str]) -> None:
    sizes, pct, root = [100_000, 1_000_000], 2, Path(tempfile.gettempdir())
    for arg in argv:
        if arg.startswith("--nightly-customers="):
            sizes = [int(n) for n in arg.split("=", 1)[1].split(",")]
        elif arg.startswith("--nightly-high-voltage="):
            pct = int(arg.split("=", 1)[1])
        elif arg.startswith("--nightly-dir="):
            root = Path(arg.split("=", 1)[1])
    lines = [run_line(n, pct, root) for n in sizes]
    rows = []
    for x in lines:
        grade = x["steps"]["grade"]["counts"]
        rows.append(
            f"| {x['customers']:,} | {x['store_bills']:,} | {grade.get('key_accounts', 0):,} | "
            f"{x['new_bills']:,} + {x['new_payments']:,} | {x['store_mib']:,.0f} | "
            + " | ".join(_step_cell(x, s) for s in STEP_NAMES)
            + f" | **{x['wall_s']:.1f}** | {x['peak_mib']:,.0f} | {x['cpu_s']:.1f} | "
            f"{' / '.join(f'{v:.1f}' for v in x['load'])} |"
        )
    growth = ""
    if len(lines) >= 2:
        a, b = lines[0], lines[-1]
        factor = b["customers"] / a["customers"]
        per_step = ", ".join(
            f"{s} ×{b['steps'][s]['seconds'] / a['steps'][s]['seconds']:.1f}"
            if a["steps"][s]["seconds"] >= 0.1
            else f"{s} {a['steps'][s]['seconds']:.2f} → {b['steps'][s]['seconds']:.2f} s"
            for s in STEP_NAMES
        )
        growth = (
            f"\nFrom {a['customers']:,} to {b['customers']:,} customers (×{factor:.0f}): the whole night "
            f"×{b['wall_s'] / a['wall_s']:.1f} in time, ×{b['peak_mib'] / a['peak_mib']:.1f} in peak memory; "
            f"per step {per_step}.\n"
        )
    body = f"""
Machine: {machine()}. Date: {today()}.

One night of `powerkam nightly` as a whole process (`benchmarks/nightly_bench.py`). The site: the settle
benchmark's store of N customers × 35 months of bills and payments (one file per period, settled),
{pct} % of the base at 10 kV and above, and the previous month ({PREVIOUS}) graded as the night before
left it. In the incoming folder: the new month's billing (`billing-{PERIOD}.csv`, one bill per customer)
and payments (`payments-{PERIOD}.csv`, the payments made in the month), and the staff list (nine
people). The night (`--today {DAY}`): import pick-up (the three files, in order), settle (nothing
pending: the imports settled incrementally), grade {PERIOD} (compared with {PREVIOUS}), health snapshot
of every key account, overview figures and "My work" of every user, backup (the whole store and the
CRM, with retention). Each step: its time and its own peak RSS (reset before each step); the night: the
process's wall time, peak RSS and CPU time (user + system). Run:
`uv run --frozen python -m benchmarks nightly --nightly-customers=100000,1000000`
(10,000,000: `--nightly-customers=10000000`; the generation is streamed by DuckDB, ~30 GB of disk).

| customers | bills in store | key accounts | new bills + payments | store MiB | pick-up | settle | grade | health | overview | backup | night s | peak MiB | CPU s | load average |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
{chr(10).join(rows)}
{growth}"""
    write_section("Nightly run", body)


if __name__ == "__main__":
    main(sys.argv[1:])
