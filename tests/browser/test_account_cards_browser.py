"""Below 640 px the account list is a list of cards (issue 19): name, customer id, grade badge, three
key figures with their labels and the next action — no table squeezing names to a character a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from factories import Team
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize(
    ("locale", "figure_label", "action"),
    [("zh-CN", "合同容量", "登记走访"), ("en-US", "Contract capacity", "Log a visit")],
)
def test_the_account_list_is_cards_on_a_phone(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path, locale: str, figure_label: str, action: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_server.url
    log_in(page, base, "m01")
    if locale == "en-US":
        page.locator("[data-lang=en]").click()
        page.wait_for_load_state("networkidle")
    page.goto(f"{base}/accounts/")
    cards = page.locator("table.accounts tbody tr")
    expect(cards.first).to_be_visible()
    first = cards.first
    expect(page.locator("table.accounts thead")).to_have_css(
        "position", "absolute"
    )  # headers are for screen readers only
    name = first.locator("td").nth(1)
    # the name gets the card's whole width (one line, not a character per line)
    name_box, card_box = name.bounding_box(), first.bounding_box()
    assert name_box is not None
    assert card_box is not None
    assert name_box["width"] > 0.8 * card_box["width"] - 32
    assert name_box["height"] < 60
    expect(first.locator("td").nth(0)).to_be_visible()
    expect(first.locator("td").nth(2).locator(".badge")).to_be_visible()
    figures = first.locator(".cell-figure")
    expect(figures).to_have_count(3)
    label = figures.nth(2).evaluate("el => getComputedStyle(el, '::before').content")
    assert figure_label in label
    expect(first.locator("[data-testid=card-log-visit]")).to_have_text(action)
    for hidden in first.locator(".hide-phone").all():
        expect(hidden).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots / f"accounts-cards-phone-{locale}.png"), full_page=True)
    first.locator("[data-testid=card-log-visit]").click()
    expect(page.locator("[data-testid=visit-form]")).to_be_visible()

    # On a desktop the same page is the table, without the card-only action.
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.goto(f"{base}/accounts/")
    expect(page.locator("table.accounts thead th").first).to_be_visible()
    expect(page.locator("[data-testid=card-log-visit]").first).to_be_hidden()
    context.close()
