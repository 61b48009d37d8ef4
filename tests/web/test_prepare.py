"""The morning's preparation of "My work" (powerkam.web.prepare): after it, each user's first visit of
the day reads what it prepared instead of computing it, in either language; one user's failure does
not stop the others; and only active, unarchived staff are prepared."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from factories import Team
from powerkam.core.schedule import jobs
from powerkam.web import prepare
from powerkam.web.prepare import Preparer, prepare_everyone

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/accounts/",
    "/work/summary/",
    "/work/panels/visits/",
    "/work/panels/tickets/",
    "/work/panels/prospects/",
    "/insights/health/mine/",
]


def _queries(client: Client, url: str, language: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return len(captured), response.content


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["manager", "supervisor"])
def test_the_first_visit_after_the_preparation_costs_what_a_repeat_visit_costs(
    client: Client, team: Team, who: str, language: str
) -> None:
    prepare_everyone(timezone.localdate())
    client.force_login(getattr(team, who).user)
    for url in PAGES:
        first, first_page = _queries(client, url, language)
        again, again_page = _queries(client, url, language)
        assert first == again, url
        if url == "/accounts/":
            table = first_page[first_page.index(b'id="account-table"') :]
            assert table == again_page[again_page.index(b'id="account-table"') :]
            assert "示范钢铁有限公司".encode() in first_page


def test_without_the_preparation_the_first_visit_computes_more(client: Client, team: Team) -> None:
    """… so the test above is not vacuous: the prepared entries are what spares the queries."""
    client.force_login(team.manager.user)
    first, _ = _queries(client, "/accounts/", "zh-hans")
    again, _ = _queries(client, "/accounts/", "zh-hans")
    assert first > again


def test_a_change_after_the_preparation_shows_at_once(client: Client, team: Team) -> None:
    prepare_everyone(timezone.localdate())
    account = team.accounts["E101"]
    account.name = "示范新材料有限公司"
    account.save()
    client.force_login(team.manager.user)
    page = client.get("/accounts/").content.decode()
    assert "示范新材料有限公司" in page


def test_one_users_failure_does_not_stop_the_others(
    team: Team, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(request: Any, _today: dt.date) -> None:
        if request.user.username == team.other.user.username:
            raise RuntimeError("boom")

    prepare.load()
    monkeypatch.setitem(prepare._PREPARERS, "test.refuse", Preparer("test.refuse", refuse))
    run = prepare_everyone(timezone.localdate())
    assert (run.users, run.failed) == (4, 1)  # supervisor, manager, viewer, planner; "other" failed
    assert "preparing My work for m02 failed" in caplog.text


def test_archived_and_inactive_staff_are_not_prepared(team: Team) -> None:
    team.viewer.archived = True
    team.viewer.save()
    team.planner.user.is_active = False
    team.planner.user.save()
    assert prepare_everyone(timezone.localdate()).users == 3


def test_the_job_runs_each_morning_after_the_health_check() -> None:
    by_name = {job.name: job for job in jobs()}
    assert by_name["web.prepare_my_work"].at > by_name["insights.health_snapshot"].at
    assert by_name["web.prepare_my_work"].at < dt.time(8, 0)


def test_the_run_says_where_its_time_went(team: Team) -> None:
    run = prepare_everyone(timezone.localdate())
    assert set(run.by_preparer) == {p.key for p in prepare.preparers()}  # every preparer, once each
    assert all(seconds >= 0 for seconds in run.by_preparer.values())
    assert sum(run.by_preparer.values()) <= run.seconds + 0.1 * len(run.by_preparer)  # parts of the whole (rounded)
