"""Start-up of the command line: light commands answer in ≤ 1.5 s (issue 14, "a fast command line").

Each command is the whole ``powerkam`` process a user runs (the installed console script, byte-compiled
as ``make`` installs it), timed from spawn to exit, median of several runs; the baseline in the same run
is ``python -c pass`` on the same interpreter, and a bare ``django.setup()`` with PowerKAM's settings
(what any Django command costs before it does anything).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import machine, today, write_section

TARGET_S = 1.5
RUNS = 7


def _time(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Median and worst wall time of ``cmd`` over :data:`RUNS` runs (after one warm-up run)."""
    subprocess.run(cmd, env=env, capture_output=True, check=False)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return statistics.median(times), max(times)


def main(argv: list[str]) -> None:
    script = shutil.which("powerkam") or str(Path(sys.executable).with_name("powerkam"))
    data_dir = Path(tempfile.mkdtemp(prefix="powerkam-cli-bench-"))
    env = {**os.environ, "POWERKAM_DATA_DIR": str(data_dir), "POWERKAM_SECRET_KEY": "cli-bench-" + "x" * 50}
    env.pop("POWERKAM_DEBUG", None)
    subprocess.run([script, "migrate", "-v", "0"], env=env, check=True)
    baselines = {
        "`python -c pass`": [sys.executable, "-c", "pass"],
        "`django.setup()` with PowerKAM's settings": [
            sys.executable,
            "-c",
            "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'powerkam.settings'); django.setup()",
        ],
    }
    commands = {
        "`powerkam --help`": [script, "--help"],
        "`powerkam calendar add-workdays 2026-09-30 5`": [script, "calendar", "add-workdays", "2026-09-30", "5"],
        "`powerkam calendar is-workday 2026-10-01`": [script, "calendar", "is-workday", "2026-10-01"],
        "`powerkam data summary`": [script, "data", "summary"],
        "`powerkam health --customer C0000001`": [script, "health", "--customer", "C0000001"],
    }
    rows = {name: _time(cmd, env) for name, cmd in {**baselines, **commands}.items()}
    for name, (median, worst) in rows.items():
        print(f"{name}: median {median:.3f} s, worst {worst:.3f} s", flush=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    base = rows["`python -c pass`"][0]
    lines = "\n".join(
        f"| {name} | {median:.2f} s | {worst:.2f} s | {median / base:.0f}× | "
        + ("baseline" if name in baselines else ("yes" if median <= TARGET_S else "no"))
        + " |"
        for name, (median, worst) in rows.items()
    )
    load = os.getloadavg()[0]
    body = f"""
Machine: {machine()}. Date: {today()}. Load average at the end: {load:.2f}.

Run: `make bench` (or `uv run --frozen python -m benchmarks cli`). Each row is the whole process a user
runs (the installed `powerkam` script, byte-compiled as `make` installs it; an empty data dir on SQLite),
median and worst of {RUNS} runs after a warm-up; target ≤ {TARGET_S} s for the light commands.

| command | median | worst | vs `python -c pass` | target met |
|---|---:|---:|---:|:---:|
{lines}

What keeps them light: apps contribute their 360 panels, overview tiles, work-list and inbox sources by
dotted path, imported when a registry is first read (`powerkam.core.contributions`), not at start-up;
domain commands skip Django's system checks (they load every URL, view and admin; `powerkam check`,
`migrate` and the server still run them); admin forms import the rules' analytics only when saving.
"""
    write_section("Command line start-up", body)


if __name__ == "__main__":
    main(sys.argv[1:])
