"""A change that makes derived data stale queues one rebuild per transaction, when it commits."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from powerkam.accounts.tasks import queue_account_bills_refresh
from powerkam.outages.tasks import queue_typical_loads_refresh

pytestmark = pytest.mark.django_db(transaction=True)

BILLS = "powerkam.accounts.tasks.refresh_account_bills"
LOADS = "powerkam.outages.tasks.refresh_typical_loads"


def queued(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


def test_several_changes_in_one_transaction_queue_one_run_each_when_it_commits() -> None:
    with transaction.atomic():
        queue_account_bills_refresh()
        queue_account_bills_refresh()
        queue_typical_loads_refresh()
        queue_typical_loads_refresh()
        assert queued(BILLS) == 0  # not before the commit
    assert (queued(BILLS), queued(LOADS)) == (1, 1)


def test_a_rolled_back_transaction_queues_nothing() -> None:
    with transaction.atomic():
        queue_account_bills_refresh()
        transaction.set_rollback(True)
    assert queued(BILLS) == 0


def test_outside_a_transaction_it_is_queued_at_once_every_time() -> None:
    queue_account_bills_refresh()
    queue_account_bills_refresh()
    assert queued(BILLS) == 2
