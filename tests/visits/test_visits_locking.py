"""No lost update on a planned visit (moved) and a follow-up (closed): two people act from one version."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.visits import services
from powerkam.visits.models import FollowUp, FollowUpStatus, PlannedVisit, VisitPlan
from tests.locking import form_version, send
from tests.visits.helpers import key_account

D = dt.date
pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def plan(manager: User) -> VisitPlan:
    key_account("K0", "C", key_since=D(2026, 10, 13), manager=manager)  # due 11-13
    return services.plan_generate(first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), as_of=D(2026, 10, 31))


def test_the_second_move_form_is_refused_and_says_who_moved_it(
    plan: VisitPlan, manager: User, supervisor: User
) -> None:
    planned = plan.visits.get()
    url = f"/visits/planned/{planned.pk}/move/"
    mine, theirs = client_for(manager), client_for(supervisor)
    page_mine, page_theirs = mine.get(url), theirs.get(url)
    assert form_version(page_mine) == form_version(page_theirs) == planned.version

    moved = mine.post(url, {"day": "2026-11-10", "username": "m1", "version": form_version(page_mine)})
    assert moved.status_code == 302
    again = theirs.post(url, {"day": "2026-11-12", "username": "m1", "version": form_version(page_theirs)})

    page = again.content.decode()
    assert "李娜 changed this planned visit while you were editing it" in page
    assert "planned on" in page.split("Your change was not saved")[0]
    assert form_version(again) == planned.version + 1
    planned.refresh_from_db()
    assert planned.planned_on == D(2026, 11, 10)


def test_the_second_api_move_gets_409(plan: VisitPlan, manager: User, supervisor: User) -> None:
    mine, theirs = client_for(manager), client_for(supervisor)
    query = "/api/v1/visits/plan?from=2026-11-01&to=2026-11-30"
    seen_mine, seen_theirs = mine.get(query).json()[0], theirs.get(query).json()[0]
    assert seen_mine["version"] == seen_theirs["version"]
    url = f"/api/v1/visits/planned/{seen_mine['id']}/move"

    first = send(mine, "post", url, {"day": "2026-11-10"}, **{"If-Match": f'"{seen_mine["version"]}"'})
    second = send(theirs, "post", url, {"day": "2026-11-12", "version": seen_theirs["version"]})

    assert first.status_code == 200, first.content
    assert second.status_code == 409, second.content
    assert second.json()["current"]["planned_on"] == "2026-11-10"
    assert second.json()["changed_by"] == ["李娜"]
    assert PlannedVisit.objects.get(pk=seen_mine["id"]).planned_on == D(2026, 11, 10)


def _followup(manager: User) -> FollowUp:
    account = key_account("K1", "B", manager=manager)
    return services.followup_create(
        account=account, need="申请改按需量计费", owner=manager, due_on=D(2026, 11, 20), by=manager
    )


def test_a_follow_up_closed_meanwhile_is_not_closed_again(manager: User, supervisor: User) -> None:
    followup = _followup(manager)
    url = f"/visits/followups/{followup.pk}/close/"
    mine, theirs = client_for(manager), client_for(supervisor)
    assert mine.post(url, {"note": "已办理", "version": 1, "next": "/visits/followups/"}).status_code == 302
    refused = theirs.post(
        url, {"note": "客户撤回", "cancel": "on", "version": 1, "next": "/visits/followups/"}, follow=True
    )
    assert "李娜 changed this follow-up while you were editing it" in refused.content.decode()
    followup.refresh_from_db()
    assert (followup.status, followup.note) == (FollowUpStatus.DONE, "已办理")


def test_the_second_api_close_gets_409(manager: User, supervisor: User) -> None:
    followup = _followup(manager)
    url = f"/api/v1/visits/followups/{followup.pk}/close"
    first = send(client_for(manager), "post", url, {"note": "已办理"}, **{"If-Match": '"1"'})
    second = send(client_for(supervisor), "post", url, {"cancel": True, "version": 1})
    assert first.status_code == 200, first.content
    assert second.status_code == 409, second.content
    assert second.json()["current"]["status"] == FollowUpStatus.DONE
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.DONE


def test_a_reassignment_from_a_stale_page_is_refused_naming_who_reassigned(
    manager: User, colleague: User, supervisor: User
) -> None:
    from factories import StaffFactory
    from powerkam.accounts.models import Assignment, AssignmentRole

    deputy = StaffFactory(role="supervisor", name="孙副主任").user
    third = StaffFactory(role="manager", name="赵六", user__username="m3").user
    key_account("K1", "A", manager=manager)
    page = "/visits/reassign/?customer_id=K1"
    mine, theirs = client_for(supervisor), client_for(deputy)
    seen_mine = mine.get(page).content.decode()
    seen_theirs = theirs.get(page).content.decode()
    primary = Assignment.objects.get(account__customer_id="K1", role=AssignmentRole.PRIMARY, active=True)
    hidden = f'<input type="hidden" name="seen" value="{primary.pk}"'
    assert hidden in seen_mine
    assert hidden in seen_theirs

    mine.post(page, {"customer_id": "K1", "to_user": colleague.pk, "seen": primary.pk})
    refused = theirs.post(page, {"customer_id": "K1", "to_user": third.pk, "seen": primary.pk})

    text = refused.content.decode()
    assert "张主任 changed this assignment while you were editing it" in text
    assert ": manager. Your change was not saved." in text
    active = Assignment.objects.get(account__customer_id="K1", role=AssignmentRole.PRIMARY, active=True)
    assert active.staff == colleague
