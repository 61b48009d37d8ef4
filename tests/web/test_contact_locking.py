"""No lost update on a contact person: two managers of one account edit the same contact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from factories import AccountFactory, AssignmentFactory, ContactFactory, StaffFactory
from powerkam.accounts.models import AssignmentRole, Contact
from powerkam.staff.models import Role
from tests.locking import api_race, form_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_language() -> Iterator[None]:
    """The pages are asked in English; the next test gets back the language it would have had."""
    with translation.override(translation.get_language()):
        yield


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def two_managers() -> tuple[User, User, Contact]:
    account = AccountFactory(customer_id="C1")
    primary = StaffFactory(role=Role.MANAGER, name="李娜").user
    secondary = StaffFactory(role=Role.MANAGER, name="王强").user
    AssignmentFactory(account=account, staff=primary, role=AssignmentRole.PRIMARY)
    AssignmentFactory(account=account, staff=secondary, role=AssignmentRole.SECONDARY)
    contact = ContactFactory(account=account, name="张工", phone="13800000001")
    return primary, secondary, contact


def _data(contact: Contact, **changes: str) -> dict[str, str]:
    fields = ("name", "title", "role", "influence", "phone", "email", "notes")
    return {**{f: getattr(contact, f) for f in fields}, **changes}


def test_the_second_contact_form_names_who_changed_what(two_managers: tuple[User, User, Contact]) -> None:
    li, wang, contact = two_managers
    url = f"/accounts/C1/contacts/{contact.pk}/edit/"
    first, second = client_for(li), client_for(wang)
    page_li, page_wang = first.get(url), second.get(url)
    assert form_version(page_li) == form_version(page_wang) == 1

    assert first.post(url, {**_data(contact, phone="13900000002"), "version": 1}).status_code == 302
    again = second.post(url, {**_data(contact, title="能源总监"), "version": 1})

    assert again.status_code == 400
    page = again.content.decode()
    assert "李娜 changed this contact while you were editing it" in page
    assert ": phone. Your change was not saved." in page
    assert "能源总监" in page
    assert form_version(again) == 2
    contact.refresh_from_db()
    assert (contact.phone, contact.title, contact.version) == ("13900000002", "电气主管", 2)


def test_the_second_api_patch_gets_409_with_the_current_contact(two_managers: tuple[User, User, Contact]) -> None:
    li, wang, contact = two_managers
    url = f"/api/v1/accounts/C1/contacts/{contact.pk}"
    first, second = api_race(
        client_for(li), client_for(wang), read=url, write=url, method="patch",
        mine={"phone": "13900000002"}, theirs={"title": "能源总监"},
    )  # fmt: skip
    assert first.status_code == 200, first.content
    assert (first.json()["phone"], first.headers["ETag"]) == ("13900000002", '"2"')
    assert second.status_code == 409, second.content
    body = second.json()
    assert (body["changed_by"], body["changed_fields"]) == (["李娜"], ["phone"])
    assert (body["current"]["phone"], body["current"]["title"], body["current"]["version"]) == (
        "13900000002",
        "电气主管",
        2,
    )
    contact.refresh_from_db()
    assert (contact.phone, contact.title) == ("13900000002", "电气主管")


def test_a_contact_on_an_account_one_does_not_manage_is_not_found(two_managers: tuple[User, User, Contact]) -> None:
    _li, _wang, contact = two_managers
    other = StaffFactory(role=Role.MANAGER).user
    answer = client_for(other).get(f"/accounts/C1/contacts/{contact.pk}/edit/")
    assert answer.status_code in (403, 404)
