"""Reassigning an account: the old assignment ends (kept), a new one starts; supervisors only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from factories import AssignmentFactory
from powerkam.accounts.models import Assignment, AssignmentRole
from powerkam.core.errors import ApplicationError
from powerkam.visits import services
from tests.visits.helpers import key_account

D = dt.date
pytestmark = pytest.mark.django_db


def test_reassign_ends_the_old_assignment(manager: User, colleague: User, supervisor: User) -> None:
    account = key_account("K1", "A", manager=manager)
    services.account_reassign(account=account, to_user=colleague, by=supervisor)
    rows = list(
        Assignment.objects.filter(account=account).order_by("pk").values_list("staff__username", "role", "active")
    )
    assert rows == [("m1", "primary", False), ("m2", "primary", True)]
    assert Assignment.history.filter(account_id=account.pk).count() == 3  # created, ended, created


def test_secondary_becomes_primary(manager: User, colleague: User, supervisor: User) -> None:
    account = key_account("K1", "A", manager=manager)
    AssignmentFactory(account=account, staff=colleague, role=AssignmentRole.SECONDARY)
    services.account_reassign(account=account, to_user=colleague, by=supervisor)
    active = list(Assignment.objects.filter(account=account, active=True).values_list("staff__username", "role"))
    assert active == [("m2", "primary")]


def test_refusals(manager: User, colleague: User, supervisor: User) -> None:
    account = key_account("K1", "A", manager=manager)
    with pytest.raises(ApplicationError, match="Only a supervisor"):
        services.account_reassign(account=account, to_user=colleague, by=manager)
    with pytest.raises(ApplicationError, match="already the primary"):
        services.account_reassign(account=account, to_user=manager, by=supervisor)
    with pytest.raises(ApplicationError, match="not an active account manager"):
        services.account_reassign(account=account, to_user=supervisor, by=supervisor)
    assert Assignment.objects.filter(account=account, active=True).get().staff == manager
