"""The lists that still squeezed names on a phone (issue 19, part 1): tariff advice, the survey
campaigns, what worked (strategy outcomes), the prospects funnel, the feeders and headroom, supply
reliability. At 390 px every row of these lists is a card — the name across the card, the figures
under their labels — there is one card per row of the list, and nothing scrolls sideways.

The pages are filled by the ordinary demo (``demo build``): its tariff advice, its survey campaign,
its retention offers, its prospects and its outage history, as a reviewer sees them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_web_flow import VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: page, the lists on it (their data-testid or CSS selector) and the screenshot's name
PAGES = [
    ("/insights/tariff/", ["[data-testid=opportunities]"], "tariff"),
    ("/insights/surveys/?archived=1", ["[data-testid=campaigns]"], "surveys"),
    ("/insights/offers/", ["[data-testid=what-worked]", "[data-testid=what-worked-offers]"], "what-worked"),
    ("/prospects/funnel/", ["table.funnel-table", "[data-testid=quarters]", "[data-testid=demand]"], "funnel"),
    ("/prospects/feeders/?all=1", ["[data-testid=feeders]"], "feeders"),
    ("/grid/reliability/", ["[data-testid=reliability-table]"], "reliability"),
]


@pytest.fixture
def province(transactional_db: None, settings: Any, tmp_path: Path) -> User:
    from powerkam.demo.selectors import DEMO_PASSWORD
    from powerkam.demo.services import demo_build

    settings.DATA_DIR = tmp_path
    settings.ANALYTICS_DIR = tmp_path / "store"
    demo_build(customers=200, months=13, load_months=1, today=timezone.localdate() - dt.timedelta(days=10))
    supervisor = User.objects.filter(groups__name="supervisor", is_active=True).order_by("username").first()
    assert supervisor is not None
    assert supervisor.check_password(DEMO_PASSWORD)
    return supervisor


def _log_in(page: Page, base: str, username: str) -> None:
    from powerkam.demo.selectors import DEMO_PASSWORD

    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")


def _assert_cards(page: Page, table: str) -> None:
    """Every row of ``table`` is a card whose title has the card's width; the headers are not shown."""
    tables = page.locator(table)
    assert tables.count() >= 1, table
    for t in tables.all():
        head = t.locator("thead")
        shown = head.evaluate(
            "el => { const s = getComputedStyle(el); return s.display !== 'none' && s.position !== 'absolute'; }"
        )
        assert not shown, f"{table}: the column headers still show"
        body_rows = t.locator("tbody tr")
        n = body_rows.count()
        assert n > 0, f"{table}: no row to look at (the demo should fill it)"
        displays = body_rows.evaluate_all("els => els.map(el => getComputedStyle(el).display)")
        assert "table-row" not in displays, f"{table}: a row is still a table row"
        # one card per row of the list: none hidden, none collapsed on the phone
        shown_rows = body_rows.evaluate_all("els => els.filter(el => el.getBoundingClientRect().height > 20).length")
        assert shown_rows == n, f"{table}: {n - shown_rows} rows do not show as cards"
        hidden = t.locator("tbody td.hide-phone").evaluate_all(
            "els => els.filter(el => getComputedStyle(el).display !== 'none').length"
        )
        assert hidden == 0, f"{table}: {hidden} cells meant for the desktop show on the cards"
        for row in body_rows.all()[:5]:
            title, card = row.locator(".cell-title").bounding_box(), row.bounding_box()
            assert title is not None, f"{table}: a card without its title"
            assert card is not None
            assert title["width"] > 0.8 * card["width"] - 32, f"{table}: the title is squeezed"
            assert card["width"] <= VIEWPORTS["phone"]["width"]
            # no name broken to a character a line: the title is at most a few lines high
            assert title["height"] < 90, f"{table}: the title wraps like a squeezed column"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tariff_surveys_outcomes_funnel_feeders_and_reliability_are_cards_on_a_phone(
    browser: Browser, live_server: Any, province: User, screenshots: Path, lang: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, province.username)
    if lang == "en":
        page.locator("[data-lang=en]").click()
        page.wait_for_load_state("networkidle")
    for url, tables, shot in PAGES:
        page.goto(f"{base}{url}")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans" if lang == "zh" else "en")
        for table in tables:
            _assert_cards(page, table)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"], url
        page.screenshot(path=str(screenshots / f"cards-insights-{lang}-{shot}.png"), full_page=True)

    # On a desktop the same lists are tables with their headers.
    page.set_viewport_size(VIEWPORTS["desktop"])
    for url, tables, _shot in PAGES:
        page.goto(f"{base}{url}")
        for table in tables:
            expect(page.locator(f"{table} thead th").first).to_be_visible()
            expect(page.locator(f"{table} tbody tr").first).to_have_css("display", "table-row")
    context.close()
