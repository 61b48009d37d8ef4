"""Issue 19 part 4 in a real browser: a planner plans the month's outages and accepts the plan,
on a desktop and a 390 px phone, in Chinese and in English."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, expect

from powerkam.accounts.models import Account
from powerkam.outages import services
from powerkam.outages.models import PlannedOutage
from tests.browser.test_web_flow import VIEWPORTS
from tests.outages.conftest import manager, planner, small_grid, store  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "zh-CN": {
        "plan": "月度计划",
        "heading": "月度停电计划",
        "accepted": "已采纳计划",
        "riding": "由另一回线路继续供电",
    },
    "en-US": {
        "plan": "Month plan",
        "heading": "Month plan of outages",
        "accepted": "Plan accepted",
        "riding": "Riding through on another feeder",
    },
}


@pytest.mark.parametrize("locale", list(TEXT))
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_planner_plans_the_month_and_accepts(
    browser: Browser,
    live_server: Any,
    small_grid: dict[str, Account],  # noqa: F811
    planner: User,  # noqa: F811
    screenshots: Path,
    viewport: str,
    locale: str,
) -> None:
    draft = services.outage_create(
        title="F1 开关检修",
        feeders="F1",
        start=timezone.make_aware(dt.datetime(2026, 12, 1, 8)),
        end=timezone.make_aware(dt.datetime(2026, 12, 1, 12)),
        crew="c1",
        by=planner,
    )
    text = TEXT[locale]
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=locale)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/?next=/")
    page.fill("#id_username", planner.username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/grid/outages/?month=2026-12")
    page.get_by_test_id("month-plan").click()
    expect(page.locator("h1")).to_contain_text(text["heading"])
    expect(page.locator("input[name=outages]")).to_be_checked()
    page.fill("#p-from", "2026-12-07")
    page.fill("#p-to", "2026-12-11")
    page.fill("#p-hours", "08:00-18:00")
    page.fill("#p-limit", "5")
    page.get_by_test_id("plan-run").click()
    expect(page.get_by_test_id("plan-result")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("plan-ens")).to_have_text("1,200 kWh")
    expect(page.get_by_test_id("naive-ens")).to_have_text("1,200 kWh")
    expect(page.locator("#plan-jobs")).to_contain_text("2026-12-07 08:00 – 12:00")
    expect(page.locator("#plan-jobs")).to_contain_text("甲钢铁")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"] + 1, "the page scrolls sideways"
    page.screenshot(path=str(screenshots / f"{viewport}-{locale}-60-outage-plan.png"), full_page=True)

    page.get_by_test_id("plan-accept").click()
    page.wait_for_url("**/grid/outages/?month=2026-12")
    expect(page.locator(".messages")).to_contain_text(text["accepted"])
    draft.refresh_from_db()
    assert timezone.localtime(draft.start) == timezone.make_aware(dt.datetime(2026, 12, 7, 8))
    assert PlannedOutage.objects.count() == 1
    page.screenshot(path=str(screenshots / f"{viewport}-{locale}-61-outage-plan-accepted.png"), full_page=True)

    # The outage page names the dual-supply account that rides through.
    page.goto(f"{live_server.url}/grid/outages/{draft.pk}/")
    expect(page.locator("#riding-through")).to_contain_text("乙医院")
    expect(page.get_by_text(text["riding"], exact=True)).to_be_visible()
    context.close()
