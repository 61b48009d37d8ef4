"""Background grading runs (django-tasks database backend; run them with ``powerkam worker``).

:func:`grading_run_start` — the pages, the API and the command line start a run here: it creates the run
(:func:`~powerkam.grading.services.grading_run_create`, which checks the request) and queues it. The
task calls the services, never the other way round.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django_tasks import task

from powerkam.core.errors import ApplicationError
from powerkam.grading.models import GradingRun, RunStatus
from powerkam.grading.services import grading_run_create, grading_run_execute

logger = logging.getLogger(__name__)


@task()
def grading_run_task(run_id: int) -> str:
    """Execute a queued grading run; its progress and any error are kept on the run itself."""
    run = GradingRun.objects.get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return run.status
    try:
        run = grading_run_execute(run=run)
    except ApplicationError as exc:
        # The run holds the message for the people who look at it; the worker only logs it.
        logger.warning("grading run #%s failed: %s", run_id, exc.message)
        return RunStatus.FAILED
    return run.status


def grading_run_start(
    *,
    period: str,
    rules_text: str | None = None,
    rules_source: str = "",
    backend: str = "duckdb",
    by: User | None = None,
    publish: bool = False,
) -> GradingRun:
    """Create a run and queue it for a background worker (``powerkam worker``)."""
    run = grading_run_create(
        period=period, rules_text=rules_text, rules_source=rules_source, backend=backend, by=by, publish=publish
    )
    result = grading_run_task.enqueue(run_id=run.pk)
    GradingRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()
    return run
