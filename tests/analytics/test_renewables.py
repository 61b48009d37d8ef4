"""The renewables engine (docs/rules.md §7): every worked example, the PV modes, tiers, rules, store reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from factories import write_dataset
from powerkam.analytics import renewables as engine


def test_rules_md_quota_example_fujian_2023() -> None:
    """Fujian 2023, market user 15.8 %: 100,000 MWh consumed, 10,000 MWh renewable → obligation
    15,800 MWh, shortfall 5,800 MWh = 5,800 certificates, at 2.31 yuan → 13,398 yuan."""
    q = engine.quota(weight=0.158, consumption_mwh=100_000, own_mwh=10_000, certificate_price_yuan=2.31)
    assert q.obligation_mwh == pytest.approx(15_800)
    assert q.fulfilled_mwh == pytest.approx(10_000)
    assert q.shortfall_mwh == pytest.approx(5_800)
    assert q.shortfall_certificates == 5_800
    assert q.shortfall_cost_yuan == pytest.approx(13_398)
    assert q.share == pytest.approx(0.10)
    assert not q.met


def test_fulfilment_counts_green_power_and_certificates_and_rounds_certificates_up() -> None:
    q = engine.quota(
        weight=0.158,
        consumption_mwh=100_000,
        own_mwh=10_000,
        green_mwh=3_000,
        certificates=2_799,
        certificate_price_yuan=2,
    )
    assert q.fulfilled_mwh == pytest.approx(15_799)
    assert q.shortfall_certificates == 1
    half = engine.quota(weight=0.158, consumption_mwh=100_000, own_mwh=15_799.5)
    assert half.shortfall_mwh == pytest.approx(0.5)
    assert half.shortfall_certificates == 1  # whole certificates, rounded up
    assert half.shortfall_cost_yuan is None  # no price known
    met = engine.quota(weight=0.158, consumption_mwh=100_000, own_mwh=20_000)
    assert met.met
    assert met.shortfall_mwh == 0
    assert met.shortfall_certificates == 0


def test_quota_refuses_a_weight_that_is_not_a_share() -> None:
    with pytest.raises(ValueError, match="share"):
        engine.quota(weight=15.8, consumption_mwh=1)


def test_forecast_scales_consumption_and_own_generation_not_purchases() -> None:
    q = engine.quota(weight=0.2, consumption_mwh=30_000, own_mwh=2_000, green_mwh=1_000, certificates=500)
    year = engine.forecast(q, months=3)
    assert year.consumption_mwh == pytest.approx(120_000)
    assert year.own_mwh == pytest.approx(8_000)
    assert year.green_mwh == pytest.approx(1_000)
    assert year.certificates == 500
    assert year.obligation_mwh == pytest.approx(24_000)
    assert year.shortfall_mwh == pytest.approx(24_000 - 9_500)
    assert engine.forecast(q, months=12) is q


def test_rules_md_green_premium_and_certificate_examples() -> None:
    """+0.03 … +0.05 yuan/kWh on 10 GWh → 300,000 … 500,000 yuan; 10,000 certificates at 2.31 → 23,100 yuan."""
    assert engine.green_premium_yuan(10_000_000, 0.03) == pytest.approx(300_000)
    assert engine.green_premium_yuan(10_000_000, 0.05) == pytest.approx(500_000)
    assert engine.certificates_cost_yuan(10_000, 2.31) == pytest.approx(23_100)


def test_rules_md_self_consumption_examples() -> None:
    """Generated 1,000 MWh: exported 400 → 60 %, compliant; exported 600 → 40 %, below the 50 % minimum."""
    good = engine.self_consumption(1_000_000, exported_kwh=400_000)
    assert good.ratio == pytest.approx(0.60)
    assert good.compliant is True
    bad = engine.self_consumption(1_000_000, exported_kwh=600_000)
    assert bad.ratio == pytest.approx(0.40)
    assert bad.compliant is False
    assert engine.self_consumption(1_000_000, self_consumed_kwh=500_000).compliant is True  # at the minimum
    assert engine.self_consumption(1_000_000, exported_kwh=400_000, minimum=0.7).compliant is False
    assert engine.self_consumption(0, self_consumed_kwh=0).ratio is None


@pytest.mark.parametrize(
    ("voltage", "kw", "spot", "allowed", "over"),
    [
        # general C&I (≤ 10 kV, ≤ 6 MW): self-use or surplus export, never full export
        (0.4, 300, False, ("self_use", "surplus"), False),
        (10, 6_000, False, ("self_use", "surplus"), False),
        (10, 6_500, False, ("self_use", "surplus"), True),
        # large C&I: 35 kV up to 20 MW, 110 kV up to 50 MW; self-use, surplus only with a spot market
        (35, 20_000, False, ("self_use",), False),
        (35, 20_000, True, ("self_use", "surplus"), False),
        (35, 25_000, False, ("self_use",), True),
        (110, 50_000, False, ("self_use",), False),
        (110, 50_001, False, ("self_use",), True),
        # above 110 kV a plant is not distributed PV
        (220, 1_000, False, (), True),
    ],
)
def test_rules_md_pv_connection_modes(
    voltage: float, kw: float, spot: bool, allowed: tuple[str, ...], over: bool
) -> None:
    check = engine.allowed_modes(voltage, kw, spot_market=spot)
    assert check.allowed == allowed
    assert check.over_limit is over
    assert not check.allows("full_export")
    if allowed and not over:
        assert check.allows("self_use")


def test_tiers_position_difference_and_next_band() -> None:
    tiers = (engine.Tier(0, 0.005), engine.Tier(10_000_000, 0.008), engine.Tier(50_000_000, 0.010))
    low = engine.tier_position(8_000_000, tiers)
    assert low.tier == 1
    assert low.difference_yuan == pytest.approx(40_000)
    assert low.kwh_to_next == pytest.approx(2_000_000)
    assert low.next_rate_yuan_per_kwh == 0.008
    assert low.gain_at_next_yuan == pytest.approx(80_000 - 40_000)
    top = engine.tier_position(60_000_000, tiers)
    assert top.tier == 3
    assert top.difference_yuan == pytest.approx(600_000)
    assert top.kwh_to_next is None
    assert top.gain_at_next_yuan is None
    assert engine.tier_position(10_000_000, tiers).tier == 2  # a band starts at its bound


def test_rules_from_toml_round_trip_and_refusals() -> None:
    rules = engine.RenewableRules.from_toml(
        'province = "福建"\nself_consumption_min = 0.6\nspot_market = true\n'
        "[[tiers]]\nfrom_kwh = 0\nrate = 0.01\n[[tiers]]\nfrom_kwh = 1e6\nrate = 0.02\n"
    )
    assert rules.province == "福建"
    assert rules.self_consumption_min == 0.6
    assert rules.spot_market
    assert rules.tiers == (engine.Tier(0, 0.01), engine.Tier(1e6, 0.02))
    assert engine.RenewableRules.from_toml(rules.to_toml()) == rules
    assert engine.RenewableRules.from_toml(engine.DEFAULT_RULES.to_toml()) == engine.DEFAULT_RULES
    for bad, words in [
        ("nonsense = 1", "unknown key"),
        ("self_consumption_min = 1.5", "self_consumption_min"),
        ('default_party_type = "grid"', "default_party_type"),
        ("[[tiers]]\nfrom_kwh = 5\nrate = 0.1", "start at 0"),
        ("spot_market = 1", "spot_market"),
        ("certificate_price_yuan = 'x'", "certificate_price_yuan"),
    ]:
        with pytest.raises(engine.RenewableRulesError, match=words):
            engine.RenewableRules.from_toml(bad)


def test_year_figures_from_the_store(tmp_path: Path) -> None:
    write_dataset(
        tmp_path,
        "billing",
        [{"customer_id": "R1", "period": f"2026-{m:02d}", "kwh": 1_000_000.0} for m in (1, 2, 3)]
        + [{"customer_id": "R1", "period": "2025-12", "kwh": 9e9}],
    )
    gen = [
        {"customer_id": "R1", "period": f"{y}-{m:02d}", "technology": "pv", "installed_kw": kw, "mode": "surplus",
         "generated_kwh": g, "self_consumed_kwh": g * 0.7, "exported_kwh": g * 0.3}
        for y, m, kw, g in [(2025, 1, 500, 40_000), (2025, 2, 500, 40_000), (2025, 5, 500, 99_999),
                            (2026, 1, 800, 50_000), (2026, 2, 800, 50_000)]
    ]  # fmt: skip
    gen.append(
        {"customer_id": "R1", "period": "2026-02", "technology": "wind", "installed_kw": 2_000, "mode": "full_export",
         "generated_kwh": 10_000, "self_consumed_kwh": 0, "exported_kwh": 10_000}
    )  # fmt: skip
    write_dataset(tmp_path, "generation", gen)
    write_dataset(
        tmp_path,
        "green",
        [
            {"record_id": "G1", "customer_id": "R1", "type": "power", "traded_on": dt.date(2026, 3, 1),
             "kwh": 200_000.0, "energy_price_yuan_per_kwh": 0.4, "premium_yuan_per_kwh": 0.03},
            {"record_id": "G2", "customer_id": "R1", "type": "certificate", "traded_on": dt.date(2026, 2, 1),
             "certificates": 100, "certificate_price_yuan": 2.0},
            {"record_id": "G3", "customer_id": "R2", "type": "certificate", "traded_on": dt.date(2026, 4, 1),
             "certificates": 10, "certificate_price_yuan": 2.31},
            {"record_id": "G4", "customer_id": "R2", "type": "certificate", "traded_on": dt.date(2025, 4, 1),
             "certificates": 10, "certificate_price_yuan": 5.0},
        ],
    )  # fmt: skip
    figures = engine.year_figures(tmp_path, 2026)
    r1 = figures["R1"]
    assert r1.consumption_kwh == 3_000_000
    assert r1.months == 3
    assert r1.generated_kwh == pytest.approx(110_000)
    assert r1.self_consumed_kwh == pytest.approx(70_000)
    assert r1.exported_kwh == pytest.approx(40_000)
    assert r1.installed_kw == 2_800
    assert r1.pv_kw == 800
    assert r1.pv_mode == "surplus"
    assert r1.technologies == ("pv", "wind")
    assert r1.green_kwh == 200_000
    assert r1.green_premium_yuan == pytest.approx(6_000)
    assert r1.certificates == 100
    assert r1.certificates_yuan == pytest.approx(200)
    # Same months a year earlier (January and February 2025, not May): growth of own generation.
    assert r1.generated_kwh_prior == pytest.approx(80_000)
    assert r1.generation_growth == pytest.approx(110_000 / 80_000 - 1)
    assert figures["R2"].certificates == 10
    assert figures["R2"].consumption_kwh == 0
    assert set(engine.year_figures(tmp_path, 2026, ["R2"])) == {"R2"}
    assert engine.latest_certificate_price(tmp_path) == 2.31
    assert engine.latest_certificate_price(tmp_path, dt.date(2026, 3, 31)) == 2.0
    months = engine.monthly_generation(tmp_path, "R1", months=2)
    assert [m.period for m in months] == ["2026-01", "2026-02"]
    assert months[1].generated_kwh == pytest.approx(60_000)


def test_year_figures_of_an_empty_store(tmp_path: Path) -> None:
    assert engine.year_figures(tmp_path, 2026) == {}
    assert engine.latest_certificate_price(tmp_path) is None
    assert engine.monthly_generation(tmp_path, "R1") == []


# --- headroom to grow, non-hydro, retention signal ------------------------------------------------


def _fujian_quota(weight: float = 0.158) -> engine.Quota:
    return engine.quota(weight=weight, consumption_mwh=100_000, own_mwh=10_000, certificate_price_yuan=2.31)


def test_growth_headroom_buy_or_build_within_the_feeder() -> None:
    # The Fujian account (110 kV, 9,000 kW PV) on a feeder with 3,000 kW and a substation with 20,000 kW free.
    g = engine.growth_headroom(
        _fujian_quota(),
        voltage_kv=110,
        pv_kw=9_000,
        annual_consumption_kwh=100_000_000,
        feeder_headroom_kw=3_000,
        substation_headroom_kw=20_000,
        rules=engine.DEFAULT_RULES,
    )
    assert (g.shortfall_certificates, g.certificates_yuan) == (5_800, 13_398.0)
    assert g.green_power_mwh == 5_800
    assert g.green_power_premium_yuan == pytest.approx(174_000)  # 5,800 MWh × 0.03 yuan/kWh
    assert g.limits_kw == {"distributed_pv": 41_000, "feeder": 3_000, "substation": 20_000,
                           "consumption": pytest.approx(90_909.09, abs=0.01)}  # fmt: skip
    assert g.pv_binding == "feeder"
    assert g.pv_kw == 3_000
    assert g.pv_mwh == pytest.approx(3_300)  # 1,100 kWh per kW a year
    assert g.pv_counted_mwh == pytest.approx(1_650)  # at the 50 % self-use minimum
    assert g.pv_certificates_yuan == pytest.approx(1_650 * 2.31)
    assert g.share_now == pytest.approx(0.10)
    assert g.share_with_pv == pytest.approx(0.1165)


def test_growth_headroom_limits_and_unknown_grid() -> None:
    rules = engine.RenewableRules.from_toml("pv_yield_kwh_per_kw = 1000\ngreen_premium_yuan_per_kwh = 0.05")
    # 10 kV factory with 5,800 kW already: 200 kW left under the 6 MW general C&I limit.
    g = engine.growth_headroom(
        _fujian_quota(), voltage_kv=10, pv_kw=5_800, annual_consumption_kwh=100_000_000,
        feeder_headroom_kw=5_000, substation_headroom_kw=-300, rules=rules,
    )  # fmt: skip
    assert g.pv_binding == "substation"  # an over-committed substation leaves nothing
    assert g.pv_kw == 0
    assert g.green_power_premium_yuan == pytest.approx(290_000)
    g = engine.growth_headroom(
        _fujian_quota(), voltage_kv=10, pv_kw=5_800, annual_consumption_kwh=100_000_000,
        feeder_headroom_kw=5_000, substation_headroom_kw=9_000, rules=rules,
    )  # fmt: skip
    assert (g.pv_binding, g.pv_kw, g.pv_mwh) == ("distributed_pv", 200, 200)
    g = engine.growth_headroom(
        _fujian_quota(), voltage_kv=10, pv_kw=0, annual_consumption_kwh=1_000_000,
        feeder_headroom_kw=5_000, substation_headroom_kw=9_000, rules=rules,
    )  # fmt: skip
    assert (g.pv_binding, g.pv_kw) == ("consumption", 1_000)  # no more PV than it consumes
    g = engine.growth_headroom(
        _fujian_quota(), voltage_kv=10, pv_kw=0, annual_consumption_kwh=1_000_000,
        feeder_headroom_kw=None, substation_headroom_kw=9_000, rules=rules,
    )  # fmt: skip
    assert (g.pv_kw, g.pv_binding, g.pv_mwh, g.share_with_pv) == (None, None, None, None)
    assert g.certificates_yuan == 13_398.0  # buying is known without grid data
    assert engine.pv_limit_kw(220) == 0


def test_non_hydro_weight_is_its_own_obligation() -> None:
    # Total 15.8 % met by 16,000 MWh; non-hydro 16.5 % is not: hydro would count only toward the total.
    total = engine.quota(weight=0.158, consumption_mwh=100_000, own_mwh=16_000)
    non_hydro = engine.quota(weight=0.165, consumption_mwh=100_000, own_mwh=16_000)
    assert total.met
    assert non_hydro.shortfall_certificates == 500


def test_rules_reject_a_bad_pv_yield() -> None:
    with pytest.raises(engine.RenewableRulesError, match="pv_yield_kwh_per_kw"):
        engine.RenewableRules.from_toml("pv_yield_kwh_per_kw = 0")
    rules = engine.RenewableRules(pv_yield_kwh_per_kw=1250.0, green_premium_yuan_per_kwh=0.04)
    assert engine.RenewableRules.from_toml(rules.to_toml()) == rules


def _figures(generated: float, prior: float | None, own: float, grid: float) -> engine.YearFigures:
    return engine.YearFigures(
        "E1", 2026, consumption_kwh=grid, generated_kwh=generated, self_consumed_kwh=own, generated_kwh_prior=prior
    )


def test_self_generation_signal() -> None:
    assert engine.self_generation_signal(_figures(1_000, None, 1_000, 10_000)) is None  # nothing to compare with
    assert engine.self_generation_signal(_figures(1_050, 1_000, 1_000, 10_000)) == 0  # +5 %: no risk
    # +60 % on a plant covering 1/11 of supply: (0.60 − 0.10) × (0.5 + 2.5 / 11)
    assert engine.self_generation_signal(_figures(1_600, 1_000, 1_000, 10_000)) == pytest.approx(
        0.5 * (0.5 + 2.5 / 11), abs=1e-4
    )
    # doubling a plant that covers 40 % of supply: the highest risk
    assert engine.self_generation_signal(_figures(2_000, 1_000, 4_000, 6_000)) == 1.0
    low = engine.self_generation_signal(_figures(2_000, 1_000, 100, 100_000))
    high = engine.self_generation_signal(_figures(2_000, 1_000, 30_000, 70_000))
    assert low is not None
    assert high is not None
    assert low < high
