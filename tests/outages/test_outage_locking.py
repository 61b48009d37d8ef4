"""No lost update on outages, their follow-ups and the outage rules: two planners act from one version."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import StaffFactory
from powerkam.accounts.models import Account
from powerkam.core.errors import ConflictError
from powerkam.outages import services
from powerkam.outages.models import FollowUpStatus, OutageRulesVersion, OutageStatus, PlannedOutage
from powerkam.staff.models import Role
from tests.locking import api_race, form_version
from tests.outages.test_outage_lifecycle import create

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def second_planner(db: object) -> User:
    return StaffFactory(role=Role.PLANNER, user__username="zhou.plan", name="周洁").user


def test_a_cancel_from_a_stale_page_is_refused(
    small_grid: dict[str, Account], planner: User, second_planner: User
) -> None:
    outage = create(planner)
    chen, zhou = client_for(planner), client_for(second_planner)
    page = f"/grid/outages/{outage.pk}/"
    assert form_version(chen.get(page)) == form_version(zhou.get(page)) == 1

    chen.post(f"/grid/outages/{outage.pk}/schedule/", {"version": 1})
    refused = zhou.post(f"/grid/outages/{outage.pk}/cancel/", {"version": 1}, follow=True)

    page_text = refused.content.decode()
    assert "陈刚 changed this planned outage while you were editing it" in page_text
    assert "status" in page_text.split("Your change was not saved")[0]
    outage.refresh_from_db()
    assert outage.status == OutageStatus.SCHEDULED


def test_the_second_api_patch_gets_409(small_grid: dict[str, Account], planner: User, second_planner: User) -> None:
    outage = create(planner)
    url = f"/api/v1/grid/outages/{outage.pk}"
    first, second = api_race(
        client_for(planner), client_for(second_planner), read=url, write=url, method="patch",
        mine={"crew": "检修一班"}, theirs={"crew": "检修二班"},
    )  # fmt: skip
    assert first.status_code == 200, first.content
    assert second.status_code == 409, second.content
    assert second.json()["current"]["crew"] == "检修一班"
    assert second.json()["changed_by"] == ["陈刚"]
    assert PlannedOutage.objects.get(pk=outage.pk).crew == "检修一班"


def test_a_stale_follow_up_close_keeps_the_first_outcome(
    small_grid: dict[str, Account], planner: User, second_planner: User
) -> None:
    outage = create(planner)
    services.outage_schedule(outage=outage, by=planner)
    services.outage_complete(outage=outage, by=planner)
    follow_up = outage.follow_ups.get(account__customer_id="KA")
    answer = client_for(planner).post(
        f"/api/v1/grid/follow-ups/{follow_up.pk}/close", {"note": "供电已恢复", "version": 1}, "application/json"
    )
    assert answer.status_code == 200, answer.content
    stale = client_for(second_planner).post(
        f"/api/v1/grid/follow-ups/{follow_up.pk}/close", {"note": "客户投诉", "version": 1}, "application/json"
    )
    assert stale.status_code == 409, stale.content
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.note) == (FollowUpStatus.DONE, "供电已恢复")


def test_rules_saved_from_an_older_version_are_refused(planner: User, second_planner: User) -> None:
    base = services.outage_rules_set(rules_toml="[weights.grade]\nA = 3\n", by=planner)
    services.outage_rules_set(rules_toml="[weights.grade]\nA = 4\n", by=planner, based_on=base.pk)
    with pytest.raises(ConflictError) as caught:
        services.outage_rules_set(rules_toml="[weights.grade]\nA = 5\n", by=second_planner, based_on=base.pk)
    assert caught.value.extra["changed_by"] == ["陈刚"]
    assert caught.value.extra["changed_fields"] == ["rules (TOML)"]
    assert OutageRulesVersion.objects.first().rules_toml == "[weights.grade]\nA = 4\n"  # type: ignore[union-attr]


def test_notices_sent_from_a_stale_page_are_refused_and_nothing_is_sent(
    small_grid: dict[str, Account], planner: User, second_planner: User, mailoutbox: list[Any]
) -> None:
    outage = services.outage_schedule(outage=create(planner), by=planner)
    chen, zhou = client_for(planner), client_for(second_planner)
    page = f"/grid/outages/{outage.pk}/"
    seen = form_version(zhou.get(page))
    assert seen == form_version(chen.get(page)) == 2

    # 陈刚 recomputes the impact (the outage stays scheduled); 周洁 sends the notices from what she saw
    chen.post(f"/grid/outages/{outage.pk}/schedule/", {"version": seen})
    refused = zhou.post(f"/grid/outages/{outage.pk}/notify/", {"version": seen}, follow=True)

    assert "陈刚 changed this planned outage while you were editing it" in refused.content.decode()
    outage.refresh_from_db()
    assert (outage.status, outage.version) == (OutageStatus.SCHEDULED, 3)
    assert not outage.notices.exists()
    assert mailoutbox == []


def test_the_second_api_notify_gets_409_and_the_notices_go_once(
    small_grid: dict[str, Account], planner: User, second_planner: User, mailoutbox: list[Any]
) -> None:
    outage = services.outage_schedule(outage=create(planner), by=planner)
    url = f"/api/v1/grid/outages/{outage.pk}"
    chen, zhou = client_for(planner), client_for(second_planner)
    etag = chen.get(url).headers["ETag"]
    assert etag == zhou.get(url).headers["ETag"] == '"2"'
    first = chen.post(f"{url}/notify", headers={"If-Match": etag})
    second = zhou.post(f"{url}/notify", headers={"If-Match": etag})
    assert first.status_code == 200, first.content
    assert first.json()["status"] == OutageStatus.NOTIFIED
    assert second.status_code == 409, second.content
    assert second.json()["current"]["status"] == OutageStatus.NOTIFIED
    assert second.json()["changed_by"] == ["陈刚"]
    outage.refresh_from_db()
    assert outage.notices.filter(channel="email").count() == 2  # KA's two contacts with an address, once
    assert len(mailoutbox) == 2
