"""The overview's figures in a Scope (docs/architecture.md, "Scope"): the command line and the monthly
report read the whole base as a supervisor sees it, without making up a user; a manager's scope is
their own accounts; what is kept for the whole base is shared by everyone who sees it."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db.models.signals import post_init
from django.test import Client
from openpyxl import load_workbook

from factories import Team, UserFactory
from powerkam.insights.report import monthly_report_send, report_xlsx
from powerkam.staff import permissions
from powerkam.staff.scope import Scope
from powerkam.web import dashboard
from tests.insights.conftest import team_with_three_months_billed

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 1)


@pytest.fixture
def team(db: None, settings: Any, tmp_path: Path) -> Team:
    """The test team; E100 (the manager's key account) owes its September bill, E200 (another
    manager's) owes its August one; two non-key customers make up the rest of the base."""
    return team_with_three_months_billed(settings, tmp_path, {("E100", "2026-09"), ("E200", "2026-08")})


@pytest.fixture
def users_made() -> Iterator[list[User]]:
    """Every User instance made while the test runs: those read from the database and any made up."""
    made: list[User] = []

    def seen(sender: type[User], instance: User, **kwargs: Any) -> None:
        made.append(instance)

    post_init.connect(seen, sender=User, weak=False)
    yield made
    post_init.disconnect(seen, sender=User)


def _command(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("overview", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def _summary(workbook_bytes: bytes) -> dict[str, Any]:
    sheet = load_workbook(io.BytesIO(workbook_bytes)).worksheets[0]
    return {row[1]: row[2] for row in sheet.iter_rows(min_row=4, values_only=True)}


def test_a_scope_is_what_the_role_sees(team: Team) -> None:
    assert Scope.of_user(team.supervisor.user) == Scope.whole_base()
    assert Scope.of_user(team.viewer.user) == Scope.whole_base()
    assert Scope.of_user(team.planner.user) == Scope.whole_base()
    assert Scope.of_user(UserFactory(username="root", is_superuser=True)) == Scope.whole_base()
    assert Scope.of_user(team.manager.user) == Scope.own_accounts(team.manager.user.pk)
    assert Scope.of_user(UserFactory(username="nobody")) == Scope.nothing()  # no staff profile: no role
    assert Scope.of_user(None) == Scope.nothing()
    assert Scope.whole_base().key == "all"
    assert Scope.of_user(team.manager.user).key == f"user:{team.manager.user.pk}"
    assert Scope.of_user(team.manager.user).kind is permissions.Scope.OWN_ACCOUNTS
    with pytest.raises(ValueError, match="names whose"):
        Scope(permissions.Scope.WHOLE_BASE, user_id=1)


def test_the_command_for_the_whole_base_says_what_a_supervisor_sees_and_makes_up_no_user(
    team: Team, users_made: list[User]
) -> None:
    whole_base = _command()
    assert whole_base["portfolio"]["key_accounts"] == 3
    assert whole_base["arrears"]["accounts"] == 2
    assert "prospects" in whole_base
    assert [u for u in users_made if u.pk is None] == []  # no unsaved stand-in for "the whole base"
    cache.clear()  # computed afresh for the supervisor, not read back from the whole base's cache
    assert _command("--user", "zhangwei") == whole_base


def test_a_managers_scope_sees_only_their_accounts(team: Team) -> None:
    mine = dashboard.figures_for(Scope.of_user(team.manager.user), AS_OF)
    assert mine["portfolio"]["key_accounts"] == 2  # E100, E101
    assert [a["customer_id"] for a in mine["arrears"]["top"]] == ["E100"]
    theirs = dashboard.figures_for(Scope.own_accounts(team.other.user.pk), AS_OF)
    assert sorted(a["customer_id"] for a in theirs["arrears"]["top"]) == ["E100", "E200"]  # secondary on E100
    assert _command("--user", "m01")["portfolio"] == mine["portfolio"]
    nothing = dashboard.figures_for(Scope.nothing(), AS_OF)
    assert nothing["portfolio"]["key_accounts"] == 0
    assert "prospects" not in nothing  # the pipeline is for people with a role


def test_the_report_for_the_whole_base_is_the_supervisors_workbook(
    client: Client, team: Team, smtp_server: Any, users_made: list[User]
) -> None:
    whole_base = Scope.whole_base()
    report = _summary(report_xlsx(dashboard.figures_for(whole_base, AS_OF), scope=whole_base, as_of=AS_OF))
    monthly_report_send(as_of=AS_OF)
    assert len(smtp_server.messages) == 1
    assert [u for u in users_made if u.pk is None] == []
    cache.clear()
    client.force_login(team.supervisor.user)
    response = client.get("/insights/overview.xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    supervisors = _summary(response.content)
    # the supervisor's workbook is as of today, the report's as of AS_OF: the account figures agree
    assert {k: report[k] for k in ("大客户", "逾期欠费的大客户", "欠费金额（元）")} == {
        k: supervisors[k] for k in ("大客户", "逾期欠费的大客户", "欠费金额（元）")
    }
    assert report["大客户"] == 3


def test_a_tile_kept_for_the_whole_base_is_shared_by_everyone_who_sees_it(team: Team) -> None:
    tile = dashboard.tile("service")
    assert tile is not None
    assert tile.cache_seconds > 0
    first = dashboard.tile_figures(tile, team.supervisor.user, AS_OF)
    assert dashboard.tile_figures(tile, team.viewer.user, AS_OF).computed_at == first.computed_at
    assert dashboard.tile_figures(tile, Scope.whole_base(), AS_OF).computed_at == first.computed_at
    assert dashboard.tile_figures(tile, team.manager.user, AS_OF).computed_at != first.computed_at


def test_the_morning_computes_a_prepared_tile_once_for_the_whole_base(team: Team) -> None:
    """The supervisor, the viewer and the planner share the whole base's figures: the morning's
    preparation computes a prepared tile once for them, and once for each manager."""
    from django.utils import timezone

    from powerkam.web.prepare import prepare_everyone

    asked: list[Scope] = []

    def figures(scope: Scope, today: dt.date) -> dashboard.Figures:
        asked.append(scope)
        return {"n": len(asked)}

    dashboard.register(dashboard.Tile("counted", "Counted", "web/coming_soon.html", figures, prepared=True))
    try:
        prepare_everyone(timezone.localdate())
    finally:
        del dashboard._TILES["counted"]
    assert sorted(s.key for s in asked) == sorted(["all", f"user:{team.manager.user.pk}", f"user:{team.other.user.pk}"])
