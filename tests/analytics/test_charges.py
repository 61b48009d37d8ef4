"""docs/rules.md §5 (power-factor adjustment) and §6 (late-payment penalty): every worked example."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from powerkam.analytics.charges import (
    late_payment_penalty,
    pf_adjustment_percent,
    pf_standard,
    power_factor,
)

D = Decimal


@pytest.mark.parametrize(
    ("standard", "pf", "percent"),
    [
        ("0.90", "0.85", "2.5"),  # docs/rules.md example
        ("0.90", "0.68", "12"),  # docs/rules.md example
        ("0.90", "0.60", "25"),  # docs/rules.md example
        ("0.85", "0.96", "-1.10"),  # docs/rules.md example
        ("0.90", "0.90", "0"),
        ("0.90", "0.70", "10"),
        ("0.90", "0.65", "15"),
        ("0.90", "0.91", "-0.15"),
        ("0.90", "0.94", "-0.60"),
        ("0.90", "0.95", "-0.75"),
        ("0.90", "0.99", "-0.75"),  # capped
        ("0.85", "0.90", "-0.5"),
        ("0.85", "0.91", "-0.65"),
        ("0.85", "0.94", "-1.10"),
        ("0.80", "0.90", "-1.0"),
        ("0.80", "0.91", "-1.15"),
        ("0.80", "0.92", "-1.30"),
        ("0.80", "1.00", "-1.30"),
    ],
)
def test_power_factor_adjustment(standard, pf, percent):
    assert pf_adjustment_percent(D(standard), D(pf)) == D(percent)


def test_power_factor_is_rounded_half_up_to_two_places():
    assert power_factor(100, 0) == D("1.00")
    assert power_factor(1000, 750) == D("0.80")  # 0.8 exactly
    assert power_factor(1000, 484.3) == D("0.90")  # 0.89999… rounds up
    assert power_factor(0, 10) == D("1.00")


def test_the_standard_follows_tariff_capacity_and_voltage():
    assert pf_standard(tariff="large_industrial", capacity_kva=160, voltage_kv=10) == D("0.90")
    assert pf_standard(tariff="large_industrial", capacity_kva=150, voltage_kv=10) == D("0.85")
    assert pf_standard(tariff="general_commercial", capacity_kva=100) == D("0.85")
    assert pf_standard(tariff="agricultural", capacity_kva=100) == D("0.80")
    assert pf_standard(tariff="general_commercial", capacity_kva=80) is None
    assert pf_standard(tariff="residential", capacity_kva=500) is None


def test_late_payment_penalty_rules_example():
    # Non-residential, 100,000 yuan current-year arrears, 10 days → 2,000 yuan.
    penalty = late_payment_penalty(
        arrears_yuan=D("100000"), due_date=dt.date(2026, 10, 15), as_of=dt.date(2026, 10, 25), residential=False
    )
    assert penalty == D("2000.00")


def test_residential_rate_minimum_and_no_penalty_before_the_first_late_day():
    due = dt.date(2026, 10, 15)
    assert late_payment_penalty(
        arrears_yuan=D("1000"), due_date=due, as_of=dt.date(2026, 10, 25), residential=True
    ) == D("10.00")
    assert late_payment_penalty(arrears_yuan=D("50"), due_date=due, as_of=dt.date(2026, 10, 16), residential=True) == D(
        "1.00"
    )
    assert late_payment_penalty(arrears_yuan=D("1000"), due_date=due, as_of=due, residential=False) == D("0.00")


def test_days_after_the_year_of_the_bill_cost_the_earlier_years_rate():
    # Due 2025-12-21: 10 days in 2025 at 0.2 %, 10 days in 2026 at 0.3 %.
    penalty = late_payment_penalty(
        arrears_yuan=D("10000"), due_date=dt.date(2025, 12, 21), as_of=dt.date(2026, 1, 10), residential=False
    )
    assert penalty == D("10000") * (D("0.002") * 10 + D("0.003") * 10)
