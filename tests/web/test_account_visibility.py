"""Who sees which account, on the pages: a manager only theirs, supervisors/planners/viewers all,
a viewer read-only; archived accounts nowhere."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from factories import Team, UserFactory
from powerkam.accounts.models import Contact

#: The customer id in the first cell of each row of the account table.
ROW_IDS = re.compile(
    r'<tr>\s*<td class="nowrap cell-id"><label class="select-row">.*?</label>(?:<input type="hidden"[^>]*>)?'
    r'<a href="[^"]*">([^<]+)</a></td>'
)


def row_ids(html: str) -> list[str]:
    return ROW_IDS.findall(html)


pytestmark = pytest.mark.django_db

PAGES = [
    "/accounts/{}/",
    "/accounts/{}/consumption/",
    "/accounts/{}/load/",
    "/accounts/{}/payments/",
    "/accounts/{}/history/",
]


def listed(client: Client, **params: str) -> list[str]:
    response = client.get("/accounts/", params)
    assert response.status_code == 200
    return row_ids(response.content.decode())  # the HTML: the table may come from the cache


def test_a_manager_lists_only_the_accounts_they_manage(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    # E300's assignment has ended and E200 belongs to someone else.
    assert listed(client) == ["E100", "E101"]


def test_a_secondary_manager_sees_the_account_too(client: Client, team: Team) -> None:
    client.force_login(team.other.user)
    assert listed(client) == ["E100", "E200"]


@pytest.mark.parametrize("role", ["supervisor", "planner", "viewer"])
def test_supervisors_planners_and_viewers_see_every_active_account(client: Client, team: Team, role: str) -> None:
    client.force_login(getattr(team, role).user)
    assert listed(client) == ["E100", "E101", "E200", "E300"]


def test_a_user_without_a_staff_profile_sees_nothing(client: Client, team: Team) -> None:
    client.force_login(UserFactory())
    assert listed(client) == []
    assert client.get("/accounts/E100/").status_code == 403


def test_a_superuser_without_a_profile_sees_everything(client: Client, team: Team) -> None:
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert listed(client) == ["E100", "E101", "E200", "E300"]


@pytest.mark.parametrize("page", PAGES)
def test_a_manager_is_refused_another_managers_account(client: Client, team: Team, page: str, store_dir) -> None:
    client.force_login(team.manager.user)
    assert client.get(page.format("E100")).status_code == 200
    assert client.get(page.format("E200")).status_code == 403
    assert client.get(page.format("NOPE")).status_code == 404


def test_archived_accounts_are_not_found(client: Client, team: Team) -> None:
    client.force_login(team.supervisor.user)
    assert client.get("/accounts/E301/").status_code == 404


def test_home_counts_only_what_the_user_sees(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    summary = client.get("/").context["summary"]
    assert (summary.total, summary.key_accounts, summary.grade_a, summary.grade_b, summary.grade_c) == (2, 2, 1, 1, 0)
    client.force_login(team.supervisor.user)
    summary = client.get("/").context["summary"]
    assert (summary.total, summary.grade_c, summary.multiple_supply, summary.important_users) == (4, 1, 1, 1)


@pytest.mark.parametrize("url", ["/", "/accounts/", "/accounts/E100/", "/accounts/export.xlsx", "/settings/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, team: Team, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


CONTACT = {"name": "刘工", "title": "电气主管", "role": "energy_manager", "influence": "high", "phone": "13800000000"}


def test_a_viewer_is_read_only(client: Client, team: Team) -> None:
    client.force_login(team.viewer.user)
    page = client.get("/accounts/E100/")
    assert page.status_code == 200
    assert page.context["can_edit"] is False
    assert b"/accounts/E100/contacts/" not in page.content  # no form offered
    response = client.post("/accounts/E100/contacts/", CONTACT)
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_a_manager_adds_a_contact_to_their_account_and_it_is_in_the_history(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    response = client.post("/accounts/E100/contacts/", CONTACT, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "刘工" in response.content.decode()
    contact = Contact.objects.get()
    assert (contact.account.customer_id, contact.phone) == ("E100", "13800000000")
    assert "新增联系人：刘工" in client.get("/accounts/E100/history/").content.decode()


def test_a_manager_cannot_add_a_contact_to_someone_elses_account(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    assert client.post("/accounts/E200/contacts/", CONTACT).status_code == 403
    assert not Contact.objects.exists()


def test_a_contact_without_a_name_is_refused_next_to_the_field(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    response = client.post("/accounts/E100/contacts/", {**CONTACT, "name": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not Contact.objects.exists()
