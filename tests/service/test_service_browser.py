"""A real browser: record a request → hand it over → the receiver accepts → close (zh-Hans UI)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

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


def test_create_transfer_accept_close(browser: Browser, live_server: Any, transactional_db: None) -> None:
    from factories import AccountFactory, AssignmentFactory, StaffFactory
    from powerkam.staff.models import Role

    sup = StaffFactory(role=Role.SUPERVISOR, user__username="sup")
    first = StaffFactory(role=Role.MANAGER, supervisor=sup, user__username="first", name="李经理")
    StaffFactory(role=Role.MANAGER, supervisor=sup, user__username="second", name="王经理")
    account = AccountFactory(customer_id="C777", name="示范化工有限公司")
    AssignmentFactory(account=account, staff=first.user)
    base = live_server.url

    page = log_in(browser, base, "first")
    page.goto(f"{base}/service/tickets/new/")
    page.select_option("#id_kind", "design_review")
    page.fill("#id_customer_id", "C777")
    page.fill("#id_title", "二期变电站设计审核")
    page.fill("#id_accepted_on", "2026-09-28")
    page.click("button[type=submit].btn-primary")
    expect(page.locator("[data-testid=due]")).to_have_text("2026-10-16")
    expect(page.locator("[data-testid=owner]")).to_have_text("李经理")

    # pick lists name a person "user name · name · district" (staff.selectors.person_pick_label)
    to_second = page.locator("[data-testid=transfer-form] select option", has_text="王经理")
    expect(to_second).to_have_count(1)
    expect(to_second).to_contain_text("second")
    page.locator("[data-testid=transfer-form] select").select_option(value=to_second.get_attribute("value"))
    page.locator("[data-testid=transfer-form] button").click()
    expect(page.locator("[data-testid=pending-transfer]")).to_be_visible()
    expect(page.locator("[data-testid=owner]")).to_have_text("李经理")  # still responsible until accepted
    ticket_url = page.url

    other = log_in(browser, base, "second")
    other.goto(f"{base}/service/")
    expect(other.locator("[data-testid=tickets]")).to_contain_text("二期变电站设计审核")
    other.goto(ticket_url)
    other.locator("[data-testid=accept-transfer]").click()
    expect(other.locator("[data-testid=owner]")).to_have_text("王经理")
    expect(other.locator("[data-testid=owners] li")).to_have_count(2)

    other.fill("[data-testid=close-form] input[name=on]", "2026-10-15")
    other.fill("[data-testid=close-form] textarea", "审核通过")
    other.locator("[data-testid=close-form] button").click()
    expect(other.locator("[data-testid=sla] [data-sla=met]")).to_be_visible()
    expect(other.locator("[data-testid=timeline] li")).to_have_count(4)
    assert User.objects.get(username="second").owned_tickets.get().status == "closed"
