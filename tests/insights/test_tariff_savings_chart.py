"""The tariff advice page's chart (issue 19): savings a year by kind of advice, stacked by grade, with
the same figures as a table; in the user's scope and the page's filters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from factories import Team
from powerkam.insights import selectors

from .test_tariff_web import E100_BASIC, E200_PF


def _chart(html: str) -> dict:
    found = re.search(r'<script id="chart-savings-data" type="application/json">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


def test_savings_by_kind_split_by_grade(team: Team, billed: Path) -> None:
    found = selectors.tariff_opportunities(user=team.supervisor.user)
    kinds = {k.kind: k for k in found.by_kind_and_grade()}
    assert list(kinds) == ["basic_charge", "time_of_use", "power_factor"]
    assert kinds["basic_charge"].yuan_by_grade["A"] == pytest.approx(E100_BASIC)  # E100 is grade A
    assert kinds["power_factor"].yuan_by_grade == pytest.approx({"A": 0, "B": 0, "C": E200_PF, "": 0})  # E200: C
    assert kinds["power_factor"].accounts == 1
    # The split adds up to the page's totals by kind.
    assert [(k, n, pytest.approx(y)) for k, n, y in found.by_kind()] == [
        (k.kind, k.accounts, k.total_yuan) for k in kinds.values()
    ]
    mine = {k.kind: k for k in selectors.tariff_opportunities(user=team.manager.user).by_kind_and_grade()}
    assert mine["power_factor"].accounts == 0  # E200 is not the manager's


def test_the_page_draws_the_chart_in_the_pages_language_with_its_table(
    client: Client, team: Team, billed: Path
) -> None:
    client.force_login(team.supervisor.user)
    html = client.get("/insights/tariff/").content.decode()
    chart = _chart(html)
    assert chart["xAxis"]["data"] == ["基本电费计收方式", "峰谷用电调整", "功率因数"]
    assert chart["yAxis"][0]["name"] == "万元"
    grade_a = next(s for s in chart["series"] if s["name"] == "A 级")
    assert grade_a["data"][0] == pytest.approx(E100_BASIC / 10_000, abs=0.01)
    table = html[html.index('data-testid="savings-table"') :]
    assert "606.72 万元" in table  # E100's basic-charge saving in the A column
    assert "vendor/echarts/echarts.min.js" in html

    english = client.get("/insights/tariff/?kind=power_factor", HTTP_ACCEPT_LANGUAGE="en")
    chart = _chart(english.content.decode())
    assert chart["yAxis"][0]["name"] == "k¥"
    grade_c = next(s for s in chart["series"] if s["name"] == "Grade C")
    assert grade_c["data"] == [0, 0, pytest.approx(E200_PF / 1000, abs=0.01)]  # the filter keeps E200 only


def test_no_advice_no_chart(client: Client, team: Team, billed: Path) -> None:
    client.force_login(team.supervisor.user)
    html = client.get("/insights/tariff/?district=西城区").content.decode()
    assert "chart-savings-data" not in html
