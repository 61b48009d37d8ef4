"""No lost update on a calendar override: two administrators correct (or first enter) the same date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import translation

from factories import StaffFactory
from powerkam.core.errors import ConflictError
from powerkam.staff.models import Role
from powerkam.workdays import services
from powerkam.workdays.models import CalendarOverride
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


# -- two administrators enter the same new date at once ------------------------------------------------


@pytest.fixture
def entered_meanwhile(admins: tuple[User, User]) -> Iterator[list[CalendarOverride]]:
    """Plays the race: the other administrator's entry for the date lands right after the service has read
    the date's row (none yet, so nothing to lock) and before it inserts its own — as on PostgreSQL, where
    their transaction commits while ours waits on the unique date. The list holds their entry once written.

    The service's read is recognised by its SQL (the row's columns, not the API's ``SELECT 1`` probe)."""
    written: list[CalendarOverride] = []

    def theirs_after_our_read(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not written and sql.startswith("SELECT") and '"workdays_calendaroverride"."note"' in sql:
            day = next(p for p in params if isinstance(p, (dt.date, str)) and str(p).startswith("2027-"))
            other = CalendarOverride(date=D.fromisoformat(str(day)), is_workday=False, name="国庆节", note="吴管理先录")
            other._history_user = admins[1]  # type: ignore[attr-defined]
            written.append(other)
            other.save()
        return result

    with connection.execute_wrapper(theirs_after_our_read):
        yield written


def test_a_date_entered_meanwhile_is_a_conflict_not_a_fault(
    admins: tuple[User, User], entered_meanwhile: list[CalendarOverride]
) -> None:
    with translation.override("en"), pytest.raises(ConflictError) as refused:
        services.calendar_override_set(date=D(2027, 10, 1), is_workday=True, name="调休", by=admins[0])
    assert entered_meanwhile, "the race was not played"
    assert refused.value.message.startswith("吴管理 entered 2027-10-01 in the calendar while you were entering it")
    assert "Your entry was not saved" in refused.value.message
    assert refused.value.current.name == "国庆节"
    assert (refused.value.extra["current_version"], refused.value.extra["your_version"]) == (1, 0)
    # nothing of ours was written (here their entry rolls back with ours: one connection plays both)
    assert not CalendarOverride.history.filter(name="调休").exists()


def test_the_form_says_who_entered_the_date_first(
    admins: tuple[User, User], entered_meanwhile: list[CalendarOverride]
) -> None:
    form = {"date": "2027-10-01", "is_workday": "1", "name": "调休", "note": "", "version": ""}
    answer = client_for(admins[0]).post("/calendar/overrides/", form, follow=True)
    assert answer.status_code == 200
    assert "吴管理 entered 2027-10-01 in the calendar while you were entering it" in answer.content.decode()
    assert not CalendarOverride.history.filter(name="调休").exists()


def test_the_api_answers_409_with_the_entry_made_first(
    admins: tuple[User, User], entered_meanwhile: list[CalendarOverride]
) -> None:
    answer = send(client_for(admins[0]), "put", "/api/v1/calendar/overrides/2027-10-01", {"is_workday": True})
    assert answer.status_code == 409, answer.content
    body = answer.json()
    assert body["code"] == "conflict"
    assert body["changed_by"] == ["吴管理"]
    assert (body["current_version"], body["your_version"]) == (1, 0)
    assert (body["current"]["is_workday"], body["current"]["name"]) == (False, "国庆节")
