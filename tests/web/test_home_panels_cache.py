"""The panels of "My work" that name a stamp are kept as HTML: asked again they cost the stamp, and a
change to anything they show gives the new panel at once (a ticket, a planned visit, a note read);
a panel with a live countdown lasts only its minute."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from factories import Team
from powerkam.prospects.models import NoteKind, ProspectNote
from powerkam.service import services as service_services
from powerkam.service.models import TicketKind
from powerkam.web import panels
from tests.prospects.conftest import make_project

TODAY = timezone.localdate()


def _get(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.parametrize("url", ["/work/panels/tickets/", "/work/panels/visits/", "/work/panels/prospects/"])
def test_asked_again_a_kept_panel_costs_its_stamp(client: Client, team: Team, store_dir: Path, url: str) -> None:
    me = team.manager.user
    service_services.ticket_create(
        kind=TicketKind.CONSULTATION, title="咨询峰谷电价", by=me, accepted_on=TODAY, account=team.accounts["E100"]
    )
    make_project(me)
    client.force_login(me)
    first, first_html = _get(client, url)
    again, again_html = _get(client, url)
    assert again_html == first_html
    assert again < first
    assert again <= 5  # session, user, and the stamp's one or two queries (and the overdue accounts' stamp)


def test_a_new_ticket_shows_at_once(client: Client, team: Team, store_dir: Path) -> None:
    me = team.manager.user
    client.force_login(me)
    _n, before = _get(client, "/work/panels/tickets/")
    assert "咨询峰谷电价" not in before
    service_services.ticket_create(
        kind=TicketKind.CONSULTATION, title="咨询峰谷电价", by=me, accepted_on=TODAY, account=team.accounts["E100"]
    )
    _n, after = _get(client, "/work/panels/tickets/")
    assert "咨询峰谷电价" in after


def test_a_planned_visit_moved_shows_at_once(client: Client, team: Team, store_dir: Path) -> None:
    from powerkam.visits.models import PlannedVisit, PlanStatus, VisitPlan

    me = team.manager.user
    account = team.accounts["E100"]
    week_start = TODAY - dt.timedelta(days=TODAY.weekday())
    plan = VisitPlan.objects.create(
        first_day=week_start,
        last_day=week_start + dt.timedelta(days=30),
        as_of=week_start,
        status=PlanStatus.ACTIVE,
        created_by=team.supervisor.user,
    )
    planned = PlannedVisit.objects.create(
        plan=plan, account=account, manager=me, planned_on=week_start, due_on=week_start, grade="A", district="示范区"
    )
    client.force_login(me)
    _n, before = _get(client, "/work/panels/visits/")
    assert account.name in before
    planned.planned_on = week_start + dt.timedelta(days=14)  # out of this week
    planned.save()
    _n, after = _get(client, "/work/panels/visits/")
    assert before != after


def test_a_note_read_leaves_the_projects_panel_at_once(client: Client, team: Team, store_dir: Path) -> None:
    me = team.manager.user
    project = make_project(me)
    ProspectNote.objects.create(user=me, project=project, kind=NoteKind.RESERVATION_EXPIRED, message="容量预留已到期")
    client.force_login(me)
    _n, before = _get(client, "/work/panels/prospects/")
    assert "容量预留已到期" in before
    ProspectNote.objects.filter(user=me).update(read_at=timezone.now())  # as "mark all read" does
    _n, after = _get(client, "/work/panels/prospects/")
    assert "容量预留已到期" not in after


def test_each_language_has_its_own(client: Client, team: Team, store_dir: Path) -> None:
    client.force_login(team.manager.user)
    chinese = client.get("/work/panels/tickets/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/work/panels/tickets/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My tickets by urgency" in english
    assert "My tickets by urgency" not in chinese


def test_a_live_countdown_lasts_its_minute(
    client: Client, team: Team, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = team.manager.user
    service_services.ticket_create(
        kind=TicketKind.FAULT_REPAIR,
        title="10kV 进线跳闸",
        by=me,
        account=team.accounts["E100"],
        accepted_at=timezone.now(),
    )
    client.force_login(me)
    monkeypatch.setattr(panels, "_minute", lambda: "2026-12-07T08:00")
    first, _html = _get(client, "/work/panels/tickets/")
    again, _html = _get(client, "/work/panels/tickets/")
    assert again < first  # kept within its minute
    monkeypatch.setattr(panels, "_minute", lambda: "2026-12-07T08:01")
    later, html = _get(client, "/work/panels/tickets/")
    assert later == first  # made again: the minutes left moved on
    assert "10kV 进线跳闸" in html
