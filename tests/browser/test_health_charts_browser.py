"""The health page's charts and filters, the 360 panel's probability trend and a retention task in a
real browser: desktop and phone (390 px), Chinese and English, under the content security policy.
Screenshots land in test-artifacts/screenshots/ (…-60-health-charts, …-61-health-filtered,
…-62-account-churn-trend, …-63-retention-task)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from factories import Team, monthly_bills, paid_on_time, write_dataset
from powerkam.insights import health
from powerkam.insights.models import HealthSnapshot
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "zh": {
        "title": "健康度与流失风险",
        "distribution": "风险分布",
        "trend": "风险趋势",
        "plan": "缴费计划",
        "task": "挽留任务",
    },
    "en": {
        "title": "Health and churn risk",
        "distribution": "Risk distribution",
        "trend": "Risk trend",
        "plan": "Payment plan",
        "task": "Retention task",
    },
}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_charts_the_filters_and_a_retention_task(
    browser: Browser,
    live_server: Any,
    demo_team: Team,
    store_dir: Path,
    screenshots: Path,
    viewport: str,
    language: str,
) -> None:
    today = timezone.localdate()
    # E200 leaves its last three bills unpaid: high risk, the payment plan its best strategy
    e200 = monthly_bills("E200", last_period="2026-10", months=24)
    e101 = monthly_bills("E101", last_period="2026-10", months=24)
    e100 = monthly_bills("E100", last_period="2026-10", months=24, kwh=1_800_000.0)
    write_dataset(store_dir, "billing", e100 + e101 + e200)
    write_dataset(
        store_dir, "payments", paid_on_time(e100 + e101 + e200, except_={("E200", b["period"]) for b in e200[-3:]})
    )
    days = [today - dt.timedelta(days=d) for d in (28, 21, 14, 7, 0)]
    for day in days:
        health.health_snapshot_take(today=day)
    for day, p in zip(days, (0.12, 0.18, 0.25, 0.31, 0.42), strict=True):  # as a trained model would have scored
        HealthSnapshot.objects.filter(account=demo_team.accounts["E200"], taken_on=day).update(probability=p)
    words = TEXT[language]
    name = f"{viewport}-{language}"

    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, live_server.url, "zhangwei")
    if language == "en":
        page.evaluate("document.querySelector('.lang-switch button[data-lang=en]').click()")
        page.wait_for_load_state("load")
        expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto(f"{live_server.url}/insights/health/")
    expect(page.locator("h1")).to_have_text(words["title"])
    expect(page.locator(".health-charts h2").first).to_have_text(words["distribution"])
    expect(page.locator(".health-charts h2").nth(1)).to_have_text(words["trend"])
    expect(page.locator("#chart-risk-distribution canvas").first).to_be_attached(timeout=10_000)
    expect(page.locator("#chart-risk-trend canvas").first).to_be_attached(timeout=10_000)
    for chart in ("#chart-risk-distribution", "#chart-risk-trend"):
        box = page.locator(chart).bounding_box()
        assert box is not None
        assert box["height"] > 200
        assert box["width"] <= VIEWPORTS[viewport]["width"]
    page.wait_for_timeout(700)  # the chart animation, for the screenshot
    page.screenshot(path=str(screenshots / f"{name}-60-health-charts.png"), full_page=True)

    # filter by reason and strategy with the form: the list narrows and the URL keeps the filters
    page.select_option("#f-reason", "arrears_overdue")
    page.select_option("#f-strategy", "payment_plan")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/insights/health/?*reason=arrears_overdue*")
    assert "strategy=payment_plan" in page.url
    rows = page.get_by_test_id("health-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("示范化工有限公司")
    expect(rows.first.get_by_test_id("strategy")).to_have_text(words["plan"])
    expect(page.locator("#f-reason")).to_have_value("arrears_overdue")
    expect(page.get_by_test_id("risk-high")).to_have_text("1")
    page.wait_for_timeout(700)
    page.screenshot(path=str(screenshots / f"{name}-61-health-filtered.png"), full_page=True)

    # the account's 360 panel: the model's probability over the mornings
    rows.first.locator("a").first.click()
    expect(page.locator("#chart-churn-trend canvas").first).to_be_attached(timeout=10_000)
    page.wait_for_timeout(700)
    page.locator("#health").screenshot(path=str(screenshots / f"{name}-62-account-churn-trend.png"))

    # the retention task, untouched for four weeks: on the supervisor's work list too
    page.goto(f"{live_server.url}/tasks/?kind=retention")
    expect(page.locator("body")).to_contain_text(words["task"])
    expect(page.locator("body")).to_contain_text("示范化工有限公司")
    expect(page.locator("body")).to_contain_text("王强")
    page.screenshot(path=str(screenshots / f"{name}-63-retention-task.png"), full_page=True)
    assert problems == []
    context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_what_worked_shows_both_horizons(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path, viewport: str
) -> None:
    from decimal import Decimal

    from powerkam.insights import services

    today = timezone.localdate()
    for on, strategy in ((dt.date(2025, 6, 10), "payment_plan"), (dt.date(2026, 6, 1), "senior_visit")):
        services.offer_record(
            account=demo_team.accounts["E100"],
            by=demo_team.supervisor.user,
            strategy=strategy,
            offered_on=on,
            expected_yuan=Decimal("500000"),
            today=today,
        )
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "zhangwei")
    page.goto(f"{live_server.url}/insights/offers/")
    table = page.get_by_test_id("what-worked")
    expect(table.locator("thead")).to_contain_text("6 个月后")
    expect(table.locator("thead")).to_contain_text("12 个月后")
    # the offer of 2025-06: kept after 6 and after 12 months (bills to 2026-10); the one of 2026-06:
    # not known yet after 6 months
    expect(table.locator("tr[data-strategy=payment_plan] [data-testid=keep-rate-short]")).to_have_text("100.0%")
    expect(table.locator("tr[data-strategy=payment_plan] [data-testid=keep-rate-main]")).to_have_text("100.0%")
    expect(table.locator("tr[data-strategy=senior_visit] [data-testid=keep-rate-short]")).to_have_text("—")
    page.screenshot(path=str(screenshots / f"{viewport}-64-what-worked.png"), full_page=True)
    context.close()
