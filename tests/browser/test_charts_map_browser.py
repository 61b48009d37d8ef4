"""Issue 19, "see at a glance", in a real browser on a desktop and a 390 px phone, in Chinese and in
English: the roster's charts, the tariff savings chart, the map of key accounts (a click opens the
360 page), the outage impact's map and the paged topology — all drawn from local assets only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from factories import Team, monthly_bills, write_dataset
from powerkam.accounts.models import Account
from powerkam.grading.models import AccountGrade, Baseline, Change, GradingRun, RunStatus
from powerkam.grid.models import Feeder, Substation
from tests.browser.test_csp_browser import RECORD_VIOLATIONS
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLACES = {
    "E100": (32.0612, 118.7783),
    "E101": (32.0415, 118.7219),
    "E200": (32.0833, 118.8022),
    "E300": (32.0301, 118.7004),
}
TEXT = {
    "zh": {
        "roster": "大客户名录",
        "mix": "等级构成",
        "tariff": "各类建议的节约金额",
        "map": "大客户分布图",
        "page2": "第 2 / 2 页",
    },
    "en": {
        "roster": "Key-account roster",
        "mix": "Grade mix",
        "tariff": "Savings by kind of advice",
        "map": "Map of key accounts",
        "page2": "Page 2 of 2",
    },
}


def _graded(accounts: dict[str, Account]) -> None:
    for period, joined, left in (("2026-08", 0, 0), ("2026-09", 1, 1), ("2026-10", 2, 0)):
        run = GradingRun.objects.create(
            period=period,
            as_of=dt.date(2026, int(period[-2:]), 28),
            rules_toml="",
            rules_sha256="0" * 64,
            status=RunStatus.SUCCEEDED,
            baseline=Baseline.NOTHING if period == "2026-08" else Baseline.PREVIOUS_PERIOD,
            finished_at=dt.datetime(2026, int(period[-2:]), 28, tzinfo=dt.UTC),
            key_accounts=3,
            joined=joined,
            left=left,
            grade_a=1,
            grade_b=1,
            grade_c=1,
            customers_evaluated=4,
        )
        for cid, grade in (("E100", "A"), ("E101", "B"), ("E200", "C")):
            AccountGrade.objects.create(
                run=run,
                account=accounts[cid],
                key_account=True,
                grade=grade,
                credit_score=90,
                annual_kwh=1000.0,
                annual_revenue_yuan=1000,
                active_months=12,
                late_payments=0,
                max_days_late=0,
                overdue_yuan=0,
                change=Change.SAME,
            )


@pytest.fixture
def glance(demo_team: Team, store_dir: Path) -> Team:
    accounts = demo_team.accounts
    for cid, (lat, lon) in PLACES.items():
        Account.objects.filter(customer_id=cid).update(latitude=Decimal(str(lat)), longitude=Decimal(str(lon)))
    Account.objects.filter(customer_id="E200").update(feeders="F001")
    Account.objects.filter(customer_id="E100").update(basic_charge_mode="capacity")
    _graded(accounts)
    # Tariff advice: E100 billed by capacity while drawing 9,000 kW, power factor 0.85.
    bills = monthly_bills("E100", last_period="2026-10", months=24, kwh=1_800_000.0)
    for bill in bills:
        bill["max_demand_kw"] = 9000.0
        bill["kvarh"] = 1_115_000.0
    write_dataset(store_dir, "billing", bills)
    # Two substations, 45 feeders: two pages of topology.
    s1 = Substation.objects.create(substation_id="S01", name="示范东变", district="东城区")
    s2 = Substation.objects.create(substation_id="S02", name="示范西变", district="西城区")
    for fid in ("F001", "F002"):
        Feeder.objects.create(feeder_id=fid, name=f"东变{fid}线", substation=s1, voltage_kv=Decimal("10"))
    for i in range(43):
        Feeder.objects.create(feeder_id=f"G{i:03d}", name=f"西变{i:02d}线", substation=s2, voltage_kv=Decimal("10"))
    return demo_team


def _no_overflow(page: Page, viewport: str) -> None:
    assert page.evaluate("window.__csp") == []  # no inline script: the policy is kept
    if viewport == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]


def _drawn(page: Page, selector: str) -> None:
    expect(page.locator(f"{selector} canvas").first).to_be_attached(timeout=10_000)
    box = page.locator(selector).bounding_box()
    assert box is not None
    assert box["width"] > 200
    assert box["height"] > 200


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_charts_map_and_topology_at_a_glance(
    browser: Browser, live_server: Any, glance: Team, screenshots: Path, viewport: str, language: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    base = live_server.url
    elsewhere: list[str] = []
    page.on("request", lambda request: elsewhere.append(request.url) if not request.url.startswith(base) else None)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    context.add_init_script(RECORD_VIOLATIONS)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"glance-{viewport}-{language}-{name}.png"), full_page=True)

    text = TEXT[language]
    log_in(page, base, "zhangwei")
    if language == "en":
        page.locator("[data-lang=en]").first.click()
        page.wait_for_load_state("networkidle")

    # Grading: the grade mix and joined/left charts, their figures as tables.
    page.goto(f"{base}/grading/")
    expect(page.locator("h1")).to_have_text(text["roster"])
    expect(page.get_by_role("heading", name=text["mix"])).to_be_visible()
    _drawn(page, "#chart-grade-mix")
    _drawn(page, "#chart-joined-left")
    page.get_by_test_id("roster-charts").locator("details summary").first.click()
    expect(page.get_by_test_id("grade-mix-table").locator("tr[data-grade=A] td").nth(1)).to_have_text("1")
    _no_overflow(page, viewport)
    shot("01-grading")

    # Tariff: savings by kind, stacked by grade.
    page.goto(f"{base}/insights/tariff/")
    expect(page.get_by_role("heading", name=text["tariff"])).to_be_visible()
    _drawn(page, "#chart-savings")
    page.get_by_test_id("savings-by-kind").locator("details summary").click()
    expect(page.get_by_test_id("savings-table").locator("tr[data-kind=basic_charge]")).to_be_visible()
    _no_overflow(page, viewport)
    shot("02-tariff")

    # The map of key accounts: three grades, outlines from the data; a click opens the 360 page.
    page.goto(f"{base}/accounts/map/")
    expect(page.locator("h1")).to_have_text(text["map"])
    _drawn(page, "#map-accounts")
    series = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map-accounts')).getOption().series.map(s => s.data.length)"
    )
    assert series == [1, 1, 1]
    expect(page.get_by_test_id("map-districts").locator("tbody tr")).to_have_count(2)
    _no_overflow(page, viewport)
    shot("03-map")
    lat, lon = PLACES["E100"]
    x, y = page.evaluate(
        f"echarts.getInstanceByDom(document.getElementById('map-accounts')).convertToPixel({{geoIndex: 0}}, [{lon}, {lat}])"
    )
    box = page.locator("#map-accounts").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(f"{base}/accounts/E100/")

    # Filtered by grade, only the grade-C account remains.
    page.goto(f"{base}/accounts/map/?grade=C")
    _drawn(page, "#map-accounts")
    names = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map-accounts')).getOption().series.map(s => s.data.map(d => d.cid))"
    )
    assert names == [["E200"]]

    # The outage impact: E200 interrupted on F001, E100 riding through on F002.
    page.goto(f"{base}/grid/impact/?feeders=F001&start=2026-12-10T08:00&end=2026-12-10T12:00")
    _drawn(page, "#map-outage")
    ids = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map-outage')).getOption().series.map(s => s.data.map(d => d.cid))"
    )
    assert ids == [["E200"], ["E100"]]
    page.locator("#map-outage").scroll_into_view_if_needed()
    page.locator("#map-outage").screenshot(path=str(screenshots / f"glance-{viewport}-{language}-04-outage-map.png"))

    # The topology: 45 feeders in two pages grouped by substation; page numbers go to page 2.
    page.goto(f"{base}/grid/")
    expect(page.locator("tr[data-feeder]")).to_have_count(40)
    expect(page.locator("section[data-substation]")).to_have_count(2)
    _no_overflow(page, viewport)
    shot("05-topology")
    page.get_by_test_id("page-numbers").get_by_role("link", name="2", exact=True).click()
    expect(page.get_by_test_id("page-numbers")).to_contain_text(text["page2"])
    expect(page.locator("tr[data-feeder]")).to_have_count(5)
    page.get_by_test_id("topology-filters").locator("input[name=key]").check()
    page.get_by_test_id("topology-filters").locator("button[type=submit]").click()
    expect(page.locator("tr[data-feeder]")).to_have_count(2)  # F001 and F002 supply E100 / E200
    expect(page.get_by_test_id("page-numbers")).to_have_count(0)

    assert elsewhere == []  # no tile server, no CDN: nothing from another origin
    assert errors == []  # no script error on any page
    context.close()
