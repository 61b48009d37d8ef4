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


@pytest.fixture(autouse=True)
def _notice_templates(request: pytest.FixtureRequest) -> None:
    """The default notification templates, as the data migration leaves them: a transactional test of
    another app in the same worker flushes the tables (and the migration's rows) away."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if not marker and not names & {"db", "transactional_db", "live_server"}:
        return
    transactional = bool(names & {"transactional_db", "live_server"}) or bool(
        marker and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from powerkam.service.models import NoticeTemplate
    from powerkam.service.notice_defaults import seed_rows

    for row in seed_rows():
        NoticeTemplate.objects.get_or_create(kind=row["kind"], defaults=row)


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


def taken_over(ticket: Any, user: Any) -> Any:
    """First inquiry (docs/permissions.md): the person a recorded request was handed to accepts it and
    owns it from then on. Returns the ticket as it is now."""
    from powerkam.service import selectors as service_selectors
    from powerkam.service import services as service_services

    pending = service_selectors.pending_transfer(ticket)
    assert pending is not None, "nothing was handed over"
    assert pending.to_user == user, "the ticket was not handed to this person"
    service_services.ticket_transfer_accept(transfer=pending, by=user)
    ticket.refresh_from_db()
    return ticket
