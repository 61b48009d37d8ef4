"""The iCalendar feed behind a secret link, parsed by the icalendar library."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from icalendar import Calendar

from powerkam.visits import services
from tests.visits.helpers import key_account

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(manager: User, colleague: User) -> None:
    key_account("K1", "C", key_since=D(2026, 10, 13), manager=manager, name="示范钢铁")  # due 11-13
    key_account("K2", "C", key_since=D(2026, 10, 11), manager=manager, district="西城区")  # due 11-11
    key_account("K3", "C", key_since=D(2026, 10, 13), manager=colleague)
    services.plan_generate(first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), as_of=D(2026, 11, 1))
    account = key_account("K4", "A", manager=manager)
    services.followup_create(account=account, need="无功补偿方案", owner=manager, due_on=D(2026, 11, 20), by=manager)


def test_feed_lists_my_visits_and_followups(client: Client, manager: User, planned: None) -> None:
    token = services.feed_for(user=manager).token
    # No login (calendar apps cannot log in); an English-speaking app still gets the site's language.
    response = client.get(f"/visits/feed/{token}.ics", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = sorted((e.get("dtstart").dt, str(e.get("summary"))) for e in cal.walk("VEVENT"))
    # In the site's language (zh-Hans), whatever the calendar app asks for.
    assert events == [
        (D(2026, 11, 11), "走访:客户K2(K2)"),
        (D(2026, 11, 13), "走访:示范钢铁(K1)"),
        (D(2026, 11, 20), "跟进:无功补偿方案(客户K4)"),
    ]
    uids = [str(e.get("uid")) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == 3
    k2 = next(e for e in cal.walk("VEVENT") if "K2" in str(e.get("summary")))
    assert k2.get("dtend").dt == D(2026, 11, 12)
    assert str(k2.get("location")).startswith("西城区")


def test_moving_a_visit_moves_the_event(client: Client, manager: User, planned: None) -> None:
    from powerkam.visits.models import PlannedVisit

    visit = PlannedVisit.objects.get(account__customer_id="K1")
    token = services.feed_for(user=manager).token
    before = Calendar.from_ical(client.get(f"/visits/feed/{token}.ics").content)
    uid = next(str(e.get("uid")) for e in before.walk("VEVENT") if "K1" in str(e.get("summary")))
    services.planned_visit_move(planned=visit, day=D(2026, 11, 10), by=manager)
    after = Calendar.from_ical(client.get(f"/visits/feed/{token}.ics").content)
    event = next(e for e in after.walk("VEVENT") if str(e.get("uid")) == uid)
    assert event.get("dtstart").dt == D(2026, 11, 10)


def test_unknown_or_rotated_secret_is_refused(client: Client, manager: User, planned: None) -> None:
    old = services.feed_for(user=manager).token
    assert client.get("/visits/feed/not-a-secret.ics").status_code == 404
    new = services.feed_rotate(user=manager).token
    assert new != old
    assert client.get(f"/visits/feed/{old}.ics").status_code == 404
    assert client.get(f"/visits/feed/{new}.ics").status_code == 200
