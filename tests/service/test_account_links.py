"""Ticket lists link an account's name to its 360 page only for those who may open it (first inquiry,
docs/permissions.md): the person who recorded a request on another manager's account sees the name as
text — on the service list, the "My work" tickets panel and a case — while the account's manager and
the whole-base roles get the link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import AccountFactory, AssignmentFactory
from powerkam.accounts.models import Account
from powerkam.service import services

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 2)


def page_for(user: User, url: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.content.decode()


@pytest.fixture
def theirs(colleague: User) -> Account:
    account = AccountFactory(name="他管钢铁有限公司", customer_id="C900002")
    AssignmentFactory(account=account, staff=colleague)
    return account


def test_the_recorder_sees_the_other_managers_account_as_text(
    desk: User, colleague: User, supervisor: User, theirs: Account
) -> None:
    desk_account = AccountFactory(name="前台自管客户", customer_id="C900003")
    AssignmentFactory(account=desk_account, staff=desk)
    for account in (theirs, desk_account):
        services.ticket_create(kind="consultation", title="来电咨询", by=desk, accepted_on=TODAY, account=account)
    link_theirs = f'href="/accounts/{theirs.customer_id}/"'
    link_own = f'href="/accounts/{desk_account.customer_id}/"'

    for url in ("/service/", "/work/panels/tickets/"):
        html = page_for(desk, url)
        assert theirs.name in html, url  # the name of the account they recorded the request on …
        assert link_theirs not in html, url  # … but no link to a page that would refuse them
        assert link_own in html, url  # their own account stays linked

    # the account's manager (asked to take the ticket over) and a supervisor may open the account
    assert link_theirs in page_for(colleague, "/service/?scope=all")
    assert link_theirs in page_for(supervisor, "/service/?scope=all")


def test_a_case_recorded_on_another_managers_account_names_it_without_a_link(
    desk: User, supervisor: User, theirs: Account
) -> None:
    case = services.case_create(account=theirs, title="增容申请", by=desk, accepted_on=TODAY)
    html = page_for(desk, f"/service/cases/{case.pk}/")
    assert theirs.name in html
    assert f'href="/accounts/{theirs.customer_id}/"' not in html
    assert f'href="/accounts/{theirs.customer_id}/"' in page_for(supervisor, f"/service/cases/{case.pk}/")
