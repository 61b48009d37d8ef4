"""``powerkam nightly``: the steps in order, files picked up and moved, bad files rejected whole with
their report, the JSON report, a failing step stopping only what depends on it, and the schedule."""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from powerkam.accounts.models import Account
from powerkam.analytics import store
from powerkam.core import schedule
from powerkam.core.errors import ApplicationError
from powerkam.grading.models import GradingRun
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.insights.models import HealthSnapshot
from powerkam.nightly.apps import REPLACES, register_nightly_job
from powerkam.nightly.models import NightlyRun
from powerkam.nightly.pickup import kind_of, pending
from powerkam.nightly.services import STEPS, nightly_run
from tests.conftest import SAMPLES

DAY = dt.date(2026, 11, 15)  # the latest complete period is then 2026-10 (2026-11 is not over)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def site(settings, tmp_path: Path) -> Path:
    """A fresh store and an empty incoming folder; files are picked up at once (no quiet time)."""
    settings.DATA_DIR = tmp_path
    settings.ANALYTICS_DIR = tmp_path / "store"
    settings.INCOMING_DIR = tmp_path / "incoming"
    settings.INCOMING_QUIET_SECONDS = 0
    settings.BACKUP_DIR = None
    (tmp_path / "incoming").mkdir()
    return tmp_path


def drop(site: Path, sample: str, name: str) -> Path:
    target = site / "incoming" / name
    shutil.copyfile(SAMPLES / sample, target)
    return target


def expected_key_accounts() -> int:
    with (SAMPLES / "expected-grading-2026-10.csv").open(encoding="utf-8") as fh:
        return sum(1 for row in csv.DictReader(fh) if row["key_account"].lower() in {"true", "1"})


def run_command(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("nightly", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_night_imports_in_order_settles_grades_snapshots_and_backs_up(site: Path, settings) -> None:
    settings.BACKUP_DIR = site / "backups"
    # dropped in the "wrong" order and with the data office's names: picked up customers, billing, payments
    drop(site, "payments.csv", "payments_2026-11.csv")
    drop(site, "billing.csv", "billing-2026-11.csv")
    drop(site, "customers.csv", "Customers 2026-11.csv")
    lines: list[str] = []

    report = nightly_run(day=DAY, progress=lines.append)

    assert [s.step for s in report.steps] == list(STEPS)
    finished = [line for line in lines if line.startswith("[") and "…" not in line]
    assert [line.split("]")[0] for line in finished] == [f"[{i}/6" for i in range(1, 7)]
    assert all(line.endswith(" s") for line in finished)  # each step's line ends with its elapsed time
    assert report.status == "succeeded", [s.as_dict() for s in report.steps]
    steps = {s.step: s for s in report.steps}
    assert {s.step: s.status for s in report.steps} == dict.fromkeys(STEPS, "ok")

    files = steps["pickup"].detail["files"]
    assert [(f["file"], f["kind"], f["status"]) for f in files] == [
        ("Customers 2026-11.csv", "customers", "imported"),
        ("billing-2026-11.csv", "billing", "imported"),
        ("payments_2026-11.csv", "payments", "imported"),
    ]
    done = site / "incoming" / "done" / DAY.isoformat()
    assert sorted(p.name for p in done.iterdir()) == sorted(f["file"] for f in files)
    assert (done / "billing-2026-11.csv").read_bytes() == (SAMPLES / "billing.csv").read_bytes()
    assert not [p for p in (site / "incoming").iterdir() if p.is_file()]
    assert store.dataset_rows(settings.ANALYTICS_DIR, "billing") == 6718

    assert steps["settle"].counts["settlements"] == "current"  # the imports settled as they landed
    assert steps["grade"].counts["period"] == "2026-10"
    assert steps["grade"].counts["key_accounts"] == expected_key_accounts()
    assert GradingRun.objects.get().period == "2026-10"
    assert steps["health"].counts["accounts"] == expected_key_accounts()
    assert HealthSnapshot.objects.filter(taken_on=DAY).count() == expected_key_accounts()
    backups = list((site / "backups").iterdir())
    assert len(backups) == 1
    assert (backups[0] / "manifest.json").is_file()
    assert steps["backup"].detail["path"] == str(backups[0])

    kept = NightlyRun.objects.get(pk=report.run)
    assert kept.status == "succeeded"
    assert kept.finished_at is not None
    assert [s["step"] for s in kept.steps] == list(STEPS)

    # The next night: nothing new, so nothing is graded again (same data, same rules).
    settings.BACKUP_DIR = None  # (a second backup in the same second would want the same name)
    again = nightly_run(day=DAY + dt.timedelta(days=1))
    grade = {s.step: s for s in again.steps}["grade"]
    assert grade.status == "skipped"
    assert grade.detail["grading_run"] == GradingRun.objects.get().pk
    assert again.status == "succeeded", [s.as_dict() for s in again.steps if s.status != "ok"]


@pytest.mark.django_db
def test_a_bad_file_is_rejected_whole_with_its_report_and_grading_is_held(site: Path, settings) -> None:
    bad = drop(site, "customers-bad.csv", "customers-2026-11.csv")
    original = bad.read_bytes()

    code, out, err = run_command("--today", DAY.isoformat(), "--format", "json")

    assert code == 2  # all steps ran, something needs a look
    report = json.loads(out)
    steps = {s["step"]: s for s in report["steps"]}
    assert steps["pickup"]["status"] == "problems"
    assert steps["pickup"]["counts"] == {"imported": 0, "rejected": 1, "waiting": 0, "rows": 0}
    rejected = site / "incoming" / "rejected" / DAY.isoformat() / "customers-2026-11.csv"
    assert rejected.read_bytes() == original  # moved, never changed or deleted
    problems = rejected.with_name("customers-2026-11.csv.problems.txt").read_text(encoding="utf-8")
    assert problems.startswith("customers-2026-11.csv: 6 problems found; nothing was imported.")
    assert "row 3" in problems
    assert "row 8" in problems
    assert steps["pickup"]["detail"]["files"][0]["report"] == str(rejected) + ".problems.txt"
    # nothing half-written: no store dataset, no CRM account; the import is logged as refused
    assert not store.has_dataset(settings.ANALYTICS_DIR, "customers")
    assert not Account.objects.exists()
    assert ImportRun.objects.get().status == ImportStatus.REFUSED
    # a customers, billing or payments file rejected holds the grading; the other steps run
    assert steps["grade"]["status"] == "skipped"
    assert "customers-2026-11.csv" in steps["grade"]["problems"][0]
    assert [steps[s]["status"] for s in ("settle", "health", "overview", "backup")] == [
        "skipped",
        "ok",
        "ok",
        "skipped",
    ]
    # where the overview step's time went: the copy of the bills (then each preparer of My work: no staff here)
    assert list(steps["overview"]["detail"]["seconds"]) == ["account_bills"]
    assert report["status"] == "problems"
    assert NightlyRun.objects.get(pk=report["run"]).status == "problems"
    assert "[1/6] Import pick-up: done, with problems" in err


@pytest.mark.django_db
def test_the_json_report_has_each_steps_status_duration_counts_and_problems(site: Path) -> None:
    code, out, _err = run_command("--today", DAY.isoformat(), "--format", "json", "--quiet")
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"run", "day", "status", "started_at", "seconds", "peak_mib", "steps"}
    assert report["day"] == DAY.isoformat()
    for step in report["steps"]:
        assert set(step) >= {"step", "status", "seconds", "counts", "problems", "notes"}
        assert isinstance(step["seconds"], float | int)
    # an empty site: nothing to import, settle or grade
    assert {s["step"]: s["status"] for s in report["steps"]} == {
        "pickup": "ok",
        "settle": "skipped",
        "grade": "skipped",
        "health": "ok",
        "overview": "ok",
        "backup": "skipped",
    }


@pytest.mark.django_db
def test_a_failing_step_stops_what_depends_on_it_and_the_others_run(site: Path, settings, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the incoming folder should be")
    settings.INCOMING_DIR = blocked

    code, out, err = run_command("--today", DAY.isoformat())

    assert code == 1
    run = NightlyRun.objects.get()
    status = {s["step"]: s["status"] for s in run.steps}
    assert status == {
        "pickup": "failed",
        "settle": "skipped",  # independent of the pick-up: it ran (nothing to settle)
        "grade": "blocked",
        "health": "blocked",
        "overview": "blocked",
        "backup": "skipped",  # ran: off without POWERKAM_BACKUP_DIR
    }
    assert run.status == "failed"
    pickup = run.steps[0]
    assert pickup["problems"]
    assert "FileExistsError" in pickup["problems"][0]
    assert "[3/6] Grade: not run (a step it needs failed)" in out
    assert "Traceback" not in out + err

    _code, out, err = run_command("--today", DAY.isoformat(), "--lang", "zh")
    assert "[1/6] 拾取导入：失败" in err  # progress and report in the language asked for
    assert "[3/6] 评级：未运行（其依赖的步骤失败）" in out


@pytest.mark.django_db
def test_files_being_copied_are_left_for_the_next_run(site: Path, settings) -> None:
    settings.INCOMING_QUIET_SECONDS = 300
    fresh = drop(site, "staff.csv", "staff-2026-11.csv")
    old = drop(site, "feeders.csv", "feeders-2026-11.csv")
    past = time.time() - 3600
    os.utime(old, (past, past))
    drop(site, "billing.csv", "billing-2026-11.csv.part")
    drop(site, "billing.csv", ".billing-2026-11.csv")

    ready, waiting = pending(site / "incoming")
    assert [p.name for p in ready] == ["feeders-2026-11.csv"]
    assert [p.name for p in waiting] == [fresh.name]


@pytest.mark.django_db
def test_only_one_nightly_run_at_a_time(site: Path) -> None:
    with (site / "nightly.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(ApplicationError, match="Another nightly run"):
            nightly_run(day=DAY)
    assert not NightlyRun.objects.exists()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("billing-2026-11.csv", "billing"),
        ("payments_2026-11.xlsx", "payments"),
        ("Customers 2026-11.parquet", "customers"),
        ("billing.csv", "billing"),
        ("green_2026.csv", "green"),
        ("generation-2026-11.csv", "generation"),
        ("billings-2026-11.csv", None),  # not a kind followed by a separator
        ("billing-2026-11.txt", None),
        ("notes.csv", None),
    ],
)
def test_a_files_kind_comes_from_its_name(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


def test_the_schedule_lists_the_nightly_job_only_when_it_has_a_time_and_it_replaces_the_morning_jobs() -> None:
    register_nightly_job()  # POWERKAM_NIGHTLY_AT unset in the tests
    assert "nightly.run" not in {j.name for j in schedule.jobs()}
    try:
        with override_settings(NIGHTLY_AT="01:15"):
            register_nightly_job()
        listed = {j.name: j for j in schedule.jobs()}
        assert listed["nightly.run"].at == dt.time(1, 15)
        assert listed["nightly.run"].task == "powerkam.nightly.tasks.nightly"
        assert not set(REPLACES) & set(listed)  # its steps do their work: not queued twice
        out = StringIO()
        call_command("schedule", "--list", "--format", "json", stdout=out)
        assert "nightly.run" in {j["name"] for j in json.loads(out.getvalue())["jobs"]}
    finally:
        schedule._JOBS.pop("nightly.run", None)
    assert "insights.health_snapshot" in {j.name for j in schedule.jobs()}


@pytest.mark.django_db
def test_the_administrator_reads_the_last_nights_reports(site: Path, client) -> None:
    from django.contrib.auth.models import User

    report = nightly_run(day=DAY)
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    client.cookies["django_language"] = "en"
    settings_page = client.get("/settings/").content.decode()
    assert 'href="/admin/nightly/nightlyrun/"' in settings_page
    listing = client.get("/admin/nightly/nightlyrun/")
    assert listing.status_code == 200
    assert "Health snapshot: done" in listing.content.decode()
    detail = client.get(f"/admin/nightly/nightlyrun/{report.run}/change/").content.decode()
    assert "Nothing was pending" not in detail  # an empty site: nothing to settle at all
    assert "No billing in the store yet" in detail
    assert "POWERKAM_BACKUP_DIR is not set" in detail


@pytest.mark.django_db
def test_the_workers_job_runs_the_night_and_a_killed_run_is_marked_failed(site: Path) -> None:
    import socket

    from django.utils import timezone

    from powerkam.nightly.tasks import nightly

    killed = NightlyRun.objects.create(
        day=DAY, started_at=timezone.now(), trigger="schedule", host=socket.gethostname(), pid=1
    )
    result = nightly.call()
    assert result["status"] == "succeeded"
    kept = NightlyRun.objects.get(pk=result["run"])
    assert kept.trigger == "schedule"
    assert kept.day == timezone.localdate()
    killed.refresh_from_db()
    assert killed.status == "failed"
