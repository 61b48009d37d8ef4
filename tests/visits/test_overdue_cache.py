""" "My work" keeps a manager's overdue accounts in the shared cache: every change that moves a due
date must show at once, on the same day, not when the cache entry expires."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from powerkam.accounts.models import Account, Assignment
from powerkam.accounts.selectors import account_summary
from powerkam.visits import services
from powerkam.visits.selectors import due_rows, overdue_for_manager
from tests.visits.helpers import graded, key_account, visit

D = dt.date
TODAY = D(2026, 11, 11)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def overdue(user: User) -> list[str]:
    """The cached answer, checked against the cadence replayed afresh."""
    cached = [r.customer_id for r in overdue_for_manager(user, TODAY)]
    managed = Account.objects.active().filter(
        pk__in=Assignment.objects.filter(staff_id=user.pk, active=True).values("account_id")
    )
    assert cached == [r.customer_id for r in due_rows(accounts=managed, as_of=TODAY) if r.overdue]
    return cached


def test_a_recorded_visit_takes_the_account_off_the_list_at_once(manager: User) -> None:
    account = key_account("K1", "C", key_since=D(2026, 9, 1), manager=manager)  # C: due 10-01
    key_account("K2", "C", key_since=D(2026, 10, 20), manager=manager)  # due 11-20: not yet
    assert overdue(manager) == ["K1"]
    assert overdue(manager) == ["K1"]  # the second answer comes from the cache
    services.visit_record(account=account, visited_on=D(2026, 11, 10), by=manager)
    assert overdue(manager) == []


def test_an_imported_visit_and_an_archived_one_count_too(manager: User) -> None:
    account = key_account("K1", "C", key_since=D(2026, 9, 1), manager=manager)
    assert overdue(manager) == ["K1"]
    recorded = visit(account, D(2026, 11, 2), imported=True)
    assert overdue(manager) == []
    recorded.archived = True
    recorded.save()
    assert overdue(manager) == ["K1"]


def test_a_new_grade_moves_the_due_date(manager: User) -> None:
    account = key_account("K1", "A", key_since=D(2026, 8, 1), manager=manager)  # A: every 6 months
    visit(account, D(2026, 8, 20))  # due 2027-02-20 as an A account
    assert overdue(manager) == []
    graded(account, "2026-09", "C")  # C: every month, from September on → overdue by November
    account.grade = "C"
    account.save()
    assert overdue(manager) == ["K1"]


def test_a_grading_run_alone_moves_the_due_date(manager: User) -> None:
    account = key_account("K1", "A", key_since=D(2026, 8, 1), manager=manager)
    visit(account, D(2026, 8, 20))
    graded(account, "2026-08", "A")
    assert overdue(manager) == []
    graded(account, "2026-09", "C")  # a later run's grade, the account's own not yet changed
    assert overdue(manager) == ["K1"]


def test_a_reassigned_account_leaves_the_old_managers_list(manager: User, colleague: User, supervisor: User) -> None:
    account = key_account("K1", "C", key_since=D(2026, 9, 1), manager=manager)
    assert (overdue(manager), overdue(colleague)) == (["K1"], [])
    services.account_reassign(account=account, to_user=colleague, by=supervisor)
    assert (overdue(manager), overdue(colleague)) == ([], ["K1"])


def test_the_summary_follows_a_grade_change(manager: User) -> None:
    account = key_account("K1", "C", manager=manager)
    assert (account_summary(user=manager).grade_a, account_summary(user=manager).grade_c) == (0, 1)
    account.grade = "A"
    account.save()
    assert (account_summary(user=manager).grade_a, account_summary(user=manager).grade_c) == (1, 0)
