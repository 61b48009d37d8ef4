"""A what-if run in a real browser: the runs list, the run's page and its roster say so (issue 19) —
desktop and a 390 px phone, Chinese and English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {"zh-CN": ("假设分析", "即使早于当前名录也发布"), "en-US": ("what-if", "Publish even if older than the roster")}


def test_a_what_if_run_says_so(
    browser: Browser, live_server: Any, transactional_db: None, settings: Any, tmp_path: Path
) -> None:
    from factories import StaffFactory
    from grading.grading_store import customer, monthly_bills, pay_on_time, periods_ending, write_store
    from powerkam.grading.services import grading_run_create, grading_run_execute
    from powerkam.staff.models import Role

    settings.ANALYTICS_DIR = tmp_path / "store"
    settings.ANALYTICS_DIR.mkdir()
    bills = monthly_bills("K", periods_ending("2026-10", 14))
    write_store(settings.ANALYTICS_DIR, customers=[customer("K")], billing=bills, payments=pay_on_time(bills))
    grading_run_execute(run=grading_run_create(period="2026-10"))
    older = grading_run_execute(run=grading_run_create(period="2026-08"))
    assert older.what_if
    StaffFactory(role=Role.SUPERVISOR, user__username="boss", name="王主管")
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for locale, (badge, publish) in WORDS.items():
        for shape, viewport in VIEWPORTS.items():
            context = browser.new_context(locale=locale, viewport=viewport, is_mobile=shape == "phone")  # type: ignore[arg-type]
            page = context.new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "boss")
            page.fill("#id_password", "pw")
            page.click("button[type=submit].btn-primary")
            page.wait_for_url(f"{base}/")

            page.goto(f"{base}/grading/runs/")
            expect(page.locator(f"tr[data-run='{older.pk}'] [data-what-if]")).to_contain_text(badge)
            expect(page.get_by_label(publish)).not_to_be_checked()
            page.screenshot(path=str(SCREENSHOTS / f"grading-runs-what-if-{locale}-{shape}.png"), full_page=True)

            page.goto(f"{base}/grading/runs/{older.pk}/")
            expect(page.locator("div[data-what-if]")).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / f"grading-run-what-if-{locale}-{shape}.png"), full_page=True)

            page.goto(f"{base}/grading/?run={older.pk}")
            expect(page.locator("p[data-what-if]")).to_contain_text(badge)
            page.goto(f"{base}/grading/")
            expect(page.locator("[data-what-if]")).to_have_count(0)
            context.close()
