"""One work list across the apps: visit follow-ups, service requests, project tasks and outage
follow-ups a user owns, on "My work" and /tasks/, most urgent first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from factories import Team
from powerkam.outages.models import OutageFollowUp, PlannedOutage
from powerkam.prospects.models import FollowUp as ProjectTask
from powerkam.service import services as service_services
from powerkam.service.models import TicketKind
from powerkam.visits.models import FollowUp as VisitFollowUp
from powerkam.web import worklist
from tests.prospects.conftest import make_project

TODAY = timezone.localdate()


@pytest.fixture
def tasks(team: Team, store_dir: Path) -> Team:
    me, other = team.manager.user, team.other.user
    e100 = team.accounts["E100"]
    VisitFollowUp.objects.create(
        account=e100, need="报送增容方案\n（客户要求）", owner=me, due_on=TODAY - dt.timedelta(days=2), created_by=me
    )
    VisitFollowUp.objects.create(account=e100, need="别人的事", owner=other, due_on=TODAY, created_by=other)
    service_services.ticket_create(
        kind=TicketKind.CONSULTATION, title="咨询峰谷电价", by=me, accepted_on=TODAY, account=e100
    )
    project = make_project(me)
    ProjectTask.objects.create(
        project=project, title="与发改委确认用电时序", assignee=me, created_by=me, created_on=TODAY
    )
    start = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(8)))
    outage = PlannedOutage.objects.create(
        title="10kV 线路检修", feeders="F001", start=start, end=start + dt.timedelta(hours=4), created_by=me
    )
    OutageFollowUp.objects.create(outage=outage, account=e100, assignee=me, due_on=TODAY + dt.timedelta(days=3))
    return team


def test_every_open_task_of_the_user_most_urgent_first(tasks: Team) -> None:
    found = worklist.tasks_for(tasks.manager.user, TODAY)
    assert found[0].kind == "visit_followup"  # overdue: first
    assert found[0].title == "报送增容方案"  # the first line of the need
    assert found[0].overdue(TODAY)
    assert found[-1].kind == "project_task"  # no due day: last
    assert {t.kind for t in found} == {"visit_followup", "service_request", "project_task", "outage_followup"}
    assert "别人的事" not in [t.title for t in found]
    dues = [t.due_on for t in found if t.due_on]
    assert dues == sorted(dues)


def test_my_work_counts_them_and_the_work_list_shows_them(client: Client, tasks: Team) -> None:
    client.force_login(tasks.manager.user)
    home = client.get("/").content.decode()
    assert "/work/summary/" in home  # the tasks load after the page
    assert "我的待办" in home
    home = client.get("/work/summary/").content.decode()
    assert "4 项待办" in home
    assert "1 项逾期" in home
    page = client.get("/tasks/").content.decode()
    for text in ("报送增容方案", "咨询峰谷电价", "与发改委确认用电时序", "10kV 线路检修"):
        assert text in page
    only = client.get("/tasks/?kind=service_request").content.decode()
    assert "咨询峰谷电价" in only
    assert "报送增容方案" not in only


def test_a_user_without_tasks_is_told_so(client: Client, tasks: Team) -> None:
    client.force_login(tasks.viewer.user)
    assert "没有待办事项" in client.get("/tasks/").content.decode()


def test_a_panel_with_nothing_for_the_account_answers_nothing(client: Client, tasks: Team) -> None:
    client.force_login(tasks.manager.user)
    # E100 came from no government project: the prospects panel removes its placeholder.
    assert client.get("/accounts/E100/panels/prospect/").content == b""
    assert client.get("/accounts/E100/panels/no-such-panel/").content == b""
    assert client.get("/accounts/E200/panels/tickets/").status_code == 403  # not theirs
