"""A manager's day in a real browser, on a desktop and on a phone: log in, search, open the 360 page
with its charts drawn, switch to English. Screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from factories import Team

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page_at(browser: Browser, viewport: str) -> Any:
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


def chart_size(page: Page, chart_id: str) -> tuple[float, float]:
    canvas = page.locator(f"#{chart_id} canvas").first
    expect(canvas).to_be_attached(timeout=10_000)
    box = canvas.bounding_box()
    assert box is not None
    return box["width"], box["height"]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")


def test_log_in_search_open_the_360_page_and_switch_language(
    page_at: Page, live_server: Any, demo_team: Team, viewport: str, screenshots: Path
) -> None:
    page, base = page_at, live_server.url
    shot = lambda name: page.screenshot(path=str(screenshots / f"{viewport}-{name}.png"), full_page=True)  # noqa: E731

    # Log in: Chinese by default, the user's name and role in the top bar.
    log_in(page, base, "m01")
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator('[data-kpi="total"]')).to_have_text("2")
    # The tasks and each app's panel load after the frame, each its own request.
    expect(page.locator('[data-testid="work-summary"]')).to_be_visible()
    expect(page.locator('[data-testid="my-visits"]')).to_be_visible()
    expect(page.locator(".loading")).to_have_count(0)
    if viewport == "desktop":
        expect(page.locator(".user-name")).to_have_text("李娜")
        expect(page.locator(".user-role")).to_have_text("客户经理")
    shot("01-home")

    # Search from the top bar by name.
    page.fill(".topbar-search input[name=q]", "钢铁")
    page.press(".topbar-search input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/accounts/\?q="))
    rows = page.locator("table.accounts tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E100")
    shot("02-search")

    # Filter by grade: the table is swapped in by HTMX and the address follows.
    page.goto(f"{base}/accounts/")
    expect(rows).to_have_count(2)
    page.select_option("#id_grade", "B")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E101")
    expect(page).to_have_url(re.compile(r"grade=B"))
    page.select_option("#id_grade", "")
    expect(rows).to_have_count(2)

    # Open the 360 page: both charts drawn with a real size, arrears highlighted.
    page.click("table.accounts >> text=E100")
    page.wait_for_url(f"{base}/accounts/E100/")
    expect(page.locator(".account-title h1")).to_have_text("示范钢铁有限公司")
    width, height = chart_size(page, "chart-consumption")
    assert width > 300 if viewport == "desktop" else width > 200
    assert height > 200
    width, height = chart_size(page, "chart-load")
    assert width > 200
    assert height > 200
    expect(page.locator("table.payments tr.arrears")).to_have_count(1)
    older = page.locator("table.payments tbody.older-bills")
    expect(older).to_be_hidden()
    page.click("[data-older-bills] summary")
    expect(older).to_be_visible()
    expect(older.locator("tr")).to_have_count(24)
    page.wait_for_timeout(600)  # let the chart animation finish for the screenshot
    shot("03-account-360")

    # Switch to English: same page, English labels, the charts drawn again.
    page.click(".topbar .lang-switch button[data-lang=en]")
    page.wait_for_url(f"{base}/accounts/E100/")
    expect(page.locator("#consumption h2")).to_have_text("Consumption and revenue, 36 months")
    expect(page.locator(".menu-item[data-menu=accounts]")).to_contain_text("Key accounts")
    assert chart_size(page, "chart-consumption")[1] > 200
    page.wait_for_timeout(600)
    shot("04-account-360-en")


def test_the_phone_menu_is_a_drawer(browser: Browser, live_server: Any, demo_team: Team, screenshots: Path) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "zhangwei")
    sidebar = page.locator("#sidebar")
    assert sidebar.bounding_box()["x"] < 0  # off screen
    page.click("[data-nav-toggle]")
    page.wait_for_timeout(300)
    assert sidebar.bounding_box()["x"] == 0
    page.screenshot(path=str(screenshots / "phone-05-menu.png"))
    page.click(".menu-item[data-menu=accounts]")
    page.wait_for_url(f"{live_server.url}/accounts/")
    expect(page.locator("table.accounts tbody tr")).to_have_count(4)
    page.screenshot(path=str(screenshots / "phone-06-accounts.png"), full_page=True)
    context.close()


def test_a_viewer_sees_no_edit_form_and_the_insights_area(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "viewer")
    page.goto(f"{live_server.url}/accounts/E200/")
    expect(page.locator(".account-title h1")).to_have_text("示范化工有限公司")
    expect(page.locator("text=新增联系人")).to_have_count(0)
    page.goto(f"{live_server.url}/insights/")
    expect(page.locator("h1")).to_have_text("经营概览")
    expect(page.locator("[data-tile-body=portfolio]")).to_be_visible()
    expect(page.locator("text=发送月报")).to_have_count(0)  # viewers read, they do not send
    page.screenshot(path=str(screenshots / "desktop-07-insights.png"))
    context.close()
