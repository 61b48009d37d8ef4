"""Periodic jobs are queued once per due day, by whichever worker looks first."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
import zoneinfo

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from powerkam.core.models import ScheduledRun
from powerkam.core.schedule import queue_due_jobs

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def queued_tasks() -> list[str]:
    return sorted(r.task_path.rsplit(".", 1)[-1] for r in DBTaskResult.objects.all())


def test_monday_morning_queues_the_daily_and_the_weekly_jobs_once():
    monday = "2026-11-30"
    assert not {"service.escalate", "visits.weekly_digest"} & set(queue_due_jobs(at(monday, "06:59")))
    assert {"service.escalate", "visits.weekly_digest"} <= set(queue_due_jobs(at(monday, "07:40")))
    # already queued for today (the round-the-clock escalation runs every few minutes: not a daily job)
    assert queue_due_jobs(at(monday, "09:00")) == ["service.escalate_round_the_clock"]
    assert queued_tasks().count("escalate") == 1
    assert queued_tasks().count("weekly_digest") == 1


def test_tuesday_queues_only_the_daily_jobs():
    queue_due_jobs(at("2026-11-30", "08:00"))
    tuesday = queue_due_jobs(at("2026-12-01", "07:01"))
    assert "service.escalate" in tuesday
    assert "visits.weekly_digest" not in tuesday
    assert ScheduledRun.objects.get(name="service.escalate").last_run_on == dt.date(2026, 12, 1)


def test_an_interval_job_is_queued_every_five_minutes_day_and_night():
    """Round-the-clock tickets are escalated every 5 minutes, at night and on holidays too."""
    name = "service.escalate_round_the_clock"
    assert name in queue_due_jobs(at("2026-10-01", "23:30"))  # National Day, at night
    assert name not in queue_due_jobs(at("2026-10-01", "23:34"))
    assert name in queue_due_jobs(at("2026-10-01", "23:35"))
    assert name in queue_due_jobs(at("2026-10-02", "00:15"))
    assert queued_tasks().count("escalate_round_the_clock") == 3


def test_schedule_command_lists_the_jobs():
    out = io.StringIO()
    call_command("schedule", "--list", "--format", "json", stdout=out)
    names = {j["name"] for j in json.loads(out.getvalue())["jobs"]}
    assert {"service.escalate", "visits.weekly_digest"} <= names


@pytest.mark.slow
def test_a_real_worker_runs_a_queued_task(tmp_path):
    """`powerkam worker` is a real process working the database queue."""
    env = {**os.environ, "POWERKAM_DATA_DIR": str(tmp_path), "POWERKAM_SECRET_KEY": "worker-test-" + "w" * 50}
    env.pop("DATABASE_URL", None)
    run = [sys.executable, "-m", "powerkam.cli"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True)
    code = "from powerkam.service.tasks import escalate; print(escalate.enqueue(today='2026-11-30').id)"
    subprocess.run([*run, "shell", "-v", "0", "-c", code], env=env, check=True, capture_output=True, text=True)
    worker = subprocess.Popen([*run, "worker", "--no-schedule", "--interval", "0.2"], env=env)
    try:
        deadline = time.monotonic() + 60
        status = ""
        while time.monotonic() < deadline:
            check = "from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.get().status)"
            status = (
                subprocess.run(
                    [*run, "shell", "-v", "0", "-c", check], env=env, check=True, capture_output=True, text=True
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            if status in {"SUCCESSFUL", "FAILED"}:
                break
            time.sleep(1)
        assert status == "SUCCESSFUL"
    finally:
        worker.terminate()
        worker.wait(timeout=20)
