"""The topology page (issue 19): filtered by substation, feeder and "with key accounts", grouped by
substation and paged with page numbers; and the map of an outage's interrupted accounts."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from powerkam.accounts.models import Account
from powerkam.grid.models import Feeder, Substation
from powerkam.outages import network as selectors
from powerkam.outages.views import grid as grid_views


@pytest.fixture
def many_feeders(small_grid: dict[str, Account]) -> dict[str, Account]:
    """S1 (F1–F3 of the small grid) and S2 with 45 feeders that supply nobody."""
    s2 = Substation.objects.create(substation_id="S2", name="示范二变", district="西城区")
    for i in range(45):
        Feeder.objects.create(feeder_id=f"G{i:02d}", name=f"二变{i:02d}线", substation=s2, voltage_kv=Decimal("10"))
    Feeder.objects.create(feeder_id="GX", name="已拆除线", substation=s2, voltage_kv=Decimal("10"), archived=True)
    return small_grid


def _feeders(**filters: object) -> list[str]:
    nodes = selectors.topology_feeders(visible=None, filters=selectors.TopologyFilters(**filters))  # type: ignore[arg-type]
    return [n.feeder.feeder_id for n in nodes]


def test_filters_by_substation_feeder_and_key_accounts(many_feeders: dict[str, Account]) -> None:
    assert len(_feeders()) == 48  # the archived feeder is left out
    assert _feeders(substation="S1") == ["F1", "F2", "F3"]
    assert _feeders(q="二变0") == [f"G0{i}" for i in range(10)]
    assert _feeders(q="f3") == ["F3"]  # by id, any case
    assert _feeders(with_key_accounts=True) == ["F1", "F2", "F3"]
    nodes = selectors.topology_feeders(visible={"KA"}, filters=selectors.TopologyFilters(with_key_accounts=True))
    assert [(n.feeder.feeder_id, [a.customer_id for a in n.accounts]) for n in nodes] == [("F1", ["KA"])]
    everyone = selectors.topology_feeders(visible=None, filters=selectors.TopologyFilters(all_accounts=True))
    assert [a.customer_id for a in everyone[0].accounts] == ["KA", "KB", "KC"]  # KC is a candidate


def test_the_page_groups_by_substation_and_pages_with_numbers(
    planner_client: Client, many_feeders: dict[str, Account]
) -> None:
    first = planner_client.get("/grid/").content.decode()
    assert first.count("<tr data-feeder=") == grid_views.TOPOLOGY_PAGE_SIZE
    assert first.index('data-substation="S1"') < first.index('data-substation="S2"')
    assert "Page 1 of 2" in first
    assert '<span class="current" aria-current="page">1</span>' in first
    assert '<a href="?page=2">2</a>' in first
    assert "48 feeders" in first
    second = planner_client.get("/grid/?page=2").content.decode()
    assert second.count("<tr data-feeder=") == 48 - grid_views.TOPOLOGY_PAGE_SIZE
    assert 'data-substation="S1"' not in second
    assert 'data-feeder="G44"' in second
    narrowed = planner_client.get("/grid/?substation=S1&key=1").content.decode()
    assert narrowed.count("<tr data-feeder=") == 3
    assert 'data-testid="page-numbers"' not in narrowed  # one page: no pager
    assert "乙医院" in narrowed
    assert "Dual supply" in narrowed
    kept = planner_client.get("/grid/?q=二变&page=2").content.decode()
    assert 'href="?q=%E4%BA%8C%E5%8F%98&amp;page=1"' in kept  # the page links keep the filters
    nothing = planner_client.get("/grid/?q=nope").content.decode()
    assert 'data-testid="topology-empty"' in nothing


def test_a_manager_sees_only_their_accounts_on_the_feeders(client: Client, manager: User, small_grid: dict) -> None:
    client.force_login(manager)
    page = client.get("/grid/?key=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "甲钢铁" in page  # KA is theirs
    assert "乙医院" not in page
    assert page.count("<tr data-feeder=") == 1


def _option(html: str) -> dict:
    found = re.search(r'<script id="map-outage-data" type="application/json">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_impact_shows_a_map_of_the_interrupted_accounts(
    planner_client: Client, small_grid: dict[str, Account]
) -> None:
    cache.clear()
    places = {"KA": ("32.06", "118.78"), "KB": ("32.04", "118.72"), "KD": ("31.90", "118.60")}
    for customer_id, (lat, lon) in places.items():
        Account.objects.filter(customer_id=customer_id).update(latitude=Decimal(lat), longitude=Decimal(lon))
    html = planner_client.get(
        "/grid/impact/", {"feeders": "F1", "start": "2026-12-10T08:00", "end": "2026-12-10T12:00"}
    ).content.decode()
    option = _option(html)
    series = {s["name"]: [d["cid"] for d in s["data"]] for s in option["series"]}
    # KA is interrupted (grade A); KB rides through on F2; KC (no coordinates) is said to be missing.
    assert series == {"Grade A": ["KA"], "Riding through (dual supply)": ["KB"]}
    assert [f["properties"]["name"] for f in option["powerkamGeoJson"]["features"]] == ["东城区"]  # KD's is not
    assert "1 account has no coordinates and is not on the map." in html
    assert "web/map.js" in html
