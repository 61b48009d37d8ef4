"""The map of key accounts (issue 19): the list's filters in the user's scope, outlines drawn from the
whole base's coordinates without placing any account, a bounded payload that says when it is sampled."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import numpy as np
import pytest
from django.core.cache import cache
from django.test import Client

from factories import AccountFactory, Team, build_team
from powerkam.accounts import maps
from powerkam.accounts.models import Account, KeyStatus
from powerkam.accounts.selectors import AccountFilters
from powerkam.analytics import geo

pytestmark = pytest.mark.django_db

PLACES = {  # (latitude, longitude)
    "E100": ("32.061200", "118.778300"),
    "E101": ("32.041500", "118.721900"),
    "E200": ("32.083300", "118.802200"),
    "E300": ("32.030100", "118.700400"),
}


@pytest.fixture
def team() -> Team:
    cache.clear()
    team = build_team()
    for customer_id, (lat, lon) in PLACES.items():
        Account.objects.filter(customer_id=customer_id).update(latitude=Decimal(lat), longitude=Decimal(lon))
    return team


def _ids(found: maps.AccountMap) -> list[str]:
    return [p.customer_id for p in found.points]


def test_the_map_keeps_the_users_scope_and_the_filters(team: Team) -> None:
    key = AccountFilters(key_status=KeyStatus.KEY)
    assert _ids(maps.account_map(user=team.supervisor.user, filters=key)) == ["E100", "E101", "E200"]
    assert _ids(maps.account_map(user=team.manager.user, filters=key)) == ["E100", "E101"]  # m01's own
    assert _ids(maps.account_map(user=team.supervisor.user, filters=AccountFilters(district="西城区"))) == [
        "E101",
        "E300",
    ]
    assert _ids(maps.account_map(user=team.supervisor.user, filters=AccountFilters(grade="C"))) == ["E200"]
    assert _ids(maps.account_map(user=team.supervisor.user, filters=AccountFilters(manager="m02"))) == [
        "E100",
        "E200",
    ]
    found = maps.account_map(user=team.supervisor.user, filters=key)
    by_district = {d.district: d.by_grade for d in found.districts}
    assert by_district == {"东城区": {"A": 1, "B": 0, "C": 1, "": 0}, "西城区": {"A": 0, "B": 1, "C": 0, "": 0}}
    point = found.points[0]
    assert (point.longitude, point.latitude) == (118.7783, 32.0612)


def test_beyond_the_limit_an_even_sample_and_the_page_says_so(team: Team) -> None:
    for i in range(20):
        AccountFactory(
            customer_id=f"K{i:03d}", key_status=KeyStatus.KEY, latitude=Decimal("32.05"), longitude=Decimal("118.75")
        )
    AccountFactory(customer_id="K999", key_status=KeyStatus.KEY)  # no coordinates
    found = maps.account_map(user=team.supervisor.user, filters=AccountFilters(key_status=KeyStatus.KEY), limit=5)
    assert (found.matching, found.located, len(found.points), found.unlocated) == (24, 23, 5, 1)
    assert found.sampled
    ids = _ids(found)
    assert ids[0] == "E100"
    assert ids[-1] == "K019"  # spread over the whole range, not the first five
    assert sum(d.total for d in found.districts) == 24  # the counts cover every account, not the sample


def test_outlines_come_from_the_whole_base_rounded_so_no_corner_is_an_account(team: Team) -> None:
    outlines = maps.district_outlines()
    assert sorted(outlines) == ["东城区", "西城区"]
    corners = {tuple(np.round(c, 6)) for ring in outlines.values() for c in ring}
    places = {(float(lon), float(lat)) for lat, lon in PLACES.values()}
    assert not corners & places
    for customer_id, (lat, lon) in PLACES.items():  # every account is inside its district's outline
        district = Account.objects.get(customer_id=customer_id).district
        assert geo.contains(outlines[district], (float(lon), float(lat))), customer_id
    assert list(maps.district_outlines(districts=["西城区"])) == ["西城区"]


def _option(html: str, script_id: str) -> dict:
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, script_id
    return json.loads(found.group(1))


def test_the_map_page_draws_grades_as_series_and_links_points_to_the_360_page(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    html = client.get("/accounts/map/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    option = _option(html, "map-accounts-data")
    assert option["powerkamDetailUrl"] == "/accounts/{id}/"
    assert [s["name"] for s in option["series"]] == ["Grade A", "Grade B"]
    assert option["series"][0]["data"] == [{"name": "示范钢铁有限公司", "cid": "E100", "value": [118.7783, 32.0612]}]
    assert "E200" not in json.dumps(option, ensure_ascii=False)  # the other manager's account
    features = option["powerkamGeoJson"]["features"]
    assert {f["properties"]["name"] for f in features} == {"东城区", "西城区"}
    assert option["geo"]["map"] == option["powerkamMap"]
    assert "vendor/echarts/echarts.min.js" in html
    assert "web/map.js" in html
    assert 'data-testid="map-sampled"' not in html
    table = html[html.index('data-testid="map-districts"') :]
    assert re.search(r'data-district="东城区">.*?<strong>1</strong>', table, re.S)
    assert 'href="/accounts/?key_status=key"' in html  # "the same accounts as a list"


def test_the_map_page_in_chinese_with_filters_and_an_empty_result(client: Client, team: Team) -> None:
    client.force_login(team.supervisor.user)
    html = client.get("/accounts/map/?grade=C&key_status=").content.decode()
    assert "大客户分布图" in html
    option = _option(html, "map-accounts-data")
    assert [s["name"] for s in option["series"]] == ["C 级"]
    empty = client.get("/accounts/map/?district=西城区&grade=A").content.decode()
    assert "map-accounts-data" not in empty
    assert 'data-testid="map-empty"' in empty


def test_the_map_says_when_it_shows_a_sample(client: Client, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maps, "MAP_POINT_LIMIT", 2)
    monkeypatch.setattr(maps.account_map, "__kwdefaults__", {"limit": 2})
    client.force_login(team.supervisor.user)
    html = client.get("/accounts/map/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Showing 2 of 3 accounts" in html
    assert sum(len(s["data"]) for s in _option(html, "map-accounts-data")["series"]) == 2
