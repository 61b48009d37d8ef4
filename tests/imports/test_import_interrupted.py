"""An import killed at any step leaves the store, the derived data and the import log in agreement
once ``powerkam data check`` (or the next import) has run (issue 13, item 5).

Real processes: ``powerkam import`` in a subprocess kills itself with SIGKILL at a named step
(``POWERKAM_FAULT_AT``: before the rename, after it, while settling the bills).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from django.utils import translation

from powerkam.analytics.settlement import current_tolerance
from powerkam.analytics.store import dataset_source, is_current, version_path

pytestmark = pytest.mark.slow

CUSTOMERS = "customer_id,name,voltage_kv,contract_capacity_kva,tariff\nC1,一厂,10,5000,large_industrial\nC2,二厂,0.4,100,residential\n"
PAYMENTS = "customer_id,period,paid_on,amount_yuan\nC1,2026-09,2026-10-10,50.00\n"


def _billing(path: Path, amount: str) -> Path:
    path.write_text(
        "customer_id,period,kwh,amount_yuan,due_date\n"
        f"C1,2026-09,100,{amount},2026-10-20\nC2,2026-09,10,5.00,2026-10-20\n"
    )
    return path


def _env(data_dir: Path, fault: str | None = None) -> dict[str, str]:
    env = {**os.environ, "POWERKAM_DATA_DIR": str(data_dir), "POWERKAM_SECRET_KEY": "kill-test-" + "k" * 50}
    env.pop("DATABASE_URL", None)
    env.pop("POWERKAM_FAULT_AT", None)
    if fault:
        env["POWERKAM_FAULT_AT"] = fault
    return env


def _powerkam(data_dir: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "powerkam.cli", *args], env=_env(data_dir, fault), capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Path:
    """A data directory with customers, one billing file (amount 100.00) and payments landed."""
    base = tmp_path_factory.mktemp("base")
    data = base / "data"
    for args in (
        ("migrate", "--verbosity", "0"),
        ("import", "customers", str(_write(base / "c.csv", CUSTOMERS))),
        ("import", "billing", str(_billing(base / "b1.csv", "100.00"))),
        ("import", "payments", str(_write(base / "p.csv", PAYMENTS))),
    ):
        done = _powerkam(data, *args)
        assert done.returncode == 0, done.stderr
    return data


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _runs(data_dir: Path) -> list[dict]:
    """The import log, read from the subprocesses' own database."""
    with sqlite3.connect(data_dir / "powerkam.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("select * from imports_importrun order by id").fetchall()]


def _says(lines: list[str], msgid: str) -> bool:
    """Whether one of ``lines`` holds the message, in English or in Chinese (the CLI speaks the site's language)."""
    variants = {msgid}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            variants.add(translation.gettext(msgid))
    return any(v in line for line in lines for v in variants)


LANDED = "Its data landed in the store before it stopped (the store holds this file's rows)."
NOTHING = "Nothing of it landed in the store; the data is as it was before."
CRM_BEHIND = "CRM accounts may not have been updated: import the same file again (nothing changes if they were)."


def _amount(path: str | None) -> float:
    return float(
        duckdb.sql(f"select amount_yuan from read_parquet('{path}') where customer_id = 'C1'").fetchall()[0][0]
    )


@pytest.mark.parametrize(("step", "lands"), [("before-rename", False), ("after-rename", True), ("settle", True)])
def test_a_billing_import_killed_at_a_step_is_logged_and_repaired_by_data_check(landed, tmp_path, step, lands):
    data = tmp_path / "data"
    shutil.copytree(landed, data)
    store = data / "store"
    killed = _powerkam(data, "import", "billing", str(_billing(tmp_path / "b2.csv", "300.00")), fault=step)
    assert killed.returncode == -signal.SIGKILL

    # The log has the run from before anything landed.
    assert _runs(data)[-1]["status"] == "running"
    assert _amount(dataset_source(store, "billing")) == (300.0 if lands else 100.0)

    checked = _powerkam(data, "data", "check", "--format", "json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    run = _runs(data)[-1]
    assert run["status"] == "interrupted"
    assert any(str(run["id"]) in line and run["file_name"] in line for line in report["interrupted"])
    assert _says(report["interrupted"], LANDED if lands else NOTHING)
    warnings = json.loads(run["warnings"])
    if lands:
        # Its changes are in the log (not "updated 0" on a rerun) and it is a version like any landing.
        assert (run["updated"], run["unchanged"]) == (1, 1)
        assert _says(warnings, LANDED)
        assert is_current(store, "billing", run["id"])
    else:
        assert _says(warnings, NOTHING)
        assert not version_path(store, "billing", run["id"]).exists()
    # The derived data agrees with the store: the settlements are current and settle the amount in place.
    assert current_tolerance(store) is not None
    assert _amount(dataset_source(store, "settlements")) == (300.0 if lands else 100.0)

    again = _powerkam(data, "data", "check", "--format", "json")
    assert json.loads(again.stdout) == {"interrupted": [], "repaired": [], "running": []}


def test_the_next_import_reports_an_interrupted_one_and_a_rerun_is_unchanged(landed, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(landed, data)
    b2 = _billing(tmp_path / "b2.csv", "300.00")
    assert _powerkam(data, "import", "billing", str(b2), fault="settle").returncode == -signal.SIGKILL

    rerun = _powerkam(data, "import", "billing", str(b2), "--format", "json")
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert (result["updated"], result["unchanged"]) == (0, 2)
    assert _says(result["warnings"], LANDED)
    runs = _runs(data)
    interrupted, last = runs[-2], runs[-1]
    assert (interrupted["status"], interrupted["updated"]) == ("interrupted", 1)  # the change is in the log
    assert last["status"] == "succeeded"
    assert _amount(dataset_source(data / "store", "settlements")) == 300.0


def test_a_customers_import_killed_after_the_rename_leaves_the_crm_as_it_was(landed, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(landed, data)
    renamed = _write(tmp_path / "c2.csv", CUSTOMERS.replace("一厂", "一厂新名"))
    assert _powerkam(data, "import", "customers", str(renamed), fault="after-rename").returncode == -signal.SIGKILL

    with sqlite3.connect(data / "powerkam.sqlite3") as db:
        assert db.execute("select name from accounts_account where customer_id='C1'").fetchall() == [("一厂",)]
    report = json.loads(_powerkam(data, "data", "check", "--format", "json").stdout)
    assert _says(report["interrupted"], CRM_BEHIND)
    # Importing the same file again brings the CRM in line with the store.
    assert _powerkam(data, "import", "customers", str(renamed)).returncode == 0
    with sqlite3.connect(data / "powerkam.sqlite3") as db:
        assert db.execute("select name from accounts_account where customer_id='C1'").fetchall() == [("一厂新名",)]


def test_a_rollback_killed_after_its_rename_is_recorded_with_its_version_and_the_bills_re_settled(landed, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(landed, data)
    store = data / "store"
    assert _powerkam(data, "import", "billing", str(_billing(tmp_path / "b2.csv", "300.00"))).returncode == 0
    first_billing = next(r for r in _runs(data) if r["file_name"] == "b1.csv")

    killed = _powerkam(data, "data", "rollback", "billing", "--to", str(first_billing["id"]), fault="after-rename")
    assert killed.returncode == -signal.SIGKILL
    assert _amount(dataset_source(store, "billing")) == 100.0
    assert _amount(dataset_source(store, "settlements")) == 300.0  # stale until repaired

    report = json.loads(_powerkam(data, "data", "check", "--format", "json").stdout)
    rollback = _runs(data)[-1]
    assert (rollback["status"], rollback["restored_from_id"]) == ("interrupted", first_billing["id"])
    assert _says(report["interrupted"], LANDED)
    assert is_current(store, "billing", rollback["id"])
    assert _amount(dataset_source(store, "settlements")) == 100.0
    assert current_tolerance(store) is not None
