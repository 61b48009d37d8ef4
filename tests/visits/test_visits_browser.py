"""A real phone-sized browser (390×844): a manager logs a visit on site, with a need that becomes a follow-up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_log_a_visit_on_a_phone(browser: Browser, live_server: Any, transactional_db: None, tmp_path: Path) -> None:
    from factories import ContactFactory, StaffFactory
    from powerkam.staff.models import Role
    from powerkam.visits.models import FollowUp, Visit
    from tests.visits.helpers import key_account

    manager = StaffFactory(role=Role.MANAGER, user__username="phone", name="李经理").user
    StaffFactory(role=Role.MANAGER, user__username="tech", name="王工程师")
    account = key_account("K777", "C", key_since=dt.date(2026, 9, 30), manager=manager, name="示范水泥有限公司")
    ContactFactory(account=account, name="周厂长", title="厂长")
    photo = tmp_path / "配电室.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    base = live_server.url

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "phone")
    page.fill("#id_password", "pw")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/visits/new/")
    page.locator("[data-testid=pick-list] a", has_text="示范水泥有限公司").click()
    expect(page.locator("[data-testid=visit-account]")).to_contain_text("示范水泥有限公司")
    page.fill("#id_visited_on", "2026-11-10")
    page.get_by_label("周厂长 · 厂长").check()
    page.fill("#id_topics", "二期生产线用电计划")
    page.locator(".stars label", has_text="4").click()
    page.fill("#id_needs-0-text", "新增一台2000kVA变压器")
    # pick lists name a person "user name · name · district" (staff.selectors.person_pick_label)
    owner = page.locator("#id_needs-0-owner option", has_text="王工程师")
    expect(owner).to_have_count(1)
    expect(owner).to_contain_text("tech")
    page.select_option("#id_needs-0-owner", value=owner.get_attribute("value"))
    page.fill("#id_needs-0-due_on", "2026-11-30")
    page.set_input_files("#id_attachments", str(photo))
    # One-handed: the form fits the screen's width, the save button sits within thumb reach.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "visit-form-phone.png"), full_page=True)
    page.locator("[data-testid=save-visit]").click()

    expect(page.locator("[data-testid=visit-date]")).to_contain_text("2026-11-10")
    expect(page.locator("[data-testid=attendees]")).to_have_text("周厂长")
    expect(page.locator("[data-testid=satisfaction]")).to_contain_text("4")
    expect(page.locator("[data-testid=followups]")).to_contain_text("新增一台2000kVA变压器")
    expect(page.locator("[data-testid=attachments] img")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.wait_for_load_state("networkidle")  # the photo has loaded: no request is left for the live server
    context.close()

    saved = Visit.objects.get()
    assert (saved.visited_on, saved.satisfaction, saved.staff_id) == (dt.date(2026, 11, 10), 4, manager.pk)
    assert FollowUp.objects.get().owner.get_username() == "tech"
