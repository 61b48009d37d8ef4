"""Periodic jobs, queued by the worker: escalations and reservation expiry every working morning,
the visit digest and the prospects' weekly report on Mondays, and jobs that run every few minutes
(``every``: the escalation of round-the-clock service tickets, whose limits are minutes).

Apps register their jobs in ``AppConfig.ready()``. ``powerkam worker`` checks once a minute
(``queue_due_jobs``) and queues each job at most once per due day: the job's row is locked while it
is checked, so several workers never queue the same job twice. ``powerkam schedule`` does one
check by hand (or from cron, where no worker runs).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from powerkam.core.models import ScheduledRun


@dataclass(frozen=True)
class Job:
    name: str
    #: dotted path of a django-tasks task, e.g. "powerkam.service.tasks.escalate"
    task: str
    at: dt.time = dt.time(7, 0)
    #: None: every day; 0–6: that weekday only (Monday = 0)
    weekday: int | None = None
    #: None: every day; 1–28: that day of each month only
    monthday: int | None = None
    #: set: an interval job, queued whenever this much time has passed since it was last queued
    #: (``at``, ``weekday`` and ``monthday`` are then ignored)
    every: dt.timedelta | None = None
    #: names of jobs this one does the work of (the nightly run replaces the backup and morning jobs):
    #: while this job is registered, those are neither listed nor queued
    replaces: tuple[str, ...] = ()

    def due_on(self, now: dt.datetime) -> dt.date | None:
        """The day this job should have been queued for by ``now`` (local time), if any."""
        today = now.date()
        if self.every is not None:
            return today
        if self.weekday is not None and today.weekday() != self.weekday:
            return None
        if self.monthday is not None and today.day != self.monthday:
            return None
        return today if now.time() >= self.at else None


_JOBS: dict[str, Job] = {}


def register(job: Job) -> None:
    _JOBS[job.name] = job


def jobs() -> list[Job]:
    """The registered jobs, without those a registered job replaces."""
    replaced = {name for job in _JOBS.values() for name in job.replaces}
    return sorted((j for j in _JOBS.values() if j.name not in replaced), key=lambda j: j.name)


def _task(path: str) -> Any:
    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def queue_due_jobs(now: dt.datetime | None = None) -> list[str]:
    """Queue every job due and not yet queued for its day; return the names queued."""
    now = timezone.localtime(now)
    queued = []
    for job in jobs():
        day = job.due_on(now)
        if day is None:
            continue
        with transaction.atomic():
            row, _ = ScheduledRun.objects.select_for_update().get_or_create(name=job.name)
            if job.every is not None:
                if row.last_queued_at is not None and row.last_queued_at <= now < row.last_queued_at + job.every:
                    continue
            elif row.last_run_on is not None and row.last_run_on >= day:
                continue
            _task(job.task).enqueue()
            row.last_run_on = day
            row.last_queued_at = now if job.every is not None else timezone.now()
            row.save()
            queued.append(job.name)
    return queued
