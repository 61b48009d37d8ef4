"""The overview in a real browser: every tile loads after the page, the charts are drawn, and the
"Collect" button of an account in arrears opens an arrears-collection ticket for it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from factories import Team, monthly_bills, paid_on_time, write_dataset
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_supervisor_reads_the_overview_and_starts_collecting(
    browser: Browser, live_server: Any, demo_team: Team, store_dir: Path, screenshots: Path, viewport: str
) -> None:
    bills = monthly_bills("E100", last_period="2026-09", months=12, kwh=500_000.0) + monthly_bills(
        "Z900", last_period="2026-09", months=12, kwh=1_500_000.0
    )
    write_dataset(store_dir, "billing", bills)
    # Every bill paid on its due date except E100's July bill, long overdue now.
    write_dataset(store_dir, "payments", paid_on_time(bills, except_={("E100", "2026-07")}))
    assert dt.date.today() > dt.date(2026, 8, 15)

    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "zhangwei")
    page.goto(f"{live_server.url}/insights/")
    expect(page.locator("h1")).to_have_text("经营概览")
    portfolio = page.locator("[data-tile-body=portfolio]")
    # E100 is the only key account with bills: 500,000 of the base's 2,000,000 kWh a month.
    expect(portfolio.locator("[data-figure=kwh_share_12]")).to_have_text("25.0%")
    expect(portfolio.locator("#chart-share canvas")).to_have_count(1)
    expect(portfolio.locator("#chart-grade-mix canvas")).to_have_count(1)
    for key in ("service", "visits", "prospects", "retention"):
        expect(page.locator(f"[data-tile-body={key}]")).to_be_visible()
    # the visits tile shows the morning's figures (here: computed on this first look) and recomputes them
    visits = page.locator("[data-tile-prepared=visits]")
    expect(visits).to_contain_text("每天早晨预先计算")
    visits.get_by_role("button", name="立即重新计算").click()
    expect(page.locator("[data-tile-prepared=visits] [data-tile-body=visits]")).to_be_visible()
    arrears = page.get_by_test_id("arrears-top")
    expect(arrears).to_contain_text("示范钢铁有限公司")
    page.screenshot(path=str(screenshots / f"{viewport}-30-overview.png"), full_page=True)

    arrears.get_by_role("link", name="催缴").first.click()
    expect(page.locator("select[name=kind]")).to_have_value("arrears_collection")
    expect(page.locator("input[name=customer_id]")).to_have_value("E100")
    context.close()
