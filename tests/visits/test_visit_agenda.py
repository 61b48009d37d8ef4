"""The plan calendar's agenda and the crowded day (issue 19): a day's cell shows four visits then
"+N more" to the agenda at that day; ?view= forces one view, and without it the page carries both
(the stylesheet shows the agenda on a phone)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import StaffFactory
from powerkam.staff.models import Role
from powerkam.visits.models import PlannedVisit, VisitPlan
from tests.visits.helpers import key_account

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 3)  # a Tuesday


@pytest.fixture
def crowded(manager: User) -> None:
    plan = VisitPlan.objects.create(first_day=DAY, last_day=DAY + dt.timedelta(days=20), as_of=DAY)
    for n in range(6):
        account = key_account(f"A{n}", "B", manager=manager, name=f"示范企业{n}")
        PlannedVisit.objects.create(plan=plan, account=account, manager=manager, planned_on=DAY, due_on=DAY, grade="B")


def test_a_crowded_day_shows_four_chips_then_more_and_the_agenda_lists_all(
    client: Client, supervisor: User, crowded: None
) -> None:
    client.force_login(supervisor)
    html = client.get("/visits/?month=2026-11", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cell = html[html.index('data-day="2026-11-03"') : html.index('data-day="2026-11-04"')]
    assert cell.count('class="chip grade-B') == 4
    assert 'href="?month=2026-11&amp;view=agenda#day-2026-11-03" data-testid="more-chips">+2 more</a>' in cell
    agenda = html[html.index('data-testid="cal-agenda"') :]
    day = agenda[agenda.index('id="day-2026-11-03"') :]
    assert day.count('class="agenda-item') == 6
    assert "示范企业5" in day
    # Without a choice neither view is forced or hidden: the stylesheet picks by width.
    assert 'class="table-wrap cal-month" data-testid="cal-month"' in html
    assert 'class="cal-agenda" data-testid="cal-agenda"' in html


def test_the_view_can_be_chosen_and_an_unknown_one_is_ignored(client: Client, supervisor: User, crowded: None) -> None:
    client.force_login(supervisor)
    agenda = client.get("/visits/?month=2026-11&view=agenda").content.decode()
    assert "cal-month cal-hidden" in agenda
    assert "cal-agenda cal-forced" in agenda
    month = client.get("/visits/?month=2026-11&view=month").content.decode()
    assert "cal-month cal-forced" in month
    assert "cal-agenda cal-hidden" in month
    odd = client.get("/visits/?month=2026-11&view=<b>").content.decode()
    assert "cal-forced" not in odd
    assert "cal-hidden" not in odd


def test_the_agenda_offers_log_and_move_only_to_a_role_that_may_record_visits(
    client: Client, manager: User, crowded: None
) -> None:
    """A viewer reads the agenda but meets no button that would refuse them (issue 19, part 7)."""
    viewer = StaffFactory(role=Role.VIEWER, name="赵敏", user__username="viewer").user
    client.force_login(viewer)
    html = client.get("/visits/?month=2026-11&view=agenda", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    agenda = html[html.index('data-testid="cal-agenda"') :]
    assert agenda.count('class="agenda-item') == 6  # the viewer does see the day's visits
    assert "/visits/new/" not in agenda
    assert "/move/" not in agenda
    assert "Log a visit" not in html
    client.force_login(manager)
    mine = client.get("/visits/?month=2026-11&view=agenda", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    agenda = mine[mine.index('data-testid="cal-agenda"') :]
    assert agenda.count("/visits/new/?customer_id=") == 6
    assert agenda.count("/move/") == 6
