"""The nightly run: one pipeline over the whole base, step after step, with a report.

Steps, in order (:data:`STEPS`), each calling the service its own command or job calls:

1. ``pickup`` — import the extracts waiting in the incoming folder (:mod:`powerkam.nightly.pickup`).
2. ``settle`` — imports settle incrementally; this step finds imports a crash left half-done and
   brings the settlements up to the billing and payments in place (``"current"`` when nothing was
   pending: :func:`powerkam.analytics.settlement.update_settlements`).
3. ``grade`` — the latest complete billing period (its month is over), through the grading service
   ``powerkam grade`` uses, with the rules of the latest published run. Skipped when the period's
   inputs (customers, billing, payments, rules) are those an earlier nightly run already graded, and
   held when this night's pick-up rejected a customers, billing or payments file (grading half a
   month's data would publish wrong grades).
4. ``health`` — the day's health snapshot of every key account (the morning job's service).
5. ``overview`` — every user's "My work" and overview figures prepared (the morning job's service).
6. ``backup`` — a backup with its retention (``POWERKAM_BACKUP_DIR``; skipped when it is not set).

With ``POWERKAM_ANALYTICS_BACKEND=pyspark`` every whole-base step (the imports' settling, settle,
grade, the health features, the overview's portfolio figures) runs on Spark (docs/deployment.md).

A step that fails (an exception) is reported with its error; the steps that depend on it
(:data:`DEPENDS`) are not run ("blocked"), the others are. Each step's report has its status, its
duration, its peak memory, counts and problems; the whole run is kept as a
:class:`~powerkam.nightly.models.NightlyRun`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from powerkam.core.errors import ApplicationError
from powerkam.nightly.models import NightlyRun, RunStatus

log = logging.getLogger(__name__)

# Step statuses: ok · problems (done, with something to look at) · skipped (nothing to do, or off)
# · failed (an error) · blocked (a step it depends on failed).
OK, PROBLEMS, SKIPPED, FAILED, BLOCKED = "ok", "problems", "skipped", "failed", "blocked"
STEPS = ("pickup", "settle", "grade", "health", "overview", "backup")
#: A step is not run when a step it depends on failed (or was itself blocked).
DEPENDS: dict[str, tuple[str, ...]] = {
    "pickup": (),
    "settle": (),
    "grade": ("pickup", "settle"),
    "health": ("grade",),
    "overview": ("health",),
    "backup": (),
}
LABELS = {
    "pickup": gettext_lazy("Import pick-up"),
    "settle": gettext_lazy("Settle"),
    "grade": pgettext_lazy("nightly step", "Grade"),
    "health": gettext_lazy("Health snapshot"),
    "overview": gettext_lazy("Overview figures"),
    "backup": gettext_lazy("Backup"),
}
STATUS_WORDS = {
    OK: gettext_lazy("done"),
    PROBLEMS: gettext_lazy("done, with problems"),
    SKIPPED: gettext_lazy("skipped"),
    FAILED: gettext_lazy("FAILED"),
    BLOCKED: gettext_lazy("not run (a step it needs failed)"),
}
#: The counts' keys (JSON: codes) in words, for the text output.
COUNT_LABELS = {
    "imported": gettext_lazy("files imported"),
    "rejected": gettext_lazy("rejected"),
    "waiting": gettext_lazy("waiting"),
    "rows": gettext_lazy("rows"),
    "settlements": gettext_lazy("settlements"),
    "period": gettext_lazy("period"),
    "customers_evaluated": gettext_lazy("customers evaluated"),
    "key_accounts": gettext_lazy("key accounts"),
    "joined": gettext_lazy("joined"),
    "left": gettext_lazy("left"),
    "went_up": gettext_lazy("went up"),
    "went_down": gettext_lazy("went down"),
    "accounts_created": gettext_lazy("accounts created"),
    "accounts": gettext_lazy("accounts"),
    "users": gettext_lazy("users"),
    "failed": gettext_lazy("failed"),
    "files": gettext_lazy("files"),
    "bytes": gettext_lazy("bytes"),
    "removed": gettext_lazy("old backups removed"),
}
#: What the settle step found (``counts.settlements``), in words.
SETTLED = {
    "current": gettext_lazy("up to date"),
    "incremental": gettext_lazy("settled what changed"),
    "rebuilt": gettext_lazy("rebuilt"),
    "no billing": gettext_lazy("no billing"),
}
#: Kinds whose rejection holds the night's grading.
GRADING_INPUTS = ("customers", "billing", "payments")


@dataclass
class StepReport:
    step: str
    status: str = OK
    seconds: float = 0.0
    #: the process's peak RSS during the step (MiB), when the system lets it be measured per step
    peak_mib: float | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class NightlyReport:
    run: int
    day: dt.date
    status: str
    started_at: dt.datetime
    seconds: float
    peak_mib: float | None
    steps: list[StepReport]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "day": self.day.isoformat(),
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "seconds": self.seconds,
            "peak_mib": self.peak_mib,
            "steps": [s.as_dict() for s in self.steps],
        }


# --- memory ------------------------------------------------------------------------------------


def _reset_peak() -> bool:
    """Reset this process's peak RSS (Linux: ``clear_refs`` 5), so the next reading is one step's."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_mib() -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


# --- the steps ----------------------------------------------------------------------------------


@dataclass
class Context:
    day: dt.date
    reports: dict[str, StepReport]
    progress: Callable[[str], None]


def _store_dir() -> Path:
    return Path(settings.ANALYTICS_DIR)


def step_pickup(ctx: Context, report: StepReport) -> None:
    from powerkam.nightly.pickup import incoming_dir, pick_up

    def on_file(item: Any) -> None:
        if item.status == "imported":
            ctx.progress(
                "  "
                + gettext("{file}: imported as {kind}, {rows} rows ({seconds} s)").format(
                    file=item.file, kind=item.kind, rows=item.rows, seconds=item.seconds
                )
            )
        elif item.status == "rejected":
            ctx.progress("  " + gettext("{file}: rejected — {problem}").format(file=item.file, problem=item.problem))

    files = pick_up(ctx.day, on_file=on_file)
    report.detail = {"folder": str(incoming_dir()), "files": [f.as_dict() for f in files]}
    report.counts = {
        "imported": sum(1 for f in files if f.status == "imported"),
        "rejected": sum(1 for f in files if f.status == "rejected"),
        "waiting": sum(1 for f in files if f.status == "waiting"),
        "rows": sum(f.rows for f in files if f.status == "imported"),
    }
    for f in files:
        if f.status == "rejected":
            report.problems.append(gettext("{problem} (report: {report})").format(problem=f.problem, report=f.report))
        elif f.status == "waiting":
            report.notes.append(gettext("{file} changed a moment ago: left for the next run.").format(file=f.file))
        for warning in f.warnings:
            report.notes.append(f"{f.file}: {warning}")


def step_settle(ctx: Context, report: StepReport) -> None:
    from powerkam.analytics.settlement import update_settlements
    from powerkam.imports import runs

    report.notes += runs.recover_interrupted()
    done = update_settlements(_store_dir())
    report.counts = {"settlements": done or "no billing"}
    if done is None:
        report.status = SKIPPED
        report.notes.append(gettext("No billing in the store yet: nothing to settle."))
    elif done == "current":
        report.notes.append(gettext("Nothing was pending: the settlements are up to date."))


def latest_complete_period(day: dt.date) -> str | None:
    """The latest billed period whose month is over on ``day`` (None before any billing)."""
    from powerkam.analytics import store

    this_month = f"{day:%Y-%m}"
    store_dir = _store_dir()
    if store.is_partitioned(store_dir, "billing"):
        periods = [p for p in store.partition_files(store_dir, "billing") if p < this_month]
        return max(periods) if periods else None
    source = store.dataset_source(store_dir, "billing")
    if source is None:
        return None
    import duckdb

    from powerkam.analytics.io.readers import sql_literal

    with duckdb.connect() as con:
        sql = f"SELECT max(period) FROM read_parquet({sql_literal(source)}) WHERE period < ?"  # noqa: S608 - a quoted path
        row = con.execute(sql, [this_month]).fetchone()
    return row[0] if row else None


def _grading_inputs(period: str, rules_sha: str) -> dict[str, str]:
    from powerkam.analytics import store

    return {
        "period": period,
        "rules_sha256": rules_sha,
        **{kind: store.dataset_stamp(_store_dir(), kind) for kind in GRADING_INPUTS},
    }


def _graded_before(inputs: dict[str, str]) -> int | None:
    """The grading run of an earlier nightly run that graded exactly these inputs, if it still stands."""
    from powerkam.grading.models import GradingRun
    from powerkam.grading.models import RunStatus as GradingStatus

    for run in NightlyRun.objects.exclude(status=RunStatus.RUNNING).order_by("-started_at", "-id")[:60]:
        for step in run.steps:
            if (
                step.get("step") == "grade"
                and step.get("status") == OK
                and step.get("detail", {}).get("inputs") == inputs
            ):
                graded = step["detail"].get("grading_run")
                if graded and GradingRun.objects.filter(pk=graded, status=GradingStatus.SUCCEEDED).exists():
                    return int(graded)
    return None


def step_grade(ctx: Context, report: StepReport) -> None:
    from powerkam.analytics.grading_backends import configured_backend
    from powerkam.analytics.grading_reasons import normalise_language
    from powerkam.grading.models import GradingRun
    from powerkam.grading.selectors import run_figures
    from powerkam.grading.services import grading_run_create, grading_run_execute

    rejected = [
        f["file"]
        for f in ctx.reports["pickup"].detail.get("files", [])
        if f["status"] == "rejected" and f.get("kind") in GRADING_INPUTS
    ]
    if rejected:
        report.status = SKIPPED
        report.problems.append(
            gettext(
                "Grading held: {files} was rejected tonight, and grading without it would publish grades "
                "from part of the data. Fix the file and put it back; the next run grades."
            ).format(files=", ".join(rejected))
        )
        return
    period = latest_complete_period(ctx.day)
    if period is None:
        report.status = SKIPPED
        report.notes.append(gettext("No complete billing period in the store yet: nothing to grade."))
        return
    latest = GradingRun.objects.published().order_by("-finished_at", "-pk").first()
    rules_text = latest.rules_toml if latest else None
    from powerkam.analytics.rules import DEFAULT_RULES

    inputs = _grading_inputs(period, latest.rules_sha256 if latest else DEFAULT_RULES.sha256)
    report.detail = {"period": period, "inputs": inputs}
    earlier = _graded_before(inputs)
    if earlier is not None:
        report.status = SKIPPED
        report.detail["grading_run"] = earlier
        report.notes.append(
            gettext("{period} was graded by run #{run} from the same data and rules: not graded again.").format(
                period=period, run=earlier
            )
        )
        return
    run = grading_run_create(
        period=period,
        rules_text=rules_text,
        rules_source=gettext("nightly run (the rules of grading run #{run})").format(run=latest.pk) if latest else "",
        backend=configured_backend(),
    )
    run = grading_run_execute(run=run, lang=normalise_language(settings.LANGUAGE_CODE))
    report.detail["grading_run"] = run.pk
    report.counts = run_figures(run)
    if run.what_if:
        report.notes.append(
            gettext("{period} is older than the roster's period: kept as a what-if, not published.").format(
                period=period
            )
        )


def step_health(ctx: Context, report: StepReport) -> None:
    from powerkam.insights.health import health_snapshot_take

    report.counts = {"accounts": health_snapshot_take(today=ctx.day)}


def step_overview(ctx: Context, report: StepReport) -> None:
    from powerkam.accounts.services import account_bills_refresh
    from powerkam.web.prepare import prepare_everyone

    # The 360 page's copy of the accounts' bills, for tonight's accounts and bills (imports queue it too).
    started = time.perf_counter()
    rows = account_bills_refresh()
    bills_seconds = round(time.perf_counter() - started, 1)
    run = prepare_everyone(ctx.day)
    report.counts = {"account_bills": "current" if rows is None else rows, "users": run.users, "failed": run.failed}
    # where the step's time goes: the copy of the bills, then each preparer over every user
    report.detail = {"seconds": {"account_bills": bills_seconds, **run.by_preparer}}
    if run.failed:
        report.problems.append(
            gettext(
                "{count} users' pages could not be prepared (the log says why); they are computed at first visit."
            ).format(count=run.failed)
        )


def step_backup(ctx: Context, report: StepReport) -> None:
    from powerkam.core.backup import nightly_backup

    if not settings.BACKUP_DIR:
        report.status = SKIPPED
        report.notes.append(gettext("Nightly backups are off (POWERKAM_BACKUP_DIR is not set)."))
        return
    result = nightly_backup()
    report.counts = {"files": result["files"], "bytes": result["bytes"], "removed": len(result["removed"])}
    report.detail = {"path": result["path"], "kept": result["kept"], "removed": result["removed"]}


RUNNERS: dict[str, Callable[[Context, StepReport], None]] = {
    "pickup": step_pickup,
    "settle": step_settle,
    "grade": step_grade,
    "health": step_health,
    "overview": step_overview,
    "backup": step_backup,
}


# --- the run ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """One nightly run at a time on this data directory (the worker's job and a cron line may meet)."""
    path = Path(settings.DATA_DIR) / "nightly.lock"
    with path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ApplicationError(gettext("Another nightly run is still running; this one did not start.")) from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _overall(reports: list[StepReport]) -> str:
    if any(r.status in {FAILED, BLOCKED} for r in reports):
        return RunStatus.FAILED
    if any(r.problems for r in reports):
        return RunStatus.PROBLEMS
    return RunStatus.SUCCEEDED


def step_line(report: StepReport, index: int) -> str:
    """One line of progress for a finished step: number, name, status, counts, elapsed time."""
    counts = gettext(", ").join(
        f"{COUNT_LABELS.get(k, k)} {SETTLED.get(v, v) if isinstance(v, str) else v}"
        for k, v in report.counts.items()
        if not isinstance(v, dict) and v not in (None, "")
    )
    words = {
        "index": index,
        "steps": len(STEPS),
        "step": LABELS[report.step],
        "status": STATUS_WORDS[report.status],
        "counts": counts,
        "seconds": f"{report.seconds:.1f}",
    }
    if counts:
        return gettext("[{index}/{steps}] {step}: {status} ({counts}) — {seconds} s").format(**words)
    return gettext("[{index}/{steps}] {step}: {status} — {seconds} s").format(**words)


def nightly_run(
    *,
    day: dt.date | None = None,
    trigger: str = "command",
    progress: Callable[[str], None] | None = None,
) -> NightlyReport:
    """Run every step in order and keep the run; its report. Never raises for a step's failure (the
    report says which step failed and why); raises :class:`ApplicationError` only when another run
    holds the lock."""
    say = progress or (lambda _line: None)
    day = day or timezone.localdate()
    with _exclusive():
        # Holding the lock, a run of this host still marked running was killed (power cut, OOM …).
        NightlyRun.objects.filter(status=RunStatus.RUNNING, host=socket.gethostname()).update(status=RunStatus.FAILED)
        started_at = timezone.now()
        started = time.perf_counter()
        run = NightlyRun.objects.create(
            day=day, started_at=started_at, trigger=trigger, host=socket.gethostname(), pid=os.getpid()
        )
        reports: dict[str, StepReport] = {}
        ctx = Context(day=day, reports=reports, progress=say)
        peaks: list[float] = []
        measured = _reset_peak()
        for index, name in enumerate(STEPS, start=1):
            report = StepReport(step=name)
            reports[name] = report
            failed = [d for d in DEPENDS[name] if reports[d].status in {FAILED, BLOCKED}]
            if failed:
                report.status = BLOCKED
                report.problems.append(
                    gettext("Not run: {steps} failed.").format(steps=", ".join(str(LABELS[d]) for d in failed))
                )
            else:
                say(gettext("[{index}/{steps}] {step} …").format(index=index, steps=len(STEPS), step=LABELS[name]))
                step_started = time.perf_counter()
                if measured:
                    _reset_peak()
                try:
                    RUNNERS[name](ctx, report)
                    if report.status == OK and report.problems:
                        report.status = PROBLEMS
                except ApplicationError as exc:
                    report.status = FAILED
                    report.problems.append(exc.message)
                except Exception as exc:  # a step's failure is reported, and the independent steps still run
                    log.exception("nightly step %s failed", name)
                    report.status = FAILED
                    report.problems.append(f"{type(exc).__name__}: {exc}")
                report.seconds = round(time.perf_counter() - step_started, 2)
                report.peak_mib = _peak_mib() if measured else None
                if report.peak_mib is not None:
                    peaks.append(report.peak_mib)
            say(step_line(report, index))
            run.steps = [r.as_dict() for r in reports.values()]
            NightlyRun.objects.filter(pk=run.pk).update(steps=run.steps)
        ordered = [reports[n] for n in STEPS]
        run.status = _overall(ordered)
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 2)
        run.peak_mib = max(peaks) if peaks else _peak_mib()
        run.save()
    return NightlyReport(
        run=run.pk,
        day=day,
        status=run.status,
        started_at=started_at,
        seconds=run.seconds,
        peak_mib=run.peak_mib,
        steps=ordered,
    )


def recent_runs(limit: int = 14) -> list[NightlyRun]:
    """The last nights' runs, newest first (the administrator's page)."""
    return list(NightlyRun.objects.order_by("-started_at", "-id")[:limit])
