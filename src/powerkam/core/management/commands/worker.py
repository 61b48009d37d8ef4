"""``powerkam worker``: run background tasks (grading runs, escalations, digests) as they are queued,
and queue the periodic jobs when they are due (see :mod:`powerkam.core.schedule`).

django-tasks-db's ``db_worker`` does the work; a small thread beside it checks the schedule once a
minute. Pass ``--no-schedule`` to run a worker that only works the queue.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from powerkam.core.schedule import queue_due_jobs

logger = logging.getLogger(__name__)


def _schedule_loop(stop: threading.Event, every_seconds: float) -> None:
    while not stop.is_set():
        try:
            queued = queue_due_jobs()
            if queued:
                logger.warning("queued periodic jobs: %s", ", ".join(queued))
        except Exception:  # a failed check must not stop the worker; the next minute tries again
            logger.exception("checking the schedule failed")
        finally:
            close_old_connections()
        stop.wait(every_seconds)


class Command(DbWorkerCommand):
    help = "Run PowerKAM's background tasks (database queue) until stopped, and queue periodic jobs."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-schedule", action="store_true", help="do not queue periodic jobs")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options.pop("no_schedule", False):
            threading.Thread(target=_schedule_loop, args=(stop, 60.0), daemon=True, name="schedule").start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
