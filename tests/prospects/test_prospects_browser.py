"""A real browser (zh-Hans UI): the government's list is imported, an approved project is refused to
move on without its "1+1" managers, gets them, holds capacity, applies (account and new-connection
case), is built and energised — and is a key account keeping its history."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from powerkam.accounts.models import Account, KeyStatus
from powerkam.imports.services import import_file
from powerkam.prospects.models import Project, Stage
from tests.conftest import SAMPLES, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(browser: Browser, base: str, username: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")
    return page


def move(page: Page, stage: str, **fields: str) -> None:
    form = page.locator("[data-testid=stage-form]")
    form.locator("select[name=to_stage]").select_option(stage)
    for name, value in fields.items():
        if name == "tariff":
            form.locator(f"select[name={name}]").select_option(value)
        else:
            form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()


def test_from_import_to_energised(browser: Browser, live_server: Any, transactional_db: None) -> None:
    from factories import StaffFactory
    from powerkam.staff.models import Role

    sup = StaffFactory(role=Role.SUPERVISOR, name="张主任", user__username="sup")
    business = StaffFactory(role=Role.MANAGER, supervisor=sup, name="李娜", user__username="li")
    technical = StaffFactory(role=Role.MANAGER, supervisor=sup, name="王强", user__username="wang")
    admin = StaffFactory(role=Role.ADMIN, name="数据管理员", user__username="dataadmin")  # only they import
    import_file(kind="feeders", path=SAMPLES / "feeders.csv", by=admin.user)
    import_file(kind="projects", path=SAMPLES / "projects.xlsx", by=admin.user)
    base = live_server.url

    page = log_in(browser, base, "sup")
    page.goto(f"{base}/prospects/")
    expect(page.locator("[data-testid=projects] tbody tr")).to_have_count(3)
    page.locator("[data-project=P2026-001] a").first.click()
    expect(page.locator("[data-testid=stage] [data-stage]")).to_have_attribute("data-stage", "approved")
    expect(page.locator("[data-testid=blocked]")).to_be_visible()

    # Refused without both managers.
    move(page, "applied", customer_id="C8800001")
    expect(page.locator(".message-error")).to_be_visible()
    assert Project.objects.get(project_id="P2026-001").stage == Stage.APPROVED

    managers = page.locator("[data-testid=managers-form]")
    managers.locator("select[name=primary]").select_option(str(business.user.pk))
    managers.locator("select[name=secondary]").select_option(str(technical.user.pk))
    managers.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=primary]")).to_have_text("李娜")
    expect(page.locator("[data-testid=secondary]")).to_have_text("王强")
    expect(page.locator("[data-testid=blocked]")).to_have_count(0)

    # Hold capacity early on F001 (12,000 kVA × 0.9 − 7,014 kW leaves 3,786 kW).
    reserve = page.locator("[data-testid=reservation-form]")
    reserve.locator("select[name=feeder]").select_option(label="F001 · F001线 · 示范S01变电站")
    reserve.locator("input[name=kva]").fill("4000")
    reserve.locator("input[name=valid_until]").fill("2027-06-30")
    reserve.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=reservations] tbody tr")).to_have_count(1)

    move(page, "applied", customer_id="C8800001", voltage_kv="110")
    expect(page.locator("[data-testid=stage] [data-stage]")).to_have_attribute("data-stage", "applied")
    expect(page.locator("[data-testid=account]")).to_contain_text("C8800001")
    expect(page.locator("[data-testid=case]")).to_be_visible()
    expect(page.locator("#case [data-sla]").first).to_be_visible()  # the green-channel clock of the first step

    move(page, "under_construction")
    expect(page.locator("[data-testid=stage] [data-stage]")).to_have_attribute("data-stage", "under_construction")
    move(page, "energised")
    expect(page.locator("[data-testid=stage] [data-stage]")).to_have_attribute("data-stage", "energised")
    expect(page.locator("[data-testid=stage-changes] li")).to_have_count(4)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "prospect-energised.png"), full_page=True)

    account = Account.objects.get(customer_id="C8800001")
    assert account.key_status == KeyStatus.KEY
    assert account.prospect_projects.get().project_id == "P2026-001"
    page.locator("[data-testid=account] a").click()
    expect(page.locator(".customer-id")).to_have_text("C8800001")

    page.goto(f"{base}/prospects/report/")
    expect(page.locator("[data-testid=report] tbody tr")).to_have_count(2)  # P2026-001 (energised this week), P2026-002
    page.screenshot(path=str(SCREENSHOTS / "prospects-weekly-report.png"), full_page=True)
    page.goto(f"{base}/prospects/funnel/")
    expect(page.locator("[data-chart=chart-funnel-data] canvas")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "prospects-funnel.png"), full_page=True)
