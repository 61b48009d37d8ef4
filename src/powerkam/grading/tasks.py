"""Background grading runs (django-tasks database backend; run them with ``powerkam worker``)."""

from __future__ import annotations

import logging

from django_tasks import task

from powerkam.core.errors import ApplicationError
from powerkam.grading.models import GradingRun, RunStatus
from powerkam.grading.services import grading_run_execute

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
