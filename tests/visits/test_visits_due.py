"""Due dates from the CRM: key-since date, grade history, imported visits, managers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from factories import AccountFactory, AssignmentFactory
from powerkam.accounts.models import Account, AssignmentRole
from powerkam.visits.selectors import all_visits_due, visits_due
from tests.visits.helpers import graded, key_account, visit

D = dt.date
pytestmark = pytest.mark.django_db


def due_of(customer_id: str, as_of: dt.date) -> dict[str, object]:
    return next(r.as_dict() for r in all_visits_due(as_of=as_of) if r.customer_id == customer_id)


def test_month_end_cadence_from_last_visit(manager: User) -> None:
    a = key_account("KA", "A", manager=manager)
    b = key_account("KB", "B", manager=manager)
    visit(a, D(2026, 8, 31))
    visit(b, D(2026, 8, 31))
    assert due_of("KA", D(2026, 9, 1))["due_on"] == D(2027, 2, 28)
    assert due_of("KB", D(2026, 9, 1))["due_on"] == D(2026, 11, 30)


def test_first_visit_one_month_after_key_since(manager: User) -> None:
    key_account("K1", "C", key_since=D(2026, 8, 31), manager=manager)
    row = due_of("K1", D(2026, 9, 1))
    assert (row["last_visit_on"], row["due_on"], row["username"]) == (None, D(2026, 9, 30), "m1")


def test_key_since_from_the_first_run_that_found_it(manager: User) -> None:
    account = key_account("K1", "B", key_since=None, manager=manager)
    graded(account, "2026-03", "B", key=False)
    graded(account, "2026-04", "B")
    graded(account, "2026-05", "B")
    assert due_of("K1", D(2026, 5, 31))["due_on"] == D(2026, 5, 30)  # 04-30 + 1 month


def test_grade_change_from_the_runs(manager: User) -> None:
    account = key_account("K1", "C", key_since=D(2026, 1, 31), manager=manager)
    graded(account, "2026-01", "A")
    graded(account, "2026-03", "C")
    visit(account, D(2026, 1, 10), imported=True)
    # A: due 07-10; the 2026-03 run (as of 03-31) makes it C: min(07-10, 02-10) → 02-10.
    assert due_of("K1", D(2026, 3, 1))["due_on"] == D(2026, 7, 10)
    assert due_of("K1", D(2026, 4, 1))["due_on"] == D(2026, 2, 10)


def test_imported_visits_before_key_count(manager: User) -> None:
    account = key_account("K1", "B", key_since=D(2026, 1, 31), manager=manager)
    visit(account, D(2025, 12, 15), imported=True)
    assert due_of("K1", D(2026, 2, 1))["due_on"] == D(2026, 3, 15)


def test_visits_after_as_of_are_not_known_yet(manager: User) -> None:
    account = key_account("K1", "C", manager=manager)
    visit(account, D(2026, 5, 5))
    visit(account, D(2026, 6, 5))
    assert due_of("K1", D(2026, 5, 31))["due_on"] == D(2026, 6, 5)


def test_only_graded_key_accounts_and_managers(manager: User, colleague: User) -> None:
    key_account("K1", "A", manager=manager)
    key_account("K2", "B", manager=None)
    AccountFactory(customer_id="CAND")  # a candidate is not visited on a cadence
    secondary_only = key_account("K3", "C")
    AssignmentFactory(account=secondary_only, staff=colleague, role=AssignmentRole.SECONDARY)
    rows = {r.customer_id: r.username for r in all_visits_due(as_of=D(2026, 3, 1))}
    assert rows == {"K1": "m1", "K2": None, "K3": "m2"}


def test_a_manager_sees_only_their_accounts(manager: User, colleague: User, supervisor: User) -> None:
    key_account("K1", "A", manager=manager)
    key_account("K2", "A", manager=colleague)
    assert [r.customer_id for r in visits_due(user=manager, as_of=D(2026, 3, 1))] == ["K1"]
    assert {r.customer_id for r in visits_due(user=supervisor, as_of=D(2026, 3, 1))} == {"K1", "K2"}


def test_archived_accounts_are_left_out(manager: User) -> None:
    key_account("K1", "A", manager=manager)
    Account.objects.filter(customer_id="K1").update(archived=True)
    assert all_visits_due(as_of=D(2026, 3, 1)) == []
