"""The health list ranked by the churn model in a real browser (issue 16, docs/health.md "Ranking"):
the sentence above the list, the model's order, and the switch to the rule score kept in the URL.
Screenshots: test-artifacts/screenshots/{desktop,phone}-{zh,en}-64-health-model-ranking.png and
…-65-health-score-ranking.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from factories import Team, monthly_bills, paid_on_time, write_dataset
from powerkam.insights import health
from powerkam.insights.models import HealthSnapshot
from tests.browser.test_web_flow import VIEWPORTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VERSION = "churn-2026-12-01.1"
TEXT = {
    "zh": {
        "model": f"按模型流失概率排序（模型 {VERSION}）",
        "score": "按规则得分排序（已选择）",
        "switch": "按规则得分排序",
    },
    "en": {
        "model": f"Ranked by the model's probability of loss (model {VERSION})",
        "score": "Ranked by the rule score, as chosen",
        "switch": "Sort by rule score",
    },
}


@pytest.mark.parametrize(("viewport", "language"), [("desktop", "zh"), ("phone", "en")])
def test_the_list_ranks_by_the_model_and_by_the_rule_score_on_request(
    browser: Browser,
    live_server: Any,
    demo_team: Team,
    store_dir: Path,
    screenshots: Path,
    viewport: str,
    language: str,
) -> None:
    # E200 leaves its last three bills unpaid: the lowest rule score; the model puts E100 first
    e200 = monthly_bills("E200", last_period="2026-10", months=24)
    e101 = monthly_bills("E101", last_period="2026-10", months=24)
    e100 = monthly_bills("E100", last_period="2026-10", months=24, kwh=1_800_000.0)
    write_dataset(store_dir, "billing", e100 + e101 + e200)
    write_dataset(
        store_dir, "payments", paid_on_time(e100 + e101 + e200, except_={("E200", b["period"]) for b in e200[-3:]})
    )
    today = timezone.localdate()
    health.health_snapshot_take(today=today)
    for cid, p in (("E100", 0.61), ("E200", 0.18)):  # as a trained model would have scored them
        HealthSnapshot.objects.filter(account=demo_team.accounts[cid], taken_on=today).update(
            probability=p, model_version=VERSION
        )
    words = TEXT[language]
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, live_server.url, "zhangwei")
    if language == "en":
        page.evaluate("document.querySelector('.lang-switch button[data-lang=en]').click()")
        page.wait_for_load_state("load")
        expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto(f"{live_server.url}/insights/health/")
    expect(page.get_by_test_id("churn-in-use")).to_contain_text(words["model"])
    first = page.get_by_test_id("health-table").locator("tbody tr").first
    expect(first).to_contain_text("示范钢铁有限公司")  # E100, the model's highest probability
    expect(first.get_by_test_id("probability")).to_have_text("61.0%")
    page.screenshot(path=str(screenshots / f"{viewport}-{language}-64-health-model-ranking.png"), full_page=True)

    page.get_by_test_id("sort-score").click()
    page.wait_for_url("**/insights/health/?sort=score")
    expect(page.get_by_test_id("churn-in-use")).to_contain_text(words["score"])
    expect(page.get_by_test_id("health-table").locator("tbody tr").first).to_contain_text("示范化工有限公司")  # E200
    # filtering keeps the choice
    page.select_option("#f-grade", "")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/insights/health/?*sort=score*")
    page.screenshot(path=str(screenshots / f"{viewport}-{language}-65-health-score-ranking.png"), full_page=True)
    assert problems == []
    context.close()
