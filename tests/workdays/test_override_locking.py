"""No lost update on a calendar override: two administrators correct the same date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.staff.models import Role
from powerkam.workdays import services
from powerkam.workdays.models import CalendarOverride
from tests.factories import StaffFactory
from tests.locking import api_race, form_version, send

D = dt.date
pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def admins() -> tuple[User, User]:
    return StaffFactory(role=Role.ADMIN, name="周管理").user, StaffFactory(role=Role.ADMIN, name="吴管理").user


@pytest.fixture
def entry(admins: tuple[User, User]) -> CalendarOverride:
    return services.calendar_override_set(date=D(2027, 10, 9), is_workday=True, name="国庆节调休", by=admins[0])


def test_the_second_form_is_refused_naming_who_changed_the_entry(
    admins: tuple[User, User], entry: CalendarOverride
) -> None:
    zhou, wu = client_for(admins[0]), client_for(admins[1])
    page = f"/calendar/?year=2027&edit={entry.pk}"
    seen_zhou, seen_wu = form_version(zhou.get(page)), form_version(wu.get(page))
    assert seen_zhou == seen_wu == 1
    form = {"date": "2027-10-09", "is_workday": "1", "name": "国庆节调休"}
    zhou.post("/calendar/overrides/", {**form, "note": "国务院办公厅通知", "version": seen_zhou})
    refused = wu.post("/calendar/overrides/", {**form, "is_workday": "0", "version": seen_wu}, follow=True)
    assert "周管理 changed this calendar override while you were editing it" in refused.content.decode()
    entry.refresh_from_db()
    assert (entry.is_workday, entry.note, entry.version) == (True, "国务院办公厅通知", 2)


def test_a_stale_withdraw_is_refused(admins: tuple[User, User], entry: CalendarOverride) -> None:
    services.calendar_override_set(date=entry.date, is_workday=True, name="国庆节调休", note="核对", version=1)
    answer = client_for(admins[1]).post(f"/calendar/overrides/{entry.pk}/archive/", {"version": 1}, follow=True)
    assert "changed this calendar override while you were editing it" in answer.content.decode()
    entry.refresh_from_db()
    assert not entry.archived


def test_the_second_api_put_gets_409(admins: tuple[User, User], entry: CalendarOverride) -> None:
    url = "/api/v1/calendar/overrides/2027-10-09"
    first, second = api_race(
        client_for(admins[0]), client_for(admins[1]), read=url, write=url, method="put",
        mine={"is_workday": True, "name": "国庆节调休", "note": "国务院办公厅通知"},
        theirs={"is_workday": False, "name": "国庆节"},
    )  # fmt: skip
    assert first.status_code == 200, first.content
    assert second.status_code == 409, second.content
    assert second.json()["changed_fields"] == ["note"]
    assert second.json()["current"]["is_workday"] is True
    entry.refresh_from_db()
    assert (entry.is_workday, entry.note) == (True, "国务院办公厅通知")


def test_replacing_an_entry_over_the_api_needs_its_version(admins: tuple[User, User], entry: CalendarOverride) -> None:
    web = client_for(admins[0])
    url = "/api/v1/calendar/overrides/2027-10-09"
    assert send(web, "put", url, {"is_workday": False}).status_code == 428
    created = send(web, "put", "/api/v1/calendar/overrides/2027-10-10", {"is_workday": False, "name": "国庆节"})
    assert created.status_code == 200, created.content
    assert created.headers["ETag"] == '"1"'
