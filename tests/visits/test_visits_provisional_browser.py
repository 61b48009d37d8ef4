"""Beyond the holiday notice in a real browser: the visit calendar and the year view say "provisional"
(docs/rules.md §3, issue 19) — desktop and a 390 px phone, Chinese and English."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
TEXTS = {
    "zh-CN": {"note": "法定节假日", "new_year": "元旦"},
    "en-US": {"note": "statutory holidays", "new_year": "New Year"},
}


def test_provisional_days_on_the_calendars(browser: Browser, live_server: Any, transactional_db: None) -> None:
    from factories import StaffFactory
    from powerkam.staff.models import Role
    from powerkam.visits import services
    from tests.visits.helpers import key_account

    manager = StaffFactory(role=Role.MANAGER, user__username="m2027", name="李经理").user
    key_account("K1", "C", key_since=dt.date(2026, 12, 5), manager=manager, name="示范水泥有限公司")  # due 2027-01-05
    services.plan_generate(first_day=dt.date(2026, 12, 28), last_day=dt.date(2027, 1, 15), as_of=dt.date(2026, 12, 7))
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for locale, texts in TEXTS.items():
        for shape, viewport in VIEWPORTS.items():
            context = browser.new_context(locale=locale, viewport=viewport, is_mobile=shape == "phone")  # type: ignore[arg-type]
            page = context.new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "m2027")
            page.fill("#id_password", "pw")
            page.click("button[type=submit].btn-primary")
            page.wait_for_url(f"{base}/")

            page.goto(f"{base}/visits/?month=2027-01")
            expect(page.locator("[data-testid=provisional-note]")).to_contain_text(texts["note"])
            expect(page.locator("td[data-day='2027-01-01']")).to_contain_text(texts["new_year"])
            expect(page.locator("td[data-day='2027-01-01']")).to_have_attribute("data-provisional", "1")
            expect(page.locator("a.chip.provisional[data-customer=K1]")).to_have_count(1)
            page.screenshot(path=str(SCREENSHOTS / f"visits-calendar-2027-{locale}-{shape}.png"), full_page=True)

            page.goto(f"{base}/calendar/?year=2027")
            expect(page.locator("[data-testid=provisional-warning]")).to_be_visible()
            expect(page.locator("td[data-date='2027-02-05']")).to_have_attribute("data-kind", "holiday")
            expect(page.locator("td[data-date='2027-02-05']")).to_have_attribute("data-provisional", "1")
            expect(page.locator("td[data-date='2027-02-04']")).to_have_attribute("data-kind", "workday")
            page.screenshot(path=str(SCREENSHOTS / f"calendar-year-2027-{locale}-{shape}.png"), full_page=True)
            context.close()
