"""The last lists that were plain tables on a phone (issue 19, part 1): the visit follow-ups, the grading
runs and a run's changes, the key accounts in arrears. At 390 px each row is a card — the title across the card's width, the id
and the badge under it, the figures with their labels — and nothing scrolls sideways."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from factories import Team, write_dataset
from powerkam.grading.models import AccountGrade, Change, GradingRun
from powerkam.renewables import services as renewables
from powerkam.visits.models import FollowUp
from tests.browser.test_charts_map_browser import _graded
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEED = "客户希望在年底检修前核对两路电源的切换方案并安排一次现场联合演练"
TEXT = {
    "zh": {
        "key_accounts": "大客户",
        "credit": "信用分",
        "done": "已完成",
        "owed": "欠费",
        "obligation": "应消纳量",
        "manager": "客户经理",
    },
    "en": {
        "key_accounts": "Key accounts",
        "credit": "Credit score",
        "done": "Done",
        "owed": "Owed",
        "obligation": "Obligation",
        "manager": "Manager",
    },
}


@pytest.fixture
def lists(demo_team: Team, store_dir: Path) -> GradingRun:
    _graded(demo_team.accounts)
    # E100 with its own PV against a 2024 weight of Fujian (as tests/renewables): one row of quota figures.
    write_dataset(
        store_dir,
        "generation",
        [
            {"customer_id": "E100", "period": f"2024-{m:02d}", "technology": "pv", "installed_kw": 9_000.0,
             "mode": "self_use", "generated_kwh": 10_000_000 / 12, "self_consumed_kwh": 10_000_000 / 12,
             "exported_kwh": 0.0}
            for m in range(1, 13)
        ],
    )  # fmt: skip
    renewables.rules_set(rules_toml='province = "福建"')
    renewables.weight_set(province="福建", year=2024, party_type="market_user", total_weight="15.8%", source="发改能源")
    run = GradingRun.objects.get(period="2026-10")
    AccountGrade.objects.filter(run=run, account__customer_id="E100").update(change=Change.UP, previous_grade="B")
    AccountGrade.objects.filter(run=run, account__customer_id="E200").update(change=Change.JOINED)
    for n, cid in enumerate(("E100", "E101")):
        FollowUp.objects.create(
            account=demo_team.accounts[cid],
            need=NEED,
            owner=demo_team.supervisor.user,
            due_on=dt.date(2026, 12, 1 + n),
            created_by=demo_team.supervisor.user,
        )
    return run


def _label(cell: Locator) -> str:
    return str(cell.evaluate("el => getComputedStyle(el, '::before').content"))


def _is_card(page: Page, table: str) -> Locator:
    """The table's headers are for screen readers only and its first row is a card whose title spans it."""
    expect(page.locator(f"{table} thead")).to_have_css("position", "absolute")
    first = page.locator(f"{table} tbody tr").first
    expect(first).to_have_css("display", "grid")
    title, card = first.locator(".cell-title").bounding_box(), first.bounding_box()
    assert title is not None
    assert card is not None
    assert title["width"] > 0.8 * card["width"] - 32  # the name has the card's width, not a column's
    for hidden in first.locator(".hide-phone").all():
        expect(hidden).to_be_hidden()
    return first


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_followups_runs_changes_and_arrears_are_cards_on_a_phone(
    browser: Browser, live_server: Any, lists: GradingRun, screenshots: Path, lang: str
) -> None:
    text = TEXT[lang]
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_server.url
    log_in(page, base, "zhangwei")
    if lang == "en":
        page.locator("[data-lang=en]").click()
        page.wait_for_load_state("networkidle")

    # Follow-ups: the need is the card's title, the date and owner under it, "Done" full width.
    page.goto(f"{base}/visits/followups/?scope=all")
    items = page.locator("[data-testid=followup-cards] > li")
    expect(items).to_have_count(2)
    first = items.first
    expect(first).to_have_css("display", "grid")
    need, card, done = (
        first.locator(".followup-need").bounding_box(),
        first.bounding_box(),
        first.locator("[data-testid=close-followup]").bounding_box(),
    )
    assert need is not None
    assert card is not None
    assert done is not None
    assert need["width"] > 0.9 * card["width"]
    assert done["width"] > 0.9 * card["width"]
    assert done["height"] >= 44
    expect(first.locator("[data-testid=close-followup]")).to_have_text(text["done"])
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"cards-rest-{lang}-followups.png"), full_page=True)

    # The grading runs: period as the title, the run's number as its id, the key accounts labelled.
    page.goto(f"{base}/grading/runs/")
    first = _is_card(page, "[data-testid=runs-table]")
    expect(first.locator(".cell-title")).to_contain_text("2026-10")
    expect(first.locator(".cell-id")).to_have_text(f"#{lists.pk}")
    assert text["key_accounts"] in _label(first.locator(".cell-figure").first)
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"cards-rest-{lang}-runs.png"), full_page=True)

    # A run's changes: the account's name as the title, its id and the grade badges under it.
    page.goto(f"{base}/grading/runs/{lists.pk}/")
    first = _is_card(page, "[data-testid=changes-table]")
    expect(page.locator("[data-testid=changes-table] tbody tr")).to_have_count(2)
    expect(first.locator(".cell-title")).to_have_text("示范化工有限公司")  # joined sorts before up
    expect(first.locator(".cell-id")).to_have_text("E200")
    expect(first.locator(".cell-badge .badge")).to_be_visible()
    assert text["credit"] in _label(first.locator(".cell-figure").nth(1))
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"cards-rest-{lang}-run-changes.png"), full_page=True)

    # The key accounts in arrears: the account as the title, what is owed and how late as figures.
    page.goto(f"{base}/service/arrears/")
    first = _is_card(page, "[data-testid=arrears-table]")
    expect(first.locator(".cell-title")).to_contain_text("示范钢铁有限公司")
    assert text["owed"] in _label(first.locator(".cell-figure").first)
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"cards-rest-{lang}-arrears.png"), full_page=True)

    # Renewables: the account as the title, its obligation, shortfall and cost as figures.
    page.goto(f"{base}/renewables/?year=2024")
    first = _is_card(page, "[data-testid=renewables]")
    expect(first.locator(".cell-title")).to_contain_text("示范钢铁有限公司")
    expect(first.locator(".cell-figure")).to_have_count(3)
    assert text["obligation"] in _label(first.locator(".cell-figure").first)
    _no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / f"cards-rest-{lang}-renewables.png"), full_page=True)

    # Visit compliance's overdue accounts and the reassignment list: account, grade, manager.
    for url, table, shot in (
        ("/visits/compliance/", "[data-testid=overdue-table]", "overdue"),
        ("/visits/reassign/", "[data-testid=reassign-table]", "reassign"),
    ):
        page.goto(f"{base}{url}")
        first = _is_card(page, table)
        expect(first.locator(".cell-badge .badge")).to_be_visible()
        assert text["manager"] in _label(first.locator(".cell-figure").first)
        _no_sideways_scroll(page)
        page.screenshot(path=str(screenshots / f"cards-rest-{lang}-{shot}.png"), full_page=True)

    # On a desktop the same pages are tables with their headers.
    page.goto(f"{base}/grading/runs/{lists.pk}/")
    page.set_viewport_size(VIEWPORTS["desktop"])
    expect(page.locator("[data-testid=changes-table] thead th").first).to_be_visible()
    expect(page.locator("[data-testid=changes-table] tbody tr").first).to_have_css("display", "table-row")
    context.close()
