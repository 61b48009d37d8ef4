"""Visits planned beyond the holiday notice (docs/rules.md §3, issue 19).

2027 has no notice yet: its statutory holidays (New Year's Day 2027-01-01, …) and weekends are rest
days, every other day provisional. A visit is never planned on 2027-01-01, and every visit on a
2027 day says "provisional" — on the calendar page, in the .ics feed, the CLI and the API.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from icalendar import Calendar

from powerkam.api.services import api_token_issue
from powerkam.visits import services
from powerkam.visits.models import PlannedVisit
from powerkam.workdays import services as calendar_services
from tests.visits.helpers import key_account

D = dt.date
pytestmark = pytest.mark.django_db
AS_OF = D(2026, 12, 7)


@pytest.fixture
def accounts(manager: User) -> None:
    key_account("K1", "C", key_since=D(2026, 12, 2), manager=manager)  # due Sat 2027-01-02
    # Another district, so it does not join K1's day (district grouping, docs/visits.md)
    key_account("K2", "C", key_since=D(2026, 12, 5), manager=manager, district="西城区")  # due Tue 2027-01-05


@pytest.fixture
def plan(accounts: None) -> None:
    services.plan_generate(first_day=D(2026, 12, 28), last_day=D(2027, 1, 15), as_of=AS_OF)


def _placed() -> dict[str, tuple[dt.date | None, bool]]:
    return {
        p.account.customer_id: (p.planned_on, p.provisional)
        for p in PlannedVisit.objects.filter(occurrence=1).select_related("account")
    }


def test_no_visit_on_new_years_day_and_2027_visits_are_provisional(plan: None) -> None:
    placed = _placed()
    # Due Saturday 2027-01-02: the latest working day before is not New Year's Day but Thursday 12-31.
    assert placed["K1"] == (D(2026, 12, 31), False)
    assert placed["K2"] == (D(2027, 1, 5), True)
    assert not PlannedVisit.objects.filter(planned_on=D(2027, 1, 1)).exists()


def test_moving_onto_new_years_day_2027_is_refused(plan: None, manager: User) -> None:
    from powerkam.core.errors import ApplicationError

    planned = PlannedVisit.objects.get(account__customer_id="K2", occurrence=1)
    with pytest.raises(ApplicationError, match="not a working day"):
        services.planned_visit_move(planned=planned, day=D(2027, 1, 1), by=manager)


def test_the_calendar_page_marks_provisional_days_and_visits(client: Client, manager: User, plan: None) -> None:
    client.force_login(manager)
    page = client.get("/visits/?month=2027-01", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="provisional-note"' in page
    assert "2027" in page.split('data-testid="provisional-note"')[1].split("</p>")[0]
    k2 = page.split('data-customer="K2"')[0].rsplit("<a ", 1)[1]
    assert "provisional" in k2
    new_year = page.split('data-day="2027-01-01"')[1].split("</td>")[0]
    assert 'data-provisional="1"' in new_year
    assert "New Year" in new_year
    # A month of a known year says nothing of the sort.
    december = client.get("/visits/?month=2026-12", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="provisional-note"' not in december


def test_the_ics_feed_marks_provisional_visits_and_follow_ups(client: Client, manager: User, plan: None) -> None:
    account = key_account("K4", "A", manager=manager)
    services.followup_create(account=account, need="无功补偿方案", owner=manager, due_on=D(2027, 1, 6), by=manager)
    token = services.feed_for(user=manager).token
    cal = Calendar.from_ical(client.get(f"/visits/feed/{token}.ics").content)
    summaries = {e.get("dtstart").dt: str(e.get("summary")) for e in cal.walk("VEVENT")}
    assert summaries[D(2027, 1, 5)].endswith("（暂定）")  # the site's language
    assert summaries[D(2027, 1, 6)].endswith("（暂定）")
    assert not summaries[D(2026, 12, 31)].endswith("（暂定）")
    k2 = next(e for e in cal.walk("VEVENT") if e.get("dtstart").dt == D(2027, 1, 5))
    assert "2027" in str(k2.get("description"))


def test_the_cli_plan_says_provisional_in_text_and_json(accounts: None) -> None:
    out, err = StringIO(), StringIO()
    call_command("visits", "plan", "--from", "2026-12-28", "--to", "2027-01-15", "--dry-run", "--format", "json",
                 stdout=out, stderr=err)  # fmt: skip
    data = json.loads(out.getvalue())
    flags = {(i["customer_id"], i["occurrence"]): (i["planned_on"], i["provisional"]) for i in data["items"]}
    assert flags[("K2", 1)] == ("2027-01-05", True)
    assert flags[("K1", 1)] == ("2026-12-31", False)
    assert data["provisional"] == sum(1 for i in data["items"] if i["provisional"])
    assert "2027" in err.getvalue()
    assert "Provisional" in err.getvalue()
    out = StringIO()
    call_command("visits", "plan", "--from", "2026-12-28", "--to", "2027-01-15", "--dry-run", stdout=out, stderr=err)
    k2 = next(line for line in out.getvalue().splitlines() if "K2" in line and "2027-01-05" in line)
    assert "(provisional)" in k2
    assert "visits on provisional days" in out.getvalue()


def test_the_api_says_provisional_until_the_notice_is_entered(client: Client, manager: User, plan: None) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(username=manager.get_username()).token}"}
    rows = client.get("/api/v1/visits/plan", {"from": "2026-12-28", "to": "2027-01-15"}, **auth).json()
    flags = {(r["customer_id"], r["planned_on"]): r["provisional"] for r in rows}
    assert flags[("K2", "2027-01-05")] is True
    assert flags[("K1", "2026-12-31")] is False
    # Once the administrator declares 2027, the same visit is no longer provisional.
    calendar_services.calendar_year_declare(year=2027, source_note="test")
    rows = client.get("/api/v1/visits/plan", {"from": "2026-12-28", "to": "2027-01-15"}, **auth).json()
    assert not any(r["provisional"] for r in rows)
