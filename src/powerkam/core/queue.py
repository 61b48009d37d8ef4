"""Queueing background work from a change: once per transaction, when it commits.

A change that makes derived data stale (a calendar or rules change, an import of bills) asks for one
rebuild by the worker. Several such changes in one transaction queue it once; nothing is queued for
a transaction that rolls back; outside a transaction it is queued at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

#: One enqueuing callable per task, so that a transaction's pending callbacks can be recognised.
_enqueuers: dict[str, Callable[[], None]] = {}


def enqueue_once_on_commit(task: Any) -> None:
    """Queue one run of the django-tasks ``task`` (no arguments) once the current transaction commits."""
    enqueue = _enqueuers.setdefault(task.module_path, lambda: task.enqueue())
    connection = transaction.get_connection()
    if any(entry[1] is enqueue for entry in connection.run_on_commit):
        return
    transaction.on_commit(enqueue, robust=True)
