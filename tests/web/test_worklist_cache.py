"""The "My tasks" summary is kept in the shared cache under the stamp of every source's tables: asked
again it costs its stamp, and any change to a task (added, closed, reassigned, the account renamed)
gives the new answer at once. A summary with a live countdown lasts only its minute."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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
def mine(team: Team, store_dir: Path) -> Team:
    me = team.manager.user
    VisitFollowUp.objects.create(
        account=team.accounts["E100"], need="报送增容方案", owner=me, due_on=TODAY - dt.timedelta(days=1), created_by=me
    )
    return team


def _summary(team: Team) -> worklist.TaskSummary:
    return worklist.summary(team.manager.user, TODAY)


def test_asked_again_the_summary_costs_one_query(mine: Team) -> None:
    first = _summary(mine)
    with CaptureQueriesContext(connection) as queries:
        again = _summary(mine)
    # the stamp of the sources' tables, and of the morning's health check (none taken here: looked for)
    assert len(queries) <= 2
    assert (again.total, again.overdue, [t.title for t in again.soonest]) == (1, 1, ["报送增容方案"])
    assert [(s.key, n) for s, n in again.by_kind] == [(s.key, n) for s, n in first.by_kind]


def test_every_kind_of_change_is_seen_at_once(mine: Team) -> None:
    me = mine.manager.user
    e100 = mine.accounts["E100"]
    assert _summary(mine).total == 1
    ticket = service_services.ticket_create(
        kind=TicketKind.CONSULTATION, title="咨询峰谷电价", by=me, accepted_on=TODAY, account=e100
    )
    assert _summary(mine).total == 2
    task = ProjectTask.objects.create(
        project=make_project(me), title="与发改委确认用电时序", assignee=me, created_by=me, created_on=TODAY
    )
    assert _summary(mine).total == 3
    start = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(8)))
    outage = PlannedOutage.objects.create(
        title="10kV 线路检修", feeders="F001", start=start, end=start + dt.timedelta(hours=4), created_by=me
    )
    OutageFollowUp.objects.create(outage=outage, account=e100, assignee=me, due_on=TODAY + dt.timedelta(days=3))
    assert _summary(mine).total == 4
    # a rename of the account shows in the titles' subject; a task done leaves the list
    e100.name = "新名称有限公司"
    e100.save()
    assert "新名称有限公司" in {t.subject for t in _summary(mine).soonest}
    followup = VisitFollowUp.objects.get(need="报送增容方案")
    followup.status = "done"
    followup.save()
    after = _summary(mine)
    assert after.total == 3
    assert after.overdue == 0
    task.title = "改了标题"
    task.save()
    assert "改了标题" in {t.title for t in _summary(mine).soonest}
    assert ticket.pk


def test_rows_written_without_history_are_seen_too(mine: Team) -> None:
    me = mine.manager.user
    assert _summary(mine).total == 1
    VisitFollowUp.objects.bulk_create(
        [VisitFollowUp(account=mine.accounts["E100"], need="批量导入的待办", owner=me, due_on=TODAY, created_by=me)]
    )
    assert _summary(mine).total == 2


def test_each_user_and_each_language_has_its_own(mine: Team) -> None:
    from django.utils import translation

    assert worklist.summary(mine.other.user, TODAY).total == 0
    assert _summary(mine).total == 1
    with translation.override("en"):
        english = [label for s, _n in _summary(mine).by_kind for label in [str(s.label)]]
    with translation.override("zh-hans"):
        chinese = [label for s, _n in _summary(mine).by_kind for label in [str(s.label)]]
    assert english == ["Visit follow-up"]
    assert chinese != english


def test_a_live_countdown_lasts_its_minute(mine: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    me = mine.manager.user
    service_services.ticket_create(
        kind=TicketKind.FAULT_REPAIR,
        title="10kV 进线跳闸",
        by=me,
        account=mine.accounts["E100"],
        accepted_at=timezone.now(),
    )
    made: list[int] = []
    real = worklist._make

    def counting(*args: object) -> object:
        made.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(worklist, "_make", counting)
    monkeypatch.setattr(worklist, "_minute", lambda: "2026-12-07T08:00")
    _summary(mine)
    _summary(mine)
    assert len(made) == 1  # the same minute: kept
    monkeypatch.setattr(worklist, "_minute", lambda: "2026-12-07T08:01")
    live = _summary(mine)
    assert len(made) == 2  # the next minute: the countdown is made again
    assert any(t.live for t in live.soonest)


def test_a_source_that_names_no_tables_is_asked_every_time(mine: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def unnamed(user: object, today: dt.date) -> list[worklist.Task]:
        calls.append(1)
        return []

    monkeypatch.setitem(worklist._SOURCES, "unnamed", worklist.TaskSource("unnamed", "Unnamed", unnamed))
    _summary(mine)
    _summary(mine)
    assert len(calls) == 2
