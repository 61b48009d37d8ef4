"""Background work for accounts (``powerkam worker`` runs it): keep the accounts' copy of their bills
current after an import (:func:`powerkam.accounts.services.account_bills_refresh`).

The tasks call the services, never the other way round; what queues one (an import, a grading run)
calls :func:`queue_account_bills_refresh`.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from powerkam.accounts.services import account_bills_refresh


@task()
def refresh_account_bills() -> int | None:
    """Rebuild the accounts' copy of their bills and payments unless current."""
    return account_bills_refresh()


def _enqueue() -> None:
    refresh_account_bills.enqueue()


def queue_account_bills_refresh() -> None:
    """Queue one background rebuild once the current transaction commits (at once outside one). Until
    the worker has rebuilt it, the 360 page reads the period files: slower, never stale."""
    connection = transaction.get_connection()
    if any(entry[1] is _enqueue for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue, robust=True)
