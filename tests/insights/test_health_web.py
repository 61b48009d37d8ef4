"""Health and churn risk in the product: signals gathered from the store and the CRM, the pages,
the 360 and "My work" panels, the API and the command line."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from factories import Team, write_dataset
from powerkam.accounts.models import Account
from powerkam.api.services import api_token_issue
from powerkam.core.errors import ApplicationError
from powerkam.insights import health, services
from powerkam.insights.models import HealthSnapshot
from powerkam.service import services as service_services
from powerkam.service.models import TicketKind

# The pages use the real today: the requests below are dated from it.
TODAY = timezone.localdate()


def history(customer_id: str, *, recent_kwh: float) -> list[dict[str, Any]]:
    """24 months to 2026-10 at 100,000 kWh, the last three at ``recent_kwh``."""
    rows = []
    for i in range(24):
        year, month = divmod(2024 * 12 + 10 + i, 12)  # 2024-11 … 2026-10
        period = f"{year}-{month + 1:02d}"
        rows.append(
            {
                "customer_id": customer_id,
                "period": period,
                "kwh": recent_kwh if i >= 21 else 100_000.0,
                "amount_yuan": Decimal("70000.00"),
                "due_date": dt.date(year, month + 1, 20),
            }
        )
    return rows


@pytest.fixture
def signals(team: Team, store_dir: Path) -> Team:
    """E100 steady; E200 down 40 % (high risk); E101 two complaints, no billing."""
    write_dataset(store_dir, "billing", history("E100", recent_kwh=100_000.0) + history("E200", recent_kwh=60_000.0))
    for title in ("停电未通知", "抄表错误"):
        service_services.ticket_create(
            kind=TicketKind.COMPLAINT,
            title=title,
            by=team.manager.user,
            accepted_on=TODAY - dt.timedelta(days=1),  # within its time limit
            account=team.accounts["E101"],
        )
    return team


def test_signals_and_scores_of_each_account(signals: Team) -> None:
    report = health.key_account_health(user=None, today=TODAY)
    by_id = {r.account.customer_id: r.health for r in report.rows}
    assert list(by_id) == ["E200", "E101", "E100"]  # riskiest first
    e200 = by_id["E200"]
    assert e200.risk == "high"
    assert e200.signals.recent_kwh == 180_000.0
    assert e200.signals.year_ago_kwh == 300_000.0
    assert e200.reasons[0].code == "consumption_down"
    assert e200.reasons[0].figures == {"percent": 40.0}
    e101 = by_id["E101"]
    assert e101.signals.complaints == 2
    assert e101.signals.late_requests == 0  # complaints are still within their time limit
    assert e101.parts["service"] == 50.0
    assert e101.parts["consumption"] is None  # no bills
    e100 = by_id["E100"]
    assert e100.parts["consumption"] == 100.0
    assert e100.parts["payment"] == 100.0
    assert report.counts == [("high", 1), ("medium", 0), ("low", 2)] or report.count("high") == 1


def test_an_open_request_past_its_due_day_counts_as_late(signals: Team) -> None:
    service_services.ticket_create(
        kind=TicketKind.FAULT_REPAIR,
        title="故障抢修",
        by=signals.manager.user,
        accepted_on=TODAY - dt.timedelta(days=60),  # long past its time limit, still open
        account=signals.accounts["E100"],
    )
    found = health.account_health(account=signals.accounts["E100"], today=TODAY)
    assert found.signals.late_requests == 1
    assert found.reasons[0].code == "late_requests"


def test_a_manager_sees_only_their_accounts(client: Client, signals: Team) -> None:
    report = health.key_account_health(user=signals.manager.user, today=TODAY)
    assert sorted(r.account.customer_id for r in report.rows) == ["E100", "E101"]
    client.force_login(signals.manager.user)
    page = client.get("/insights/health/").content.decode()
    assert "示范医院" in page
    assert "示范化工有限公司" not in page
    assert client.get("/insights/health/E200/").status_code == 403


def test_health_page_and_fragment_in_chinese(client: Client, signals: Team) -> None:
    client.force_login(signals.supervisor.user)
    page = client.get("/insights/health/").content.decode()
    assert "健康度与流失风险" in page
    assert "高风险" in page
    fragment = client.get("/insights/health/E200/").content.decode()
    assert "用电量比去年同期下降 40.0%" in fragment
    assert "走访了解原因" in fragment
    assert client.get("/insights/health/?risk=high").content.decode().count('data-risk="high"') >= 2
    assert client.get("/insights/health/NOPE/").status_code == 404


@pytest.mark.parametrize("url", ["/insights/health/", "/insights/health/E200/", "/insights/health/mine/", "/"])
def test_no_english_label_in_chinese(client: Client, signals: Team, url: str) -> None:
    from tests.web.test_i18n import english_labels, visible_texts

    client.force_login(signals.supervisor.user)
    html = client.get(url).content.decode()
    assert sorted(set(visible_texts(html)) & english_labels()) == []


def test_the_360_page_and_my_work_load_the_panels(client: Client, signals: Team) -> None:
    client.force_login(signals.manager.user)
    assert "/insights/health/E100/" in client.get("/accounts/E100/").content.decode()
    assert "/work/panels/at-risk/" in client.get("/").content.decode()
    assert "/insights/health/mine/" in client.get("/work/panels/at-risk/").content.decode()
    # E101's two complaints cost it half the service part; the second came within 90 days of the
    # first (a repeated complaint), which makes it at least medium risk: on the manager's list.
    mine = client.get("/insights/health/mine/").content.decode()
    assert "示范医院" in mine
    assert "您的 2 户大客户均为低风险" not in mine
    client.force_login(signals.other.user)  # E100 (secondary) and E200
    assert "示范化工有限公司" in client.get("/insights/health/mine/").content.decode()


def test_my_work_reads_this_mornings_health_check(client: Client, signals: Team) -> None:
    """Once the morning's check has run, "My work" shows its scores (as the health list does) instead of
    computing every account again on each visit; the account's own panel stays live."""
    from powerkam.insights.models import HealthSnapshot

    client.force_login(signals.other.user)  # E100 (secondary) and E200
    live = client.get("/insights/health/mine/").content.decode()
    assert "示范化工有限公司" in live
    assert "my-risk-snapshot" not in live
    today = timezone.localdate()
    assert health.health_snapshot_take(today=today) == 3
    HealthSnapshot.objects.filter(taken_on=today, account__customer_id="E100").update(risk="high", score=12.0)
    morning = client.get("/insights/health/mine/").content.decode()
    assert f"今晨健康检查（{today.isoformat()}）" in morning
    assert "健康度 12" in morning  # the snapshot's score, not the live one
    client.force_login(signals.manager.user)  # sees E100 and E101, not E200
    mine = client.get("/insights/health/mine/").content.decode()
    assert "健康度 12" in mine
    assert "E200" not in mine
    # the panel is kept per morning check and version of the accounts: a renamed account or the check
    # taken again shows at once
    account = Account.objects.get(customer_id="E100")
    account.name = "示范新化工有限公司"
    account.save()
    assert "示范新化工有限公司" in client.get("/insights/health/mine/").content.decode()
    health.health_snapshot_take(today=today)
    assert "健康度 12" not in client.get("/insights/health/mine/").content.decode()


def test_a_night_for_another_day_prepares_that_days_panel_from_that_days_check(client: Client, signals: Team) -> None:
    """``powerkam nightly --today D`` prepares "My work" for D: the accounts at risk come from D's
    check, not from a live computation because the clock's day has no check (issue 21: at 190,000
    key accounts that live computation was 80 s a language for the supervisor)."""
    from powerkam.insights import prepare, views
    from powerkam.web.prepare import request_for

    night = timezone.localdate() - dt.timedelta(days=30)
    assert health.health_snapshot_take(today=night) == 3
    HealthSnapshot.objects.filter(taken_on=night, account__customer_id="E100").update(risk="high", score=12.0)
    request = request_for(signals.manager.user, "/insights/health/mine/")
    prepare._my_risk(request, night)  # what the night's preparation runs

    prepared = views._my_risk_fragment(request, night)
    assert f"今晨健康检查（{night.isoformat()}）" in prepared
    assert "健康度 12" in prepared
    assert cache.get(_my_risk_key(signals, night)) == prepared  # kept, so a visit on that day costs a read
    # The clock's day has no check: a visit today is computed live, as before.
    client.force_login(signals.manager.user)
    today = client.get("/insights/health/mine/").content.decode()
    assert "健康度 12" not in today
    assert "今晨健康检查" not in today


def _my_risk_key(signals: Team, day: dt.date) -> str:
    from powerkam.accounts import selectors as account_selectors

    stamp = health.snapshot_stamp(day)
    return account_selectors.list_fragment_key(
        "my-risk", user=signals.manager.user, version=f"{stamp}.{account_selectors.accounts_version()}", query=""
    )


def test_api_and_command_line(signals: Team) -> None:
    token = api_token_issue(username=signals.supervisor.user.username).token
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    listing = api.get("/api/v1/insights/health?risk=high").json()
    assert [a["customer_id"] for a in listing["accounts"]] == ["E200"]
    assert listing["counts"]["high"] == 1
    one = api.get("/api/v1/insights/health/E200").json()
    assert one["risk"] == "high"
    assert one["consumption_change"] == pytest.approx(-0.4)
    assert api.get("/api/v1/insights/health?risk=panic").status_code == 400
    out = StringIO()
    call_command("health", "--customer", "E200", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["reasons"][0]["code"] == "consumption_down"
    out = StringIO()
    call_command("health", "--format", "json", "--limit", "1", stdout=out)
    assert [a["customer_id"] for a in json.loads(out.getvalue())["accounts"]] == ["E200"]


def test_saved_health_rules_apply(signals: Team) -> None:
    with pytest.raises(ApplicationError, match="zero_ratio"):
        services.health_rules_set(rules_toml="zero_ratio = 2", by=signals.supervisor.user)
    services.health_rules_set(rules_toml="high_drop = 0.5\nmedium_drop = 0.45", by=signals.supervisor.user)
    e200 = health.account_health(account=signals.accounts["E200"], today=TODAY)
    assert e200.risk != "high" or e200.score < 50


def test_the_health_list_pages_by_50_keeping_its_filters(client: Client, signals: Team) -> None:
    from factories import AccountFactory

    for i in range(60):
        AccountFactory(customer_id=f"K{i:03d}", name=f"大客户{i:03d}", key_status="key", grade="B", district="东城区")
    client.force_login(signals.supervisor.user)
    first = client.get("/insights/health/?district=东城区").content.decode()
    assert first.count("<tr>") - 1 == 50  # header row + 50
    assert "第 1 / 2 页（共 62 户）" in first
    assert "district=%E4%B8%9C%E5%9F%8E%E5%8C%BA&amp;page=2" in first
    second = client.get("/insights/health/?district=东城区&page=2").content.decode()
    assert "第 2 / 2 页" in second
