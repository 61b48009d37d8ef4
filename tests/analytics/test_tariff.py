"""docs/rules.md §5 tariff advice: two-part tariff mode and contract demand, time-of-use shifting, power factor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from factories import write_dataset
from powerkam.analytics import tariff
from powerkam.analytics.tariff import MonthBill, TariffRules, TariffRulesError, Terms

BIG = Terms("C1", "large_industrial", 10.0, 2000.0, "capacity")


def months(n: int, **values: float | None) -> list[MonthBill]:
    defaults: dict[str, float | None] = {"kwh": 100_000.0, "amount_yuan": 70_000.0}
    defaults.update(values)
    return [MonthBill(period=f"2026-{m + 1:02d}", **defaults) for m in range(n)]  # type: ignore[arg-type]


def weekdays(day: dt.date) -> bool:
    return day.weekday() < 5


# --- billed demand and contract demand ----------------------------------------------------------


@pytest.mark.parametrize(
    ("max_demand", "base", "billed"),
    [
        (900.0, "tolerance", 1000.0),  # below the contract: the contract is billed
        (1040.0, "tolerance", 1000.0),  # within 105 %: still the contract
        (1050.0, "tolerance", 1000.0),  # exactly 105 %: still the contract
        (1100.0, "tolerance", 1150.0),  # 1,100 + the 50 above 1,050 once more
        (1100.0, "contract", 1200.0),  # a province counting the excess above the contract
    ],
)
def test_billed_demand(max_demand: float, base: str, billed: float) -> None:
    rules = TariffRules(excess_base=base)
    assert tariff.billed_demand_kw(1000.0, max_demand, rules) == pytest.approx(billed)


def test_best_contract_demand_sits_where_the_tolerance_just_covers_a_steady_demand() -> None:
    # 953 × 1.05 = 1,000.65 covers 1,000 kW; 952 × 1.05 = 999.6 does not.
    assert tariff.best_contract_demand(2000.0, [1000.0] * 12) == 953


def test_a_single_spike_is_cheaper_to_pay_double_than_to_contract_for() -> None:
    demands = [800.0] * 11 + [1500.0]
    # At the 40 % floor (800 kW): 11 × 800 + (1,500 + 660) = 10,960 kW-months; at 1,429 kW: 17,148.
    assert tariff.best_contract_demand(2000.0, demands) == 800
    assert tariff.demand_cost(800, demands) == pytest.approx(38.4 * 10_960)


def test_contract_demand_never_below_the_minimum_share_nor_above_capacity() -> None:
    assert tariff.best_contract_demand(2000.0, [100.0] * 12) == 800
    assert tariff.best_contract_demand(1000.0, [1900.0] * 12) == 1000


# --- basic charge advice ------------------------------------------------------------------------


def test_capacity_customer_with_a_steady_half_load_should_switch_to_demand() -> None:
    advice = tariff.basic_charge_advice(BIG, months(12, max_demand_kw=1000.0))
    assert advice is not None
    assert advice.capacity_cost_yuan == pytest.approx(28.0 * 2000 * 12)  # 672,000
    assert advice.contract_demand_kw == 953
    assert advice.demand_cost_yuan == pytest.approx(38.4 * 953 * 12)  # 439,142.40
    assert advice.advised_mode == "demand"
    assert advice.saving_yuan == pytest.approx(672_000 - 439_142.40)
    assert advice.annual_saving_yuan == advice.saving_yuan


def test_fully_loaded_transformer_is_cheaper_by_capacity() -> None:
    terms = Terms("C2", "large_industrial", 10.0, 1000.0, "demand")
    advice = tariff.basic_charge_advice(terms, months(12, max_demand_kw=980.0))
    assert advice is not None
    assert advice.advised_mode == "capacity"  # 28 × 1,000 < 38.4 × 934
    # The current demand mode is billed on each month's maximum demand (980 kW).
    assert advice.current_cost_yuan == pytest.approx(38.4 * 980 * 12)
    assert advice.saving_yuan == pytest.approx(38.4 * 980 * 12 - 28.0 * 1000 * 12)


def test_fewer_months_scale_to_a_year() -> None:
    advice = tariff.basic_charge_advice(BIG, months(6, max_demand_kw=1000.0))
    assert advice is not None
    assert advice.months == 6
    assert advice.annual_saving_yuan == pytest.approx(advice.saving_yuan * 2)


@pytest.mark.parametrize(
    ("terms", "bills"),
    [
        (Terms("S", "large_industrial", 10.0, 250.0, "capacity"), months(12, max_demand_kw=100.0)),  # < 315 kVA
        (Terms("G", "general_commercial", 10.0, 2000.0, ""), months(12, max_demand_kw=1000.0)),
        (BIG, months(2, max_demand_kw=1000.0)),  # too few months with a maximum demand
        (BIG, months(12)),  # no maximum demand on the bills
    ],
)
def test_no_basic_charge_advice_where_it_does_not_apply(terms: Terms, bills: list[MonthBill]) -> None:
    assert tariff.basic_charge_advice(terms, bills) is None


def test_apply_by_dates_count_working_days_back_from_the_effective_date() -> None:
    today = dt.date(2026, 11, 27)  # a Friday
    # Next quarter starts Fri 2027-01-01; its 15th working day before (Mon–Fri here) is Fri 2026-12-11.
    assert tariff.next_effective(today, months_step=3, notice_workdays=15, is_workday=weekdays) == (
        dt.date(2027, 1, 1),
        dt.date(2026, 12, 11),
    )
    # 1 December's 5th working day before is Tue 24 November, already past: 1 January, by Fri 25 December.
    assert tariff.next_effective(today, months_step=1, notice_workdays=5, is_workday=weekdays) == (
        dt.date(2027, 1, 1),
        dt.date(2026, 12, 25),
    )
    advice = tariff.basic_charge_advice(BIG, months(12, max_demand_kw=1000.0), today=today, is_workday=weekdays)
    assert advice is not None
    assert (advice.mode_effective, advice.mode_apply_by) == (dt.date(2027, 1, 1), dt.date(2026, 12, 11))


def test_apply_by_on_the_deadline_day_itself_is_still_in_time() -> None:
    today = dt.date(2026, 11, 24)
    assert tariff.next_effective(today, months_step=1, notice_workdays=5, is_workday=weekdays) == (
        dt.date(2026, 12, 1),
        dt.date(2026, 11, 24),
    )


# --- time of use --------------------------------------------------------------------------------


def test_tou_saving_of_moving_a_tenth_of_peak_energy_to_the_valley() -> None:
    bills = months(12, kwh=250_000.0, kwh_peak=100_000.0, kwh_flat=100_000.0, kwh_valley=50_000.0, kwh_critical=0.0)
    advice = tariff.tou_advice(BIG, bills)
    assert advice is not None
    assert advice.flat_price == 0.6215  # large industrial, 10 kV
    assert advice.peak_share == pytest.approx(0.4)
    # 10 % of 1,200,000 peak kWh × (1.6 − 0.4) × 0.6215 yuan
    assert advice.annual_saving_yuan == pytest.approx(89_496.0)


def test_critical_peak_energy_saves_more_per_kwh() -> None:
    bills = months(12, kwh=100_000.0, kwh_peak=0.0, kwh_flat=90_000.0, kwh_valley=0.0, kwh_critical=10_000.0)
    advice = tariff.tou_advice(BIG, bills)
    assert advice is not None
    assert advice.annual_saving_yuan == pytest.approx(0.1 * 120_000 * (1.92 - 0.4) * 0.6215)


def test_no_tou_advice_without_a_split_or_a_price() -> None:
    assert tariff.tou_advice(BIG, months(12)) is None
    odd = Terms("X", "street_lighting", 0.4, 100.0)
    assert tariff.tou_advice(odd, months(12, kwh_peak=1.0, kwh_valley=1.0)) is None


def test_flat_price_takes_the_highest_voltage_step_not_above_the_customers() -> None:
    rules = TariffRules()
    assert rules.flat_price("large_industrial", 35.0) == 0.6015
    assert rules.flat_price("large_industrial", 66.0) == 0.6015
    assert rules.flat_price("large_industrial", 0.4) is None


# --- power factor -------------------------------------------------------------------------------


def test_power_factor_surcharge_and_what_compensation_to_095_saves() -> None:
    # PF 0.85 against 0.90 → +2.5 % (docs/rules.md example); a 100,000-yuan bill becomes 102,500.
    bills = months(12, kwh=100_000.0, kvarh=61_975.0, amount_yuan=102_500.0)
    advice = tariff.power_factor_advice(BIG, bills)
    assert advice is not None
    assert advice.standard == Decimal("0.90")
    assert advice.lowest == Decimal("0.85")
    assert advice.adjustment_yuan == pytest.approx(12 * 2_500.0)
    # At 0.95 the bill would earn the 0.75 % rebate: 3.25 % of 100,000 a month.
    assert advice.annual_saving_yuan == pytest.approx(12 * 3_250.0)


def test_power_factor_already_at_target_saves_nothing_more() -> None:
    bills = months(12, kwh=100_000.0, kvarh=20_000.0, amount_yuan=99_250.0)  # PF 0.98
    advice = tariff.power_factor_advice(BIG, bills)
    assert advice is not None
    assert advice.adjustment_yuan == pytest.approx(-12 * 750.0)
    assert advice.annual_saving_yuan == 0


def test_no_power_factor_advice_without_reactive_energy_or_a_standard() -> None:
    assert tariff.power_factor_advice(BIG, months(12)) is None
    home = Terms("R", "residential", 0.22, 10.0)
    assert tariff.power_factor_advice(home, months(12, kvarh=10.0)) is None


# --- together -----------------------------------------------------------------------------------


def test_advice_lists_what_is_worth_saying_largest_first() -> None:
    bills = months(
        12,
        kwh=250_000.0,
        kwh_peak=100_000.0,
        kwh_flat=100_000.0,
        kwh_valley=50_000.0,
        kwh_critical=0.0,
        kvarh=80_000.0,  # PF 0.95: no saving left
        max_demand_kw=1000.0,
    )
    advice = tariff.advise(BIG, bills, period="2026-12")
    assert [kind for kind, _ in advice.items] == ["basic_charge", "time_of_use"]
    assert advice.annual_saving_yuan == pytest.approx(232_857.60 + 89_496.0)


def test_savings_under_the_threshold_are_not_advice() -> None:
    bills = months(12, kwh=250_000.0, kwh_peak=100.0, kwh_flat=249_800.0, kwh_valley=100.0, kwh_critical=0.0)
    assert tariff.advise(BIG, bills, period="2026-12").items == []


def test_read_bills_takes_the_twelve_months_ending_with_the_period(tmp_path: Path) -> None:
    rows = [
        {
            "customer_id": cid,
            "period": f"{y}-{m:02d}",
            "kwh": 1.0,
            "amount_yuan": Decimal("1.00"),
            "due_date": dt.date(y, m, 28),
            "max_demand_kw": float(m),
        }
        for cid in ("A", "B")
        for y in (2025, 2026)
        for m in range(1, 13)
    ]
    write_dataset(tmp_path, "billing", rows)
    bills = tariff.read_bills(tmp_path, ["A", "Z"], period="2026-03")
    assert list(bills) == ["A"]
    assert [b.period for b in bills["A"]] == [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
    assert tariff.latest_period(tmp_path) == "2026-12"
    assert tariff.read_bills(tmp_path / "empty", ["A"], period="2026-03") == {}


# --- rules file ---------------------------------------------------------------------------------


def test_rules_from_toml_override_prices_and_ratios() -> None:
    rules = TariffRules.from_toml(
        """
        capacity_yuan_per_kva = 25
        excess_base = "contract"
        [tou_ratio]
        peak = 1.7
        [energy_price.large_industrial]
        "10" = 0.60
        """
    )
    assert rules.capacity_yuan_per_kva == 25.0
    assert rules.excess_base == "contract"
    assert rules.tou_ratio["peak"] == 1.7
    assert rules.tou_ratio["valley"] == 0.4
    assert rules.flat_price("large_industrial", 10.0) == 0.60


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("capacity_price = 25", "unknown key(s): capacity_price"),
        ('demand_yuan_per_kw = "cheap"', "demand_yuan_per_kw must be a number"),
        ('excess_base = "double"', 'excess_base must be "tolerance" or "contract"'),
        ("min_demand_share = 1.5", "min_demand_share must be above 0 and at most 1"),
        ("mode_notice_workdays = 1.5", "mode_notice_workdays must be a whole number"),
        ("capacity_yuan_per_kva = ", "not valid TOML"),
    ],
)
def test_bad_rules_are_refused_with_the_key_named(text: str, message: str) -> None:
    with pytest.raises(TariffRulesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TariffRules.from_toml(text)
