"""After a billing or payments import the worker rebuilds the accounts' copy of their bills (what the
360 page reads, powerkam.analytics.account_bills); the page's figures are the same either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from factories import AccountFactory, work_off_the_queue
from powerkam.accounts.models import Account
from powerkam.accounts.selectors import account_monthly_history, account_payment_record
from powerkam.accounts.services import account_bills_refresh
from powerkam.analytics import account_bills
from powerkam.imports.services import import_file

pytestmark = pytest.mark.django_db

TASK = "powerkam.accounts.tasks.refresh_account_bills"


def figures(account: Account) -> tuple[object, object]:
    return account_payment_record(account=account), account_monthly_history(account=account)


@pytest.mark.django_db(transaction=True)  # the worker closes its connections, as in service
def test_an_import_of_bills_or_payments_queues_the_copy_and_the_worker_builds_it(store: Path, samples: Path) -> None:
    import_file(kind="customers", path=samples / "customers.csv")
    accounts = list(Account.objects.all())
    assert accounts
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()  # customers are not bills
    import_file(kind="billing", path=samples / "billing.csv")
    import_file(kind="payments", path=samples / "payments.csv")
    assert DBTaskResult.objects.filter(task_path=TASK, status="READY").count() == 2  # one per import
    from_files = {a.customer_id: figures(a) for a in accounts}
    assert account_bills.rows_of(store, accounts[0].customer_id) is None  # not built yet: the files answer

    work_off_the_queue()

    assert account_bills.is_current(store, [a.customer_id for a in accounts])
    assert account_bills.rows_of(store, accounts[0].customer_id) is not None
    assert {a.customer_id: figures(a) for a in accounts} == from_files
    assert any(record.bills for record, _history in from_files.values())


def test_the_refresh_rebuilds_only_when_bills_payments_or_accounts_changed(store: Path, samples: Path) -> None:
    import_file(kind="customers", path=samples / "customers.csv")
    import_file(kind="billing", path=samples / "billing.csv")
    assert account_bills_refresh() > 0
    assert account_bills_refresh() is None  # current
    new = AccountFactory(customer_id="NEW-1")
    assert account_bills.rows_of(store, "NEW-1") is None  # not in the copy: read from the files
    assert account_bills_refresh() is not None
    assert account_bills.rows_of(store, "NEW-1") is not None
    assert figures(new)[0].bills == []
    assert account_bills_refresh(force=True) is not None
