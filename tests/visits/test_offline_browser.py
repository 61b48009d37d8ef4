"""Offline visit capture in a real phone-sized browser (390×844, issue 19): the pick list and the
form are kept by the service worker, a visit saved without a connection waits on the phone, is sent
when the connection comes back, and exactly one visit is recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def kept(page: Page, path: str) -> bool:
    """Whether the service worker's cache holds the page at ``path``."""
    return bool(
        page.evaluate(
            "async (p) => !!(await caches.match(new URL(p, location.href).href))",
            path,
        )
    )


def wait_until_kept(page: Page, path: str) -> None:
    for _ in range(100):
        if kept(page, path):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{path} was not kept for offline use")


@pytest.mark.parametrize("language", ["zh-CN", "en-US"])
def test_a_visit_saved_offline_is_sent_once_when_back_online(
    browser: Browser, live_server: Any, transactional_db: None, tmp_path: Path, language: str
) -> None:
    from factories import ContactFactory, StaffFactory
    from powerkam.staff.models import Role
    from powerkam.visits.models import Visit, VisitAttachment
    from tests.visits.helpers import key_account

    manager = StaffFactory(role=Role.MANAGER, user__username="phone", name="李经理").user
    account = key_account("K777", "C", key_since=dt.date(2026, 9, 30), manager=manager, name="示范水泥有限公司")
    key_account("K778", "B", key_since=dt.date(2026, 9, 30), manager=manager, name="示范玻璃有限公司")
    ContactFactory(account=account, name="周厂长", title="厂长")
    photo = tmp_path / "配电室.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    base = live_server.url
    chinese = language == "zh-CN"
    words = {
        "queued": "已保存在本机，将在联网后发送" if chinese else "Saved on this phone, will be sent",
        "sent": "已发送" if chinese else "Sent",
        "offline": "当前无网络" if chinese else "No connection",
    }

    context = browser.new_context(
        locale=language, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.goto(f"{base}/login/")
    page.fill("#id_username", "phone")
    page.fill("#id_password", "pw")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")

    # Online: the pick list registers the worker, which keeps the form of each of my accounts.
    page.goto(f"{base}/visits/new/")
    expect(page.locator("[data-testid=pick-list] a")).to_have_count(2)
    wait_until_kept(page, "/visits/new/?customer_id=K777")
    wait_until_kept(page, "/visits/new/?customer_id=K778")
    wait_until_kept(page, "/visits/new/")

    # No connection: the pick list and the form still open, from the phone.
    context.set_offline(True)
    page.reload()
    expect(page.locator("[data-offline-note]")).to_contain_text(words["offline"])
    page.locator("[data-testid=pick-list] a", has_text="示范水泥有限公司").click()
    expect(page.locator("[data-testid=visit-account]")).to_contain_text("示范水泥有限公司")
    page.fill("#id_visited_on", "2026-11-10")
    page.get_by_label("周厂长 · 厂长").check()
    page.fill("#id_topics", "二期生产线用电计划")
    page.locator(".stars label", has_text="4").click()
    page.set_input_files("#id_attachments", str(photo))
    page.locator("[data-testid=save-visit]").click()

    item = page.locator("[data-testid=outbox-item]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("示范水泥有限公司 · 2026-11-10")
    expect(item.locator("[data-testid=outbox-state]")).to_have_text(words["queued"])
    expect(page.locator("[data-testid=offline-saved]")).to_be_visible()
    assert page.locator("#id_topics").input_value() == ""  # the form is ready for the next visit
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"visit-offline-queued-{language}.png"), full_page=True)
    assert Visit.objects.count() == 0

    # Back online: the queued visit is sent, with its photo, and the page says so.
    context.set_offline(False)
    expect(item.locator("[data-testid=outbox-state]")).to_have_text(words["sent"], timeout=15_000)
    expect(page.locator("[data-testid=offline-saved]")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / f"visit-offline-sent-{language}.png"), full_page=True)
    visit = Visit.objects.get()
    assert (visit.account.customer_id, visit.visited_on, visit.satisfaction) == ("K777", dt.date(2026, 11, 10), 4)
    assert visit.topics == "二期生产线用电计划"
    assert [c.name for c in visit.attendees.all()] == ["周厂长"]
    assert VisitAttachment.objects.get(visit=visit).name == "配电室.png"
    assert visit.client_key is not None

    # Exactly once: the connection drops and comes back again, the page is opened again — still one.
    context.set_offline(True)
    context.set_offline(False)
    page.goto(f"{base}/visits/new/")
    expect(page.locator("[data-testid=outbox-state]")).to_have_text(words["sent"])
    page.wait_for_load_state("networkidle")
    assert Visit.objects.count() == 1

    # The sent visit opens from the list.
    page.locator("[data-testid=outbox-item] a").click()
    expect(page.locator("[data-testid=visit-date]")).to_contain_text("2026-11-10")
    assert page.evaluate("window.__csp") == []
    # Offline, the top bar's inbox count cannot load (htmx logs it); nothing else may fail.
    assert not [e for e in errors if "Failed to load resource" not in e and "htmx:" not in e], errors

    # Logging out forgets the pages kept for offline use (the customers' data).
    assert page.evaluate("caches.keys()") == ["powerkam-visits-v1"]
    page.locator("form[action$='/logout/'] button").click()
    page.wait_for_url(f"{base}/login/")
    # The login page's script clears them as it loads: wait for it rather than read at once.
    page.wait_for_function("async () => (await caches.keys()).length === 0")
    assert page.evaluate("caches.keys()") == []
    context.close()


def test_online_the_form_records_at_once_and_shows_the_errors_next_to_the_fields(
    browser: Browser, live_server: Any, transactional_db: None
) -> None:
    from factories import StaffFactory
    from powerkam.staff.models import Role
    from powerkam.visits.models import Visit
    from tests.visits.helpers import key_account

    manager = StaffFactory(role=Role.MANAGER, user__username="phone", name="李经理").user
    key_account("K777", "C", key_since=dt.date(2026, 9, 30), manager=manager, name="示范水泥有限公司")
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "phone")
    page.fill("#id_password", "pw")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/visits/new/?customer_id=K777")
    page.fill("#id_needs-0-text", "新增变压器")
    page.fill("#id_needs-0-due_on", "2026-11-30")  # a date without an owner: refused
    page.locator("[data-testid=save-visit]").click()
    expect(page.locator(".errorlist")).to_contain_text("跟进")
    assert Visit.objects.count() == 0
    page.fill("#id_needs-0-due_on", "")
    page.fill("#id_topics", "用电计划")
    page.locator("[data-testid=save-visit]").click()
    expect(page.locator("[data-testid=visit-date]")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("示范水泥有限公司")
    assert Visit.objects.count() == 1
    context.close()
