"""Role-aware screens in a real browser (issue 19 part 7), on a desktop and a 390 px phone, in Chinese
and in English: the viewer's settings and service pages offer nothing they may not do, a typed-in
entry form answers 403, the supervisor's pick lists name id · name · district, and a long list shows
its page numbers. Screenshots: test-artifacts/screenshots/role-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from factories import AccountFactory, Team
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = {
    "zh": {"record": "登记诉求", "settings": "工作日历", "page": "第 1 / 3 页", "next": "下一页"},
    "en": {"record": "Record a request", "settings": "Working-day calendar", "page": "Page 1 of 3", "next": "Next"},
}


def _open(browser: Browser, base: str, username: str, viewport: str, language: str) -> Page:
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", is_mobile=viewport == "phone")
    page = context.new_page()
    log_in(page, base, username)
    if language == "en":
        page.locator("[data-lang=en]").first.click()
        page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_viewer_sees_no_entry_form_and_the_server_refuses_one(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path, viewport: str, language: str
) -> None:
    words = LANGUAGES[language]
    page = _open(browser, live_server.url, "viewer", viewport, language)
    page.goto(f"{live_server.url}/settings/")
    expect(page.locator("[data-setting]")).to_have_count(2)
    expect(page.locator("[data-setting=calendar]")).to_contain_text(words["settings"])
    expect(page.locator("[data-setting=imports]")).to_have_count(0)
    expect(page.locator("[data-setting=admin]")).to_have_count(0)
    page.screenshot(path=str(screenshots / f"role-settings-viewer-{viewport}-{language}.png"), full_page=True)

    page.goto(f"{live_server.url}/service/")
    expect(page.get_by_role("link", name=words["record"])).to_have_count(0)
    expect(page.locator("main form[method=post]")).to_have_count(0)
    page.goto(f"{live_server.url}/visits/records/")
    expect(page.locator("a[href='/visits/new/']")).to_have_count(0)
    response = page.goto(f"{live_server.url}/service/tickets/new/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("form#id_title, input[name=title]")).to_have_count(0)
    page.context.close()

    # the manager, who may record a request, has the button
    page = _open(browser, live_server.url, "m01", viewport, language)
    page.goto(f"{live_server.url}/service/")
    expect(page.get_by_role("link", name=words["record"])).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pick_lists_name_id_name_and_district_and_pagers_show_page_numbers(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path, viewport: str, language: str
) -> None:
    demo_team.other.district = "滨江区"
    demo_team.other.save()
    for n in range(60):  # three pages of 25 accounts for the supervisor
        AccountFactory(customer_id=f"38100{n:05d}", name=f"示范市广电鼓楼机房{n}", district="鼓楼区", key_status="key")
    words = LANGUAGES[language]
    page = _open(browser, live_server.url, "zhangwei", viewport, language)

    page.goto(f"{live_server.url}/visits/reassign/")
    expect(page.locator("select[name=to_user] option", has_text="m02 · 王强 · 滨江区")).to_have_count(1)
    field = page.locator("input[name=customer_id]")
    expect(field).to_have_attribute("list", "account-options")
    expect(page.locator("#account-options option[value=E100]")).to_have_attribute(
        "label", "E100 · 示范钢铁有限公司 · 东城区"
    )
    page.screenshot(path=str(screenshots / f"role-picklist-supervisor-{viewport}-{language}.png"), full_page=True)

    page.goto(f"{live_server.url}/accounts/")
    pager = page.locator("[data-testid=pager]").first
    expect(pager).to_contain_text(words["page"])
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    expect(pager.locator("a[data-page='3']")).to_be_visible()
    expect(pager.locator("a[rel=next]")).to_have_text(words["next"])
    pager.locator("a[data-page='3']").click()
    expect(page.locator("[data-testid=pager] [aria-current=page]").first).to_have_text("3")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    page.locator("[data-testid=pager]").first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"role-pager-supervisor-{viewport}-{language}.png"), full_page=True)
    page.context.close()
