"""The health page's filters and charts, and the retention tasks from recommended strategies
(docs/health.md, "Pages" and "Retention tasks"): what the morning snapshot keeps, the filters on the
page, its Excel and the API, the score distribution and the weekly risk trend, the model's
probability over time on the 360 panel, and a task on "My work" for each strategy not yet offered."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from factories import Team, monthly_bills, paid_on_time, write_dataset
from powerkam.api.services import api_token_issue
from powerkam.insights import health, offers, services
from powerkam.insights.models import HealthSnapshot
from powerkam.web import worklist

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def billed(team: Team, store_dir: Path) -> Team:
    """24 months of bills to last month for the three key accounts; E200 has left its last three unpaid
    (overdue arrears: high risk, the payment plan its best strategy); E100 and E101 pay on time."""
    last = f"{TODAY.replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    rows = [b for cid in ("E100", "E101", "E200") for b in monthly_bills(cid, last_period=last, months=24)]
    e200 = [b for b in rows if b["customer_id"] == "E200"]
    unpaid = {("E200", b["period"]) for b in e200[-4:-1]}
    write_dataset(store_dir, "billing", rows)
    write_dataset(store_dir, "payments", paid_on_time(rows, except_=unpaid))
    return team


def _chart(page: str, element: str) -> dict[str, object]:
    found = re.search(rf'<script id="{element}" type="application/json">(.*?)</script>', page, re.S)
    assert found, element
    return json.loads(found.group(1))


def _names(page: str) -> list[str]:
    return re.findall(r'<a href="/accounts/(E\d+)/#health">', page.split('data-testid="health-table"')[-1])


def test_the_snapshot_keeps_every_reason_and_the_best_strategy(billed: Team) -> None:
    health.health_snapshot_take(today=TODAY)
    e200 = HealthSnapshot.objects.get(account=billed.accounts["E200"], taken_on=TODAY)
    assert e200.risk == "high"
    assert " arrears_overdue " in e200.reason_codes
    assert " credit_low " in e200.reason_codes
    arrears = next(r for r in e200.reasons if r["code"] == "arrears_overdue")
    assert arrears["figures"]["days"] > 0
    assert arrears["points"] > 0
    assert (e200.strategy, e200.strategy_since) == ("payment_plan", TODAY)
    assert e200.strategy_yuan > 0
    e100 = HealthSnapshot.objects.get(account=billed.accounts["E100"], taken_on=TODAY)
    assert (e100.strategy, e100.strategy_since) == ("", None)  # low risk: nothing to offer


def test_the_page_filters_by_manager_grade_reason_and_strategy(billed: Team) -> None:
    health.health_snapshot_take(today=TODAY)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(billed.supervisor.user)
    assert sorted(_names(client.get("/insights/health/").content.decode())) == ["E100", "E101", "E200"]
    assert _names(client.get("/insights/health/?grade=A").content.decode()) == ["E100"]
    assert _names(client.get("/insights/health/?reason=arrears_overdue").content.decode()) == ["E200"]
    assert _names(client.get("/insights/health/?strategy=payment_plan").content.decode()) == ["E200"]
    other = billed.other.user.pk  # secondary manager of E100, primary of E200
    page = client.get(f"/insights/health/?manager={other}&district=东城区").content.decode()
    assert sorted(_names(page)) == ["E100", "E200"]
    assert f'<option value="{other}" selected>' in page  # the filters stay in the form and the URL
    # the counts follow the filters (not the risk level, so each level can be picked)
    page = client.get("/insights/health/?grade=C&risk=low").content.decode()
    assert re.search(r'data-testid="risk-high">1<', page)
    assert _names(page) == []
    # up to three reasons with their points, the strategy in its own column
    page = client.get("/insights/health/?reason=arrears_overdue").content.decode()
    assert "overdue" in page
    assert 'data-testid="strategy">Payment plan' in page
    # a value that does not exist: said, the list unfiltered, no error page
    bad = client.get("/insights/health/?grade=Z")
    assert bad.status_code == 200
    assert "Unknown grade &#x27;Z&#x27;: A, B or C." in bad.content.decode()


def test_excel_and_api_take_the_same_filters(billed: Team) -> None:
    health.health_snapshot_take(today=TODAY)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(billed.supervisor.user)
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/insights/health/export.xlsx?reason=arrears_overdue").content)
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["E200"]
    assert rows[0][-1] == "推荐策略"
    assert rows[1][-1] == "缴费计划"
    token = api_token_issue(username=billed.supervisor.user.username).token
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    body = api.get("/api/v1/insights/health?strategy=payment_plan").json()
    assert [a["customer_id"] for a in body["accounts"]] == ["E200"]
    body = api.get("/api/v1/insights/health?grade=B").json()
    assert [a["customer_id"] for a in body["accounts"]] == ["E101"]
    bad = api.get("/api/v1/insights/health?reason=bad_luck")
    assert bad.status_code == 400
    assert "bad_luck" in bad.json()["message"]


def test_the_charts_count_the_accounts_by_score_and_week(billed: Team) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(billed.supervisor.user)
    health.health_snapshot_take(today=TODAY - dt.timedelta(days=7))
    health.health_snapshot_take(today=TODAY)
    page = client.get("/insights/health/").content.decode()
    assert "vendor/echarts/echarts.min.js" in page
    assert "<script>" not in page
    distribution = _chart(page, "chart-risk-distribution-data")
    series = {s["name"]: s["data"] for s in distribution["series"]}  # type: ignore[index]
    assert sum(sum(v) for v in series.values()) == 3
    assert sum(series["High risk"]) == 1
    e200 = HealthSnapshot.objects.get(account=billed.accounts["E200"], taken_on=TODAY)
    assert series["High risk"][min(9, int(e200.score // 10))] == 1
    trend = _chart(page, "chart-risk-trend-data")
    assert trend["xAxis"]["data"] == [f"{TODAY - dt.timedelta(days=7):%Y-%m-%d}", f"{TODAY:%Y-%m-%d}"]  # type: ignore[index]
    lines = {s["name"]: s["data"] for s in trend["series"]}  # type: ignore[index]
    assert lines["High risk"] == [1, 1]
    assert lines["Low risk"][-1] + lines["Medium risk"][-1] == 2
    # the filters narrow the charts too
    page = client.get("/insights/health/?grade=A").content.decode()
    lines = {s["name"]: s["data"] for s in _chart(page, "chart-risk-trend-data")["series"]}  # type: ignore[index]
    assert lines["High risk"] == [0, 0]
    assert sum(v[-1] for v in lines.values()) == 1


def test_the_360_panel_draws_the_models_probability_from_the_snapshots(billed: Team) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(billed.other.user)
    health.health_snapshot_take(today=TODAY - dt.timedelta(days=1))
    health.health_snapshot_take(today=TODAY)
    assert 'id="chart-churn-trend-data"' not in client.get("/insights/health/E200/").content.decode()  # no model
    for day, p in ((TODAY - dt.timedelta(days=1), 0.31), (TODAY, 0.42)):
        HealthSnapshot.objects.filter(account=billed.accounts["E200"], taken_on=day).update(probability=p)
    chart = _chart(client.get("/insights/health/E200/").content.decode(), "chart-churn-trend-data")
    assert chart["series"][0]["data"] == [31.0, 42.0]  # type: ignore[index]


# ---- retention tasks ------------------------------------------------------------------------------------


def _retention(user: object, today: dt.date = TODAY) -> list[worklist.Task]:
    return worklist.tasks_for(user, today, kind="retention")


def test_a_recommended_strategy_is_a_task_of_the_accounts_managers(billed: Team) -> None:
    health.health_snapshot_take(today=TODAY)
    (task,) = _retention(billed.other.user)  # the primary manager of E200
    assert (task.customer_id, task.due_on) == ("E200", TODAY + dt.timedelta(days=health.RETENTION_TASK_DAYS))
    assert "Payment plan" in task.title or "缴费计划" in task.title
    assert task.url == "/accounts/E200/#health"
    assert _retention(billed.manager.user) == []  # not their account
    assert _retention(billed.supervisor.user) == []  # not overdue yet


def test_untouched_past_its_day_it_goes_to_the_supervisor_and_an_offer_closes_it(billed: Team) -> None:
    first = TODAY - dt.timedelta(days=health.RETENTION_TASK_DAYS + 6)
    health.health_snapshot_take(today=first)
    health.health_snapshot_take(today=TODAY)  # the same strategy: recommended since the first day
    assert HealthSnapshot.objects.get(account=billed.accounts["E200"], taken_on=TODAY).strategy_since == first
    (mine,) = _retention(billed.other.user)
    assert mine.overdue(TODAY)
    (escalated,) = _retention(billed.supervisor.user)
    assert escalated.customer_id == "E200"
    assert "王强" in escalated.title
    # another strategy offered does not answer it; the payment plan does, for both
    record = {"offered_on": TODAY, "expected_yuan": Decimal("1000"), "by": billed.other.user}
    services.offer_record(account=billed.accounts["E200"], strategy="tariff_optimisation", **record)  # type: ignore[arg-type]
    assert len(_retention(billed.other.user)) == 1
    services.offer_record(account=billed.accounts["E200"], strategy="payment_plan", **record)  # type: ignore[arg-type]
    assert _retention(billed.other.user) == []
    assert _retention(billed.supervisor.user) == []


def test_an_offer_made_shortly_before_the_recommendation_already_answers_it(billed: Team) -> None:
    services.offer_record(
        account=billed.accounts["E200"],
        strategy="payment_plan",
        offered_on=TODAY - dt.timedelta(days=30),
        expected_yuan=Decimal("1000"),
        by=billed.other.user,
    )
    health.health_snapshot_take(today=TODAY)
    assert HealthSnapshot.objects.get(account=billed.accounts["E200"], taken_on=TODAY).strategy_since == (
        TODAY - dt.timedelta(days=30)
    )
    assert _retention(billed.other.user) == []


def test_the_retention_tasks_cost_one_query(billed: Team, django_assert_num_queries) -> None:
    health.health_snapshot_take(today=TODAY - dt.timedelta(days=30))
    health.health_snapshot_take(today=TODAY)
    for user in (billed.other.user, billed.supervisor.user, billed.manager.user):
        with django_assert_num_queries(1):
            list(offers._retention_tasks(user, TODAY))


def test_the_command_takes_the_same_filters(billed: Team) -> None:
    from io import StringIO

    from django.core.management import call_command

    def accounts(*args: str) -> list[str]:
        out = StringIO()
        call_command("health", *args, "--format", "json", stdout=out)
        return [a["customer_id"] for a in json.loads(out.getvalue())["accounts"]]

    assert accounts("--reason", "arrears_overdue") == ["E200"]
    assert sorted(accounts("--manager", "m02")) == ["E100", "E200"]
    assert accounts("--grade", "B") == ["E101"]
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("health", "--manager", "nobody", stdout=StringIO(), stderr=err)
    assert "nobody" in err.getvalue()


def test_each_part_of_the_panel_has_its_own_name(billed: Team) -> None:
    """Own generation and repeated complaints used to be labelled "Market status" on the 360 panel."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from powerkam.analytics import health as engine

    found = engine.Health(
        "E1",
        80.0,
        "low",
        {"market": 100.0, "self_generation": 50.0, "complaint_history": 50.0},
        (),
        engine.Signals("E1"),
    )
    with translation.override("en"):
        html = render_to_string("insights/_parts.html", {"health": found})
    assert html.count("Market status") == 1
    assert "Own generation growing" in html
    assert "Repeated complaints" in html
