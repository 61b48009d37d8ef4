"""The Content-Security-Policy in a real browser: the main pages load with no violation, HTMX fragments
are swapped in, ECharts draws, and behaviour moved out of inline handlers (auto-submitting selects) works."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from factories import Team
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Collects every violation the page reports (Playwright's init script is not subject to the page's CSP).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def test_the_main_pages_run_under_the_policy_without_a_violation(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            console.append(message.text)

    page.on("console", on_console)
    violations: list[str] = []

    def check(where: str) -> None:
        violations.extend(f"{where}: {v}" for v in page.evaluate("window.__csp || []"))

    base = live_server.url
    response = page.goto(f"{base}/login/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    check("login")
    log_in(page, base, "zhangwei")

    # Home (My work): the inbox badge is an HTMX fragment loaded after the page.
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator(".inbox-link [hx-get]")).to_have_count(0)  # swapped out by the fragment
    check("home")

    # The accounts list: a filter swaps the table in by HTMX.
    page.goto(f"{base}/accounts/")
    rows = page.locator("table.accounts tbody tr")
    expect(rows).to_have_count(4)
    page.select_option("#id_grade", "B")
    expect(rows).to_have_count(1)
    check("accounts")

    # The 360 page: fragments loaded by HTMX, the charts drawn on canvas by ECharts.
    page.goto(f"{base}/accounts/E100/")
    expect(page.locator("#chart-consumption canvas").first).to_be_attached(timeout=10_000)
    expect(page.locator("#chart-load canvas").first).to_be_attached(timeout=10_000)
    expect(page.locator("table.payments")).to_be_visible()
    page.locator("#chart-consumption").hover()  # an ECharts tooltip (HTML with style attributes)
    page.wait_for_timeout(300)
    check("account 360")

    # The overview: every tile is an HTMX fragment, with charts.
    page.goto(f"{base}/insights/")
    expect(page.locator("h1")).to_have_text("经营概览")
    expect(page.locator("[data-tile-body=portfolio] #chart-grade-mix canvas")).to_have_count(1, timeout=10_000)
    page.screenshot(path=str(screenshots / "desktop-40-overview-under-csp.png"), full_page=True)
    check("insights")

    # A select that submits its form (an onchange="" attribute before the policy).
    page.goto(f"{base}/tasks/")
    options = page.locator("#f-kind option")
    if options.count() > 1:
        value = options.nth(1).get_attribute("value")
        page.select_option("#f-kind", value)
        page.wait_for_url(re.compile(rf"kind={value}"))
    check("tasks")

    # The API docs (Swagger UI from django-ninja's own static files) render for the logged-in user.
    page.goto(f"{base}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("PowerKAM API", timeout=10_000)
    check("api docs")

    blocked = [line for line in console if "Content Security Policy" in line or "Content-Security-Policy" in line]
    assert violations == []
    assert blocked == []
    context.close()
