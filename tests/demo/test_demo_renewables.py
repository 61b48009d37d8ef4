"""The demo province's renewable key accounts: PV factories, a wind-powered park, green-buying data centres."""

from __future__ import annotations

import collections
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from powerkam.analytics.renewables import allowed_modes
from powerkam.demo.generator.renewables import demo_weights
from powerkam.renewables.models import PartyType, QuotaWeight
from powerkam.renewables.selectors import renewable_list
from tests.demo.conftest import TODAY, Demo, read_csv


def test_generation_is_pv_on_factory_roofs_and_a_wind_park_within_the_rules(small_demo: Demo) -> None:
    rows = read_csv(small_demo.path("generation"))
    customers = {c["customer_id"]: c for c in small_demo.customers}
    assert {r["technology"] for r in rows} == {"pv", "wind"}
    for r in rows:
        generated, own, exported = (float(r[k]) for k in ("generated_kwh", "self_consumed_kwh", "exported_kwh"))
        assert generated > 0, r
        assert own + exported == generated, r
        if r["mode"] == "self_use":
            assert exported == 0, r
        if r["technology"] == "pv":
            check = allowed_modes(float(customers[r["customer_id"]]["voltage_kv"]), float(r["installed_kw"]))
            assert check.allows(r["mode"]), r
    pv_at_10kv = {r["customer_id"] for r in rows if r["technology"] == "pv"} - {
        r["customer_id"] for r in rows if r["technology"] == "wind"
    }
    assert len(pv_at_10kv) >= 2
    assert all(customers[c]["voltage_kv"] == "10" for c in pv_at_10kv)
    wind = {r["customer_id"] for r in rows if r["technology"] == "wind"}
    assert len(wind) == 1
    assert float(customers[wind.pop()]["voltage_kv"]) >= 35

    by_plant: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for r in rows:
        if r["technology"] == "pv" and r["mode"] == "surplus":
            by_plant[r["customer_id"]].append(r)
    ratios = {
        c: sum(float(r["self_consumed_kwh"]) for r in rs) / sum(float(r["generated_kwh"]) for r in rs)
        for c, rs in by_plant.items()
    }
    assert min(ratios.values()) < 0.5 < max(ratios.values())  # one plant is flagged, most are not
    first_month = {c: min(r["period"] for r in rows if r["customer_id"] == c) for c in pv_at_10kv}
    assert max(first_month.values()) > small_demo.files.periods[0]  # a plant built during the window
    sizes: dict[str, set[float]] = collections.defaultdict(set)
    for r in rows:
        if r["technology"] == "pv":
            sizes[r["customer_id"]].add(float(r["installed_kw"]))
    assert any(len(s) == 2 for s in sizes.values())  # a plant extended during the window (generation grows)


def test_green_power_and_certificates_are_bought_by_data_centres(small_demo: Demo) -> None:
    rows = read_csv(small_demo.path("green"))
    customers = {c["customer_id"]: c for c in small_demo.customers}
    power = [r for r in rows if r["type"] == "power"]
    certificates = [r for r in rows if r["type"] == "certificate"]
    assert power
    assert certificates
    assert {customers[r["customer_id"]]["industry"] for r in power} == {"I"}  # data centres (information)
    assert all(float(r["kwh"]) > 0 and 0 < float(r["premium_yuan_per_kwh"]) < 0.1 for r in power)
    assert all(int(r["certificates"]) >= 1 and 1 <= float(r["certificate_price_yuan"]) <= 5 for r in certificates)
    first, last = small_demo.files.periods
    assert all(first <= r["traded_on"][:7] <= last for r in rows)
    assert len({r["record_id"] for r in rows}) == len(rows)


def test_demo_weights_rise_each_year() -> None:
    weights = demo_weights([2024, 2025, 2026])
    assert weights[0] == (2024, 0.175, 0.145)
    assert [w[1] for w in weights] == [0.175, 0.187, 0.199]
    assert all(non_hydro < total for _, total, non_hydro in weights)


@pytest.mark.django_db
def test_the_built_demo_fills_the_renewables_page(data_dir: Path) -> None:
    call_command(
        "demo", "build", "--customers", "300", "--months", "13", "--load-months", "1",
        "--today", TODAY.isoformat(), stdout=io.StringIO(),
    )  # fmt: skip

    assert QuotaWeight.objects.filter(province="示范省").count() == 2 * len(PartyType.values)  # 2025 and 2026
    listing = renewable_list(user=None)
    assert listing.year == 2026
    assert listing.rows
    assert not listing.warnings
    assert {r.status for r in listing.rows} <= {"short", "met"}
    assert any(r.figures.generated_kwh > 0 for r in listing.rows)
    assert any(r.figures.green_kwh > 0 or r.figures.certificates > 0 for r in listing.rows)
    history = QuotaWeight.history.count()
    call_command("demo", "build", "--customers", "300", "--months", "13", "--load-months", "1",
                 "--today", TODAY.isoformat(), stdout=io.StringIO())  # fmt: skip
    assert QuotaWeight.history.count() == history  # building again records no new weight versions
