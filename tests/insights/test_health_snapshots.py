"""Health snapshots: every key account's score recorded each day, the trend on the 360 page and
the accounts whose churn risk is rising."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from factories import Team, build_team
from powerkam.core.schedule import jobs
from powerkam.insights import health
from powerkam.insights.models import HealthSnapshot

pytestmark = pytest.mark.django_db

D1 = dt.date(2026, 10, 1)
D2 = dt.date(2026, 10, 31)


@pytest.fixture
def team(db: None, settings, tmp_path) -> Team:
    settings.ANALYTICS_DIR = tmp_path  # no store: consumption is unknown, the other parts count
    return build_team()


def test_a_snapshot_records_every_key_account_and_a_day_again_replaces_it(team: Team) -> None:
    assert health.health_snapshot_take(today=D1) == 3  # E100, E101, E200 (E300 is not a key account)
    e200 = HealthSnapshot.objects.get(account=team.accounts["E200"], taken_on=D1)
    assert e200.reason == "credit_low"  # credit score 50
    team.accounts["E200"].credit_score = 100
    team.accounts["E200"].save()
    assert health.health_snapshot_take(today=D1) == 3
    assert HealthSnapshot.objects.filter(taken_on=D1).count() == 3
    assert HealthSnapshot.objects.get(account=team.accounts["E200"], taken_on=D1).score > e200.score


def test_risk_rising_compares_the_latest_snapshot_with_the_one_a_month_before(team: Team) -> None:
    health.health_snapshot_take(today=D1)
    e100 = team.accounts["E100"]
    e100.credit_score = 10  # from 100: the credit part falls to nothing
    e100.save()
    health.health_snapshot_take(today=D2)
    before = HealthSnapshot.objects.get(account=e100, taken_on=D1)
    now = HealthSnapshot.objects.get(account=e100, taken_on=D2)
    assert before.score - now.score >= health.SCORE_DROP or health.RISK_ORDER[now.risk] > health.RISK_ORDER[before.risk]
    rising = health.risk_rising(user=None, today=D2)
    assert [r.account.customer_id for r in rising] == ["E100"]
    assert rising[0].drop == round(before.score - now.score, 1)
    # a manager sees the accounts they may see; too early a comparison has nothing to compare with
    assert [r.account.customer_id for r in health.risk_rising(user=team.other.user, today=D2)] == ["E100"]
    assert health.risk_rising(user=team.supervisor.user, today=D2 - dt.timedelta(days=5)) == []


def test_the_360_panel_draws_the_trend_and_the_health_page_lists_rising_risk(client: Client, team: Team) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    client.force_login(team.manager.user)
    health.health_snapshot_take(today=today - dt.timedelta(days=30))
    assert 'id="chart-health-trend-data"' not in client.get("/insights/health/E100/").content.decode()  # one point
    e100 = team.accounts["E100"]
    e100.credit_score = 10
    e100.save()
    health.health_snapshot_take(today=today)
    assert 'id="chart-health-trend-data"' in client.get("/insights/health/E100/").content.decode()
    page = client.get("/insights/health/").content.decode()
    assert 'data-testid="rising"' in page
    assert "/accounts/E100/#health" in page


def test_the_command_and_the_schedule(team: Team) -> None:
    out = StringIO()
    call_command("health", "--snapshot", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == {"snapshot": 3}
    out = StringIO()
    call_command("health", "--rising", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == {"rising": []}
    job = next(j for j in jobs() if j.name == "insights.health_snapshot")
    assert job.due_on(dt.datetime(2026, 12, 2, 6, 30)) == dt.date(2026, 12, 2)


def test_a_rise_in_risk_alerts_the_accounts_managers_once_in_their_inbox(client: Client, team: Team) -> None:
    from powerkam.insights.models import RiskAlert
    from powerkam.web import inbox

    health.health_snapshot_take(today=D1)
    assert RiskAlert.objects.count() == 0  # nothing to compare with yet
    e100 = team.accounts["E100"]  # primary m01, secondary m02
    before = HealthSnapshot.objects.get(account=e100, taken_on=D1)
    e100.credit_score = 0
    e100.save()
    health.health_snapshot_take(today=D1 + dt.timedelta(days=1))
    now = HealthSnapshot.objects.get(account=e100, taken_on=D1 + dt.timedelta(days=1))
    assert health.RISK_ORDER[now.risk] > health.RISK_ORDER[before.risk], (before.risk, now.risk)
    assert sorted(RiskAlert.objects.values_list("user__username", flat=True)) == ["m01", "m02"]
    health.health_snapshot_take(today=D1 + dt.timedelta(days=1))  # the same day again: no second alert
    assert RiskAlert.objects.count() == 2
    # it is in the manager's inbox, unread, and links to the account's health panel
    assert inbox.unread_count(team.manager.user) == 1
    message = next(m for m in inbox.messages_for(team.manager.user) if m.kind == "risk")
    assert message.url == "/accounts/E100/#health"
    assert "示范钢铁有限公司" in message.text
    inbox.mark_all_read(team.manager.user)
    assert inbox.unread_count(team.manager.user) == 0
    assert inbox.unread_count(team.other.user) == 1  # each manager reads their own


def test_the_health_page_reads_this_mornings_snapshot_and_can_compute_now(client: Client, team: Team) -> None:
    import re

    from django.utils import timezone

    client.force_login(team.supervisor.user)
    live = client.get("/insights/health/").content.decode()
    assert 'data-testid="snapshot-note"' not in live  # no snapshot today: computed live
    health.health_snapshot_take(today=timezone.localdate())
    page = client.get("/insights/health/").content.decode()
    assert 'data-testid="snapshot-note"' in page
    names = re.findall(r'#health">([^<]+)</a>', page)
    assert sorted(names) == sorted(a.name for k, a in team.accounts.items() if k in ("E100", "E101", "E200"))
    assert "信用评分 50" in page  # E200's main reason, worded from the snapshot
    # a change after the snapshot shows on the health panel at once, on the list when computed now
    e200 = team.accounts["E200"]
    e200.credit_score = 100
    e200.save()
    assert "信用评分 50" in client.get("/insights/health/").content.decode()
    assert "信用评分 50" not in client.get("/insights/health/?live=1").content.decode()
    counts = client.get("/insights/health/?risk=high").content.decode()
    assert 'data-testid="risk-high"' in counts
