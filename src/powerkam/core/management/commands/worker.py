"""``powerkam worker``: run background tasks (grading runs, escalations, digests) as they are queued.

A thin alias for django-tasks-db's ``db_worker`` so operators learn one command name.
"""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run PowerKAM's background tasks (database queue) until stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
