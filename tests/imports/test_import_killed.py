"""An import killed half-way leaves the previous data intact (atomic rename of the dataset), and
the import log has every attempt: ``powerkam data check`` records the killed ones as interrupted."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from powerkam.analytics.store import dataset_source, is_current, version_path
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "POWERKAM_DATA_DIR": str(data_dir), "POWERKAM_SECRET_KEY": "kill-test-" + "k" * 50}
    env.pop("DATABASE_URL", None)
    return env


def _run(data_dir: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "powerkam.cli", *args], env=_env(data_dir), check=True, capture_output=True)


def _big_billing(path: Path, customers: list[str], months: int) -> None:
    with path.open("w") as fh:
        fh.write("customer_id,period,kwh,amount_yuan,due_date\n")
        for cid in customers:
            for m in range(months):
                year, month = 2000 + m // 12, m % 12 + 1
                fh.write(f"{cid},{year}-{month:02d},2,3.00,{year}-{month:02d}-28\n")


def test_killed_import_never_leaves_a_partial_dataset(tmp_path):
    data_dir = tmp_path / "data"
    _run(data_dir, "migrate", "--verbosity", "0")
    _run(data_dir, "import", "customers", str(SAMPLES / "customers.csv"))
    _run(data_dir, "import", "billing", str(SAMPLES / "billing.csv"))
    store = data_dir / "store"
    before = duckdb.sql(
        f"select count(*), sum(amount_yuan) from read_parquet('{dataset_source(store, 'billing')}')"
    ).fetchall()

    customers = [
        r[0] for r in duckdb.sql(f"select customer_id from read_csv('{SAMPLES / 'customers.csv'}')").fetchall()
    ]
    big = tmp_path / "big.csv"
    _big_billing(big, customers, months=300)  # ~125k rows: long enough to be killed inside
    outcomes = set()
    for delay in (0.5, 1.0, 1.5, 2.0, 3.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "powerkam.cli", "import", "billing", str(big), "--no-progress"],
            env=_env(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        dataset = dataset_source(store, "billing")
        after = duckdb.sql(f"select count(*), sum(amount_yuan) from read_parquet('{dataset}')").fetchall()
        # Either the old dataset, whole, or the new one, whole — never anything in between.
        complete_new = after[0][0] == before[0][0] + len(customers) * 300
        assert after == before or complete_new, (delay, after)
        outcomes.add("new" if complete_new else "old")
        if complete_new:
            break
    assert "old" in outcomes

    _run(data_dir, "data", "check")
    with sqlite3.connect(data_dir / "powerkam.sqlite3") as db:
        log = db.execute("select id, status, warnings from imports_importrun where file_name = 'big.csv'").fetchall()
    # An attempt killed before it started (interpreter, Django) has no run; every other one is
    # logged, and none is left "running".
    assert {status for _, status, _ in log} <= {"interrupted", "succeeded"}  # none left "running"
    # The dataset in place is the version of the last attempt that landed (or of the earlier import).
    landed = [run_id for run_id, _, _ in log if version_path(store, "billing", run_id).exists()]
    if "new" in outcomes:
        assert landed
        assert is_current(store, "billing", landed[-1])
    else:
        assert not landed
        assert all(json.loads(warnings) for _, _, warnings in log)  # each says what it left
