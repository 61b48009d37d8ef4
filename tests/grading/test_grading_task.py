"""A run started from the UI is queued and executed by a worker, with its progress on the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from factories import StaffFactory, work_off_the_queue
from grading.grading_store import SAMPLES
from powerkam.accounts.models import Account, KeyStatus
from powerkam.grading.models import RunStatus
from powerkam.grading.tasks import grading_run_start
from powerkam.staff.models import Role


@pytest.mark.django_db(transaction=True)
def test_a_started_run_waits_in_the_queue_until_a_worker_executes_it(sample_store_dir: Path) -> None:
    supervisor = StaffFactory(role=Role.SUPERVISOR).user
    run = grading_run_start(period="2026-10", by=supervisor)
    assert (run.status, run.progress, run.progress_note) == (RunStatus.QUEUED, 0, "queued")
    assert DBTaskResult.objects.filter(id=run.task_id).exists()

    work_off_the_queue()

    run.refresh_from_db()
    assert (run.status, run.progress, run.key_accounts) == (RunStatus.SUCCEEDED, 100, 190)
    assert DBTaskResult.objects.get(id=run.task_id).status == "SUCCESSFUL"
    assert Account.objects.filter(key_status=KeyStatus.KEY).count() == 190  # accounts created from the store


@pytest.mark.django_db(transaction=True)
def test_a_failing_background_run_shows_its_error(sample_store_dir: Path) -> None:
    run = grading_run_start(period="2026-10")
    (sample_store_dir / "billing.parquet").unlink()
    work_off_the_queue()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "billing" in run.error
    assert run.progress_note == "failed"


@pytest.mark.slow
def test_a_real_worker_process_executes_a_queued_run(tmp_path: Path) -> None:
    """``powerkam worker --batch`` as a separate process against a SQLite file."""
    env = {**os.environ, "POWERKAM_DATA_DIR": str(tmp_path), "POWERKAM_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    powerkam = str(Path(sys.executable).with_name("powerkam"))

    def cli(*args: str) -> str:
        done = subprocess.run([powerkam, *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def shell(code: str) -> str:
        return cli("shell", "--no-imports", "-c", code).strip().splitlines()[-1]

    cli("migrate", "--verbosity", "0")
    for kind in ("customers", "billing", "payments"):
        cli("import", kind, str(SAMPLES / f"{kind}.csv"))
    enqueue = "from powerkam.grading.tasks import grading_run_start; print(grading_run_start(period='2026-10').pk)"
    run_id = int(shell(enqueue))
    status = f"from powerkam.grading.models import GradingRun; r = GradingRun.objects.get(pk={run_id}); print(r.status, r.progress, r.key_accounts)"
    assert shell(status).split() == ["queued", "0", "0"]

    cli("worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")

    assert shell(status).split() == ["succeeded", "100", "190"]
