"""Insights in a real browser: health and churn risk, and tariff advice, on a desktop and a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from factories import Team, monthly_bills, write_dataset
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_supervisor_finds_the_account_at_risk_and_its_advice(
    browser: Browser, live_server: Any, demo_team: Team, store_dir: Path, screenshots: Path, viewport: str
) -> None:
    # E100 on 40,000 kVA billed by capacity while it draws 9,000 kW; its last three months fell by 40 %.
    bills = monthly_bills("E100", last_period="2026-10", months=24, kwh=1_800_000.0)
    for i, bill in enumerate(bills):
        bill["max_demand_kw"] = 9000.0
        bill["kvarh"] = 1_115_000.0  # power factor 0.85
        if i >= 21:
            bill["kwh"] = 1_080_000.0
    write_dataset(store_dir, "billing", bills)
    account = demo_team.accounts["E100"]
    account.basic_charge_mode = "capacity"
    account.save()

    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "zhangwei")
    page.goto(f"{live_server.url}/insights/health/")
    expect(page.locator("h1")).to_have_text("健康度与流失风险")
    expect(page.get_by_test_id("risk-high")).to_have_text("1")
    row = page.get_by_test_id("health-table").locator("tbody tr").first
    expect(row).to_contain_text("示范钢铁有限公司")
    expect(row).to_contain_text("用电量比去年同期下降 40.0%")
    page.screenshot(path=str(screenshots / f"{viewport}-20-health.png"), full_page=True)

    row.locator("a").first.click()
    expect(page.get_by_test_id("health-score")).to_be_visible()
    expect(page.locator("#tariff [data-kind=basic_charge] .advice-do")).to_contain_text("按需量")
    expect(page.locator("#tariff [data-kind=power_factor] .advice-do")).to_contain_text("无功补偿")
    page.locator("#health").screenshot(path=str(screenshots / f"{viewport}-21-account-health.png"))
    page.locator("#tariff").screenshot(path=str(screenshots / f"{viewport}-22-account-tariff.png"))

    page.goto(f"{live_server.url}/insights/tariff/")
    expect(page.get_by_test_id("opportunities")).to_contain_text("示范钢铁有限公司")
    page.screenshot(path=str(screenshots / f"{viewport}-23-tariff.png"), full_page=True)
    context.close()
