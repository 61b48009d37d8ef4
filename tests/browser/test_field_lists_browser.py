"""Issue 19 parts 1 and 6 in a real browser, at 390 px and on a desktop, in Chinese and English:
lists as cards on a phone, multi-select with bulk actions (all or nothing, refused rows named), the
visit calendar's agenda (the phone's default) and "+N more" on a crowded day, and the one-handed
pages (actions at the bottom of the screen, 44 px targets, no horizontal scroll)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from factories import AccountFactory, AssignmentFactory, Team
from powerkam.accounts.models import Assignment, AssignmentRole
from powerkam.service import services as ticket_services
from powerkam.service.models import Ticket, TicketKind, TicketStatus
from powerkam.visits.models import PlannedVisit, VisitPlan
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOCALES = [("zh-CN", "zh"), ("en-US", "en")]


def _page(browser: Browser, base: str, viewport: str, lang: str, username: str) -> Page:
    phone = viewport == "phone"
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", is_mobile=phone, has_touch=phone)
    page = context.new_page()
    log_in(page, base, username)
    if lang == "en":
        page.locator("[data-lang=en]").first.click()
        page.wait_for_load_state("networkidle")
    return page


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _in_thumb_reach(page: Page, selector: str) -> None:
    """The element sits at the bottom of the 844 px screen and its buttons are at least 44 px tall."""
    bar = page.locator(selector)
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] >= 844 - 2
    for button in bar.locator(".btn").all():
        b = button.bounding_box()
        assert b is not None
        assert b["height"] >= 44


@pytest.mark.parametrize(("locale", "lang"), LOCALES)
def test_tickets_as_cards_closed_in_bulk_on_a_phone(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path, locale: str, lang: str
) -> None:
    owner = demo_team.manager.user
    today = timezone.localdate()
    tickets = [
        ticket_services.ticket_create(kind=TicketKind.COMPLAINT, title=f"电压波动投诉{n}", by=owner, accepted_on=today)
        for n in (1, 2, 3)
    ]
    page = _page(browser, live_server.url, "phone", lang, "m01")
    page.goto(f"{live_server.url}/service/")
    cards = page.locator("[data-testid=tickets] tbody tr")
    expect(cards).to_have_count(3)
    expect(page.locator("[data-testid=tickets] thead")).to_have_css("position", "absolute")
    first = cards.first
    title, card = first.locator(".cell-title").bounding_box(), first.bounding_box()
    assert title is not None
    assert card is not None
    assert title["width"] > 0.8 * card["width"] - 32  # the title gets the card's width
    box = first.locator(".select-row").bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 44
    _no_sideways_scroll(page)

    count = page.locator("[data-bulk-count=ticket-bulk]")
    expect(count).to_have_text("未选择" if lang == "zh" else "None selected")
    close = page.locator("#ticket-bulk button[value=close]")
    expect(close).to_be_disabled()
    for pk in (tickets[0].pk, tickets[2].pk):
        page.locator(f"input[name=selected][value='{pk}']").check()
    expect(count).to_have_text("已选 2 项" if lang == "zh" else "2 selected")
    page.fill("#ticket-bulk input[name=resolution]", "已现场答复")
    bar = page.locator("#ticket-bulk").bounding_box()
    assert bar is not None
    assert bar["y"] + bar["height"] <= 844 + 1
    page.screenshot(path=str(screenshots / f"tickets-bulk-phone-{lang}.png"), full_page=False)
    close.click()
    expect(page.locator(".messages")).to_contain_text("已办结 2 张工单。" if lang == "zh" else "2 tickets closed.")
    statuses = {t.pk: Ticket.objects.get(pk=t.pk).status for t in tickets}
    assert statuses == {
        tickets[0].pk: TicketStatus.CLOSED,
        tickets[1].pk: TicketStatus.OPEN,
        tickets[2].pk: TicketStatus.CLOSED,
    }

    # Open the remaining ticket: its updates are at the bottom of the screen, a thumb away.
    page.goto(f"{live_server.url}/service/tickets/{tickets[1].pk}/")
    _in_thumb_reach(page, "[data-testid=ticket-actions]")
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"ticket-thumb-phone-{lang}.png"), full_page=False)
    page.locator("[data-testid=ticket-actions] a[href='#ticket-close']").click()
    expect(page.locator("[data-testid=close-form] button[type=submit]")).to_be_in_viewport()
    page.context.close()


@pytest.mark.parametrize(("locale", "lang"), LOCALES)
def test_reassigning_accounts_in_bulk_is_all_or_nothing_on_a_desktop(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path, locale: str, lang: str
) -> None:
    page = _page(browser, live_server.url, "desktop", lang, "zhangwei")
    page.goto(f"{live_server.url}/accounts/")
    expect(page.locator("table.accounts thead th").first).to_be_visible()  # the table on a desktop
    expect(page.locator("[data-testid=card-log-visit]").first).to_be_hidden()
    for customer_id in ("E101", "E200"):
        page.locator(f"input[name=selected][value={customer_id}]").check()
    page.select_option("select[name=to_user][form=account-bulk]", "m02")
    page.locator("button[value=reassign][form=account-bulk]").click()
    messages = page.locator(".messages")
    expected = (
        "所选 2 行中有 1 行被拒绝，因此全部未作更改。"
        if lang == "zh"
        else "1 of 2 selected rows was refused, so nothing was changed."
    )
    expect(messages).to_contain_text(expected)
    expect(messages).to_contain_text("E200 示范化工有限公司: ")
    page.screenshot(path=str(screenshots / f"accounts-bulk-refused-desktop-{lang}.png"), full_page=False)
    primary = Assignment.objects.get(account__customer_id="E101", role=AssignmentRole.PRIMARY, active=True)
    assert primary.staff.username == "m01"  # nothing changed

    # "Select all" then the export of the selection: a workbook of exactly those rows.
    page.locator("[data-bulk-all=account-bulk]").check()
    expect(page.locator("input[name=selected][form=account-bulk]:checked")).to_have_count(4)
    with page.expect_download() as download:
        page.locator("button[value=export][form=account-bulk]").click()
    assert download.value.suggested_filename.startswith("powerkam-accounts-")
    page.context.close()


def _crowded_day(team: Team) -> dt.date:
    """Seven visits planned on one working day of this month, and one on another."""
    today = timezone.localdate()
    day = today.replace(day=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    plan = VisitPlan.objects.create(first_day=day, last_day=day + dt.timedelta(days=30), as_of=day)
    for n in range(7):
        account = AccountFactory(customer_id=f"E5{n:02d}", name=f"示范企业{n}", grade="B", key_status="key")
        AssignmentFactory(account=account, staff=team.manager.user, role=AssignmentRole.PRIMARY)
        PlannedVisit.objects.create(
            plan=plan, account=account, manager=team.manager.user, planned_on=day, due_on=day, grade="B"
        )
    other = day + dt.timedelta(days=1)
    PlannedVisit.objects.create(
        plan=plan, account=team.accounts["E100"], manager=team.manager.user, planned_on=other, due_on=other, grade="A"
    )
    return day


@pytest.mark.parametrize(("locale", "lang"), LOCALES)
def test_the_visit_calendar_is_an_agenda_on_a_phone_and_a_month_on_a_desktop(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path, locale: str, lang: str
) -> None:
    day = _crowded_day(demo_team)
    page = _page(browser, live_server.url, "phone", lang, "zhangwei")
    page.goto(f"{live_server.url}/visits/?month={day:%Y-%m}")
    expect(page.locator("[data-testid=cal-month]")).to_be_hidden()
    agenda = page.locator("[data-testid=cal-agenda]")
    expect(agenda).to_be_visible()
    today_items = agenda.locator(f"#day-{day.isoformat()} .agenda-item")
    expect(today_items).to_have_count(7)
    name = today_items.first.locator(".agenda-name")
    expect(name).to_have_text("示范企业0")
    box = name.bounding_box()
    assert box is not None
    assert box["height"] < 40
    button = today_items.first.locator(".btn").first
    b = button.bounding_box()
    assert b is not None
    assert b["height"] >= 44
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"visits-agenda-phone-{lang}.png"), full_page=True)

    # On a desktop: the month grid, four chips on the crowded day, then "+3 more" opening the agenda there.
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.goto(f"{live_server.url}/visits/?month={day:%Y-%m}")
    expect(page.locator("[data-testid=cal-agenda]")).to_be_hidden()
    cell = page.locator(f"td[data-day='{day.isoformat()}']")
    expect(cell.locator("a.chip[data-planned]")).to_have_count(4)
    more = cell.locator("[data-testid=more-chips]")
    expect(more).to_have_text("另有 3 项" if lang == "zh" else "+3 more")
    page.screenshot(path=str(screenshots / f"visits-month-more-desktop-{lang}.png"), full_page=False)
    more.click()
    expect(page.locator(f"#day-{day.isoformat()}")).to_be_in_viewport()
    expect(page.locator("[data-testid=cal-month]")).to_be_hidden()
    page.context.close()


@pytest.mark.parametrize(("locale", "lang"), LOCALES)
def test_my_work_and_the_360_header_work_one_handed(
    browser: Browser, live_server: Any, demo_team: Team, screenshots: Path, locale: str, lang: str
) -> None:
    page = _page(browser, live_server.url, "phone", lang, "m01")
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    _in_thumb_reach(page, "[data-testid=home-actions]")
    expect(page.locator("[data-testid=home-actions] .btn-primary")).to_have_text(
        "登记走访" if lang == "zh" else "Log a visit"
    )
    expect(page.locator("[data-testid=home-accounts] thead")).to_have_css("position", "absolute")
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"my-work-phone-{lang}.png"), full_page=True)

    page.goto(f"{live_server.url}/accounts/E100/")
    _in_thumb_reach(page, "[data-testid=account-actions]")
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"account-360-thumb-phone-{lang}.png"), full_page=False)
    page.locator("[data-testid=account-actions] .btn-primary").click()
    expect(page.locator("[data-testid=visit-form]")).to_be_visible()
    save = page.locator("[data-testid=save-visit]")
    b = save.bounding_box()
    assert b is not None
    assert b["height"] >= 44
    _no_sideways_scroll(page)

    # On a desktop the header's actions stay in the header.
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.goto(f"{live_server.url}/accounts/E100/")
    actions = page.locator("[data-testid=account-actions]").bounding_box()
    assert actions is not None
    assert actions["y"] < 600
    page.context.close()
