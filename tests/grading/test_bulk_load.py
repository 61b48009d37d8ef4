"""A first load drops the tables' secondary indexes and builds them again, exactly (issue 21).

The first grading run creates every key account: at 1,000,000 customers ~430,000 accounts, their
history rows and the grade rows. ``recording.bulk_load`` writes them without the tables' secondary
indexes and builds each index again from the statement the database reports for it. These tests
lower the threshold so a handful of rows takes that path, on SQLite and on PostgreSQL (CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from factories import AccountFactory, StaffFactory
from grading.grading_store import customer, monthly_bills, pay_on_time, periods_ending, write_store
from powerkam.accounts.models import Account
from powerkam.grading import recording
from powerkam.grading.models import AccountGrade
from powerkam.grading.services import grading_run_create, grading_run_execute
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db

W = periods_ending("2026-10", 12)
TABLES = (Account._meta.db_table, Account.history.model._meta.db_table, AccountGrade._meta.db_table)


def _indexes() -> dict[str, list[tuple[str, str]]]:
    return {table: recording._secondary_indexes(table) for table in TABLES}


def _grade(store_dir: Path, ids: list[str]) -> tuple[int, list[str]]:
    bills = [b for cid in ids for b in monthly_bills(cid, W)]
    write_store(store_dir, customers=[customer(cid) for cid in ids], billing=bills, payments=pay_on_time(bills))
    supervisor = StaffFactory(role=Role.SUPERVISOR).user
    with CaptureQueriesContext(connection) as queries:
        run = grading_run_execute(run=grading_run_create(period="2026-10", by=supervisor))
    return run.accounts_created, [q["sql"] for q in queries.captured_queries]


def test_a_first_load_builds_every_index_again_as_it_was(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "BULK_LOAD_MIN_ROWS", 3)
    before = _indexes()
    assert all(before.values())  # each table has secondary indexes to drop (the list's sort orders …)
    assert "account_sort_name_idx" in {name for name, _sql in before[Account._meta.db_table]}

    created, sql = _grade(store_dir, ["K1", "K2", "K3", "K4"])

    assert created == 4
    dropped = [s for s in sql if s.startswith("DROP INDEX")]
    assert len(dropped) == sum(len(v) for v in before.values())  # all three tables were loaded in bulk
    assert _indexes() == before  # the same indexes, the same definitions
    assert set(Account.objects.values_list("customer_id", flat=True)) == {"K1", "K2", "K3", "K4"}
    assert AccountGrade.objects.count() == 4
    assert Account.history.filter(history_type="+").count() == 4


def test_a_table_holding_more_rows_than_a_run_writes_keeps_its_indexes(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recording, "BULK_LOAD_MIN_ROWS", 3)
    for n in range(6):
        AccountFactory(customer_id=f"HELD{n}")
    before = _indexes()

    created, sql = _grade(store_dir, ["K1", "K2", "K3", "K4"])

    assert created == 4
    dropped = [s for s in sql if s.startswith("DROP INDEX")]
    # 4 new accounts into 6 held: kept; 4 "+" rows into 6: kept; 4 grade rows into none: in bulk.
    assert len(dropped) == len(before[AccountGrade._meta.db_table])
    assert _indexes() == before
