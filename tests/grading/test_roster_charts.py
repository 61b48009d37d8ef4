"""The roster page's charts (issue 19): the grade mix of the roster and the key accounts that joined
and left by period, from the recorded runs, in the user's scope — as charts and as tables."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client

from factories import Team, build_team
from powerkam.accounts.models import Account
from powerkam.grading import selectors
from powerkam.grading.models import AccountGrade, Baseline, Change, GradingRun, RunStatus

pytestmark = pytest.mark.django_db


def _run(period: str, *, baseline: str = Baseline.PREVIOUS_PERIOD, what_if: bool = False, **counts: int) -> GradingRun:
    year, month = map(int, period.split("-"))
    return GradingRun.objects.create(
        period=period,
        as_of=dt.date(year, month, 28),
        rules_toml="",
        rules_sha256="0" * 64,
        status=RunStatus.SUCCEEDED,
        what_if=what_if,
        baseline=baseline,
        finished_at=dt.datetime(year, month, 28, tzinfo=dt.UTC),
        **counts,
    )


def _grade(run: GradingRun, account: Account, grade: str, change: str, key: bool = True) -> AccountGrade:
    return AccountGrade.objects.create(
        run=run,
        account=account,
        key_account=key,
        grade=grade if key else "",
        credit_score=90,
        annual_kwh=1000.0,
        annual_revenue_yuan=1000,
        active_months=12,
        late_payments=0,
        max_days_late=0,
        overdue_yuan=0,
        change=change,
    )


@pytest.fixture
def history() -> Team:
    """Three periods: 2026-08 graded first (nothing to compare with), 2026-09 run twice (the second
    counts), 2026-10 current; a what-if of 2026-07 that must not appear."""
    team = build_team()
    e100, e101, e200, e300 = (team.accounts[c] for c in ("E100", "E101", "E200", "E300"))
    first = _run("2026-08", baseline=Baseline.NOTHING, key_accounts=3, joined=3)
    for account, grade in ((e100, "A"), (e101, "B"), (e200, "C")):
        _grade(first, account, grade, Change.JOINED)
    stale = _run("2026-09", key_accounts=99, joined=50, left=40)
    _grade(stale, e100, "A", Change.SAME)
    september = _run("2026-09", key_accounts=2, left=1)
    _grade(september, e100, "A", Change.SAME)
    _grade(september, e101, "B", Change.LEFT, key=False)  # m01's account left
    _grade(september, e200, "C", Change.SAME)
    october = _run("2026-10", key_accounts=4, joined=2)
    _grade(october, e100, "A", Change.SAME)
    _grade(october, e101, "B", Change.JOINED)  # m01's account is back
    _grade(october, e200, "", Change.SAME)
    _grade(october, e300, "C", Change.JOINED)
    what_if = _run("2026-07", what_if=True, key_accounts=7, joined=7)
    _grade(what_if, e100, "A", Change.JOINED)
    return team


def test_grade_mix_counts_the_roster_in_the_users_scope(history: Team) -> None:
    assert selectors.roster_grade_mix(user=history.supervisor.user) == {"A": 1, "B": 1, "C": 1, "": 1}
    assert selectors.roster_grade_mix(user=history.manager.user) == {"A": 1, "B": 1, "C": 0, "": 0}
    assert selectors.roster_grade_mix(user=history.viewer.user)["A"] == 1  # the viewer sees the whole base


def test_joined_and_left_by_period_take_each_periods_last_published_run(history: Team) -> None:
    whole = selectors.changes_by_period(user=history.supervisor.user)
    assert [(p.period, p.key_accounts, p.joined, p.left) for p in whole] == [
        ("2026-08", 3, None, None),  # nothing to compare with: no bars, not "3 joined"
        ("2026-09", 2, 0, 1),  # the second run of the period, not the stale first one
        ("2026-10", 4, 2, 0),
    ]
    assert not whole[0].compared
    mine = selectors.changes_by_period(user=history.manager.user)  # m01: E100 and E101
    assert [(p.period, p.key_accounts, p.joined, p.left) for p in mine] == [
        ("2026-08", 2, None, None),
        ("2026-09", 1, 0, 1),
        ("2026-10", 2, 1, 0),
    ]
    assert [p.period for p in selectors.changes_by_period(user=history.supervisor.user, periods=2)] == [
        "2026-09",
        "2026-10",
    ]


def _chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, chart_id
    return json.loads(found.group(1))


def test_the_roster_page_draws_both_charts_with_tables_of_the_same_figures(client: Client, history: Team) -> None:
    client.force_login(history.manager.user)
    html = client.get("/grading/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    mix = _chart(html, "chart-grade-mix-data")
    assert [(d["name"], d["value"]) for d in mix["series"][0]["data"]] == [("A · premium", 1), ("B · medium", 1)]
    bars = _chart(html, "chart-joined-left-data")
    assert bars["xAxis"]["data"] == ["2026-08", "2026-09", "2026-10"]
    assert [s["data"] for s in bars["series"]] == [[None, 0, 1], [None, 1, 0], [2, 1, 2]]
    assert "vendor/echarts/echarts.min.js" in html
    table = html[html.index('data-testid="grade-mix-table"') :]
    assert re.search(r'data-grade="A"><td>A · premium</td><td class="num">1</td><td class="num">50.0%</td>', table)
    assert re.search(r'data-grade="C"><td>C · low credit</td><td class="num">0</td>', table)
    periods = html[html.index('data-testid="joined-left-table"') :]
    assert "first period graded: nothing to compare with" in periods
    assert re.search(r'data-period="2026-09">.*?<td class="num">0</td><td class="num">1</td>', periods, re.S)


def test_the_charts_speak_chinese_on_a_chinese_page(client: Client, history: Team) -> None:
    client.force_login(history.supervisor.user)
    html = client.get("/grading/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    bars = _chart(html, "chart-joined-left-data")
    assert [s["name"] for s in bars["series"]] == ["新增", "退出", "大客户"]
    assert "等级构成" in html


def test_an_htmx_table_request_does_not_compute_the_charts(client: Client, history: Team) -> None:
    client.force_login(history.supervisor.user)
    fragment = client.get("/grading/?grade=A", HTTP_HX_REQUEST="true").content.decode()
    assert "chart-grade-mix-data" not in fragment
    assert 'data-customer="E100"' in fragment


def test_no_published_period_says_so(client: Client, history: Team) -> None:
    GradingRun.objects.filter(what_if=False).update(what_if=True)
    client.force_login(history.supervisor.user)
    html = client.get(f"/grading/?run={GradingRun.objects.order_by('pk').first().pk}").content.decode()
    assert "chart-joined-left-data" not in html
    assert "尚无已发布的分级期次" in html
