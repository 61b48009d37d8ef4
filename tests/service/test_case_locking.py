"""No lost update on a new-connection case: two people open its next step from the same page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.accounts.models import Account
from powerkam.service import services
from powerkam.service.models import Case
from tests.locking import form_version
from tests.service.conftest import taken_over

D = dt.date

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def case(desk: User, manager: User, account: Account) -> Case:
    case = services.case_create(account=account, title="二期增容", by=desk, accepted_on=D(2026, 3, 2))
    step = taken_over(case.steps.get(), manager)  # first inquiry: handed to the account's manager
    services.ticket_close(ticket=step, version=None, by=manager, on=D(2026, 4, 10))
    return case


def test_the_second_next_step_form_is_refused_naming_who_opened_it(case: Case, manager: User, supervisor: User) -> None:
    mine, theirs = client_for(manager), client_for(supervisor)
    page = f"/service/cases/{case.pk}/"
    assert form_version(mine.get(page)) == form_version(theirs.get(page)) == 1
    opened = mine.post(f"{page}next-step/", {"accepted_on": "2026-04-20", "version": 1})
    assert opened.status_code == 302
    refused = theirs.post(f"{page}next-step/", {"accepted_on": "2026-04-21", "version": 1}, follow=True)
    assert "changed this new-connection case while you were editing it" in refused.content.decode()
    assert case.steps.count() == 2


def test_the_second_api_next_step_gets_409(case: Case, manager: User, supervisor: User) -> None:
    mine, theirs = client_for(manager), client_for(supervisor)
    seen = mine.get(f"/api/v1/service/cases/{case.pk}")
    assert seen.headers["ETag"] == '"1"'
    url = f"/api/v1/service/cases/{case.pk}/next-step"
    first = mine.post(url, json.dumps({"accepted_on": "2026-04-20"}), "application/json", headers={"If-Match": '"1"'})
    second = theirs.post(url, json.dumps({"accepted_on": "2026-04-21", "version": 1}), "application/json")
    assert first.status_code == 201, first.content
    assert second.status_code == 409, second.content
    assert second.json()["current"]["version"] == 2
    assert case.steps.count() == 2
