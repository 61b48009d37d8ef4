"""Background work for accounts (``powerkam worker`` runs it): keep the accounts' copy of their bills
current after an import (:func:`powerkam.accounts.services.account_bills_refresh`).

The tasks call the services, never the other way round; what queues one (an import, a grading run)
calls :func:`queue_account_bills_refresh`.
"""

from __future__ import annotations

from django_tasks import task

from powerkam.accounts.services import account_bills_refresh
from powerkam.core.queue import enqueue_once_on_commit


@task()
def refresh_account_bills() -> int | None:
    """Rebuild the accounts' copy of their bills and payments unless current."""
    return account_bills_refresh()


def queue_account_bills_refresh() -> None:
    """Queue one background rebuild once the current transaction commits (at once outside one). Until
    the worker has rebuilt it, the 360 page reads the period files: slower, never stale."""
    enqueue_once_on_commit(refresh_account_bills)
