from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from factories import AccountFactory, AssignmentFactory, StaffFactory, UserFactory
from powerkam.accounts.models import Account
from powerkam.staff.models import Role

D = dt.date


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Assertions read the English messages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def supervisor(db: Any) -> User:
    return StaffFactory(role=Role.SUPERVISOR, user__username="zhang.sup", user__email="sup@example.com").user


@pytest.fixture
def manager(supervisor: User) -> User:
    return StaffFactory(
        role=Role.MANAGER, supervisor=supervisor.staff, user__username="li.mgr", user__email="li@example.com"
    ).user


@pytest.fixture
def colleague(supervisor: User) -> User:
    return StaffFactory(
        role=Role.MANAGER, supervisor=supervisor.staff, user__username="wang.mgr", user__email="wang@example.com"
    ).user


@pytest.fixture
def desk(db: Any) -> User:
    """A front-desk staff member who records requests."""
    return StaffFactory(role=Role.MANAGER, user__username="desk").user


@pytest.fixture
def outsider(db: Any) -> User:
    """A Django user without a staff profile."""
    return UserFactory(username="outsider")


@pytest.fixture
def account(manager: User) -> Account:
    account = AccountFactory(name="示范钢铁有限公司", customer_id="C900001")
    AssignmentFactory(account=account, staff=manager)
    return account
