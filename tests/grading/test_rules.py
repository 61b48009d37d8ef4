"""The grading rules file: defaults are docs/rules.md §1, every value can be overridden, mistakes are named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from powerkam.analytics.rules import DEFAULT_RULES, GradingRules, RulesError


def test_defaults_are_those_of_rules_md() -> None:
    r = DEFAULT_RULES
    assert r.window.months == 12
    assert r.settlement.tolerance_yuan == Decimal("0.01")
    assert (r.credit.base, r.credit.late_payment_deduction, r.credit.overdue_deduction) == (100, 10, 20)
    assert (r.credit.long_late_days, r.credit.long_late_deduction, r.credit.floor, r.credit.ceiling) == (30, 20, 0, 100)
    assert (r.key_account.min_voltage_kv, r.key_account.min_active_months) == (10, 6)
    assert (r.key_account.min_annual_kwh, r.key_account.min_contract_capacity_kva) == (1_000_000, 2_000)
    assert set(r.key_account.important_grades) == {"special", "first", "second", "temporary"}
    assert (r.grade.c_below_credit, r.grade.a_min_value_rank, r.grade.a_min_credit) == (60, 0.8, 90)


def test_a_rules_file_overrides_only_what_it_lists(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        "[key_account]\nmin_annual_kwh = 800000\n\n[credit]\nlate_payment_deduction = 5\n", encoding="utf-8"
    )
    rules = GradingRules.from_file(path)
    assert rules.key_account.min_annual_kwh == 800_000.0
    assert isinstance(rules.key_account.min_annual_kwh, float)
    assert rules.credit.late_payment_deduction == 5
    assert rules.credit.overdue_deduction == 20
    assert rules.grade == DEFAULT_RULES.grade


def test_the_effective_rules_round_trip_through_toml() -> None:
    rules = GradingRules.from_toml('[settlement]\ntolerance_yuan = 0.05\n[key_account]\nimportant_grades = ["first"]')
    again = GradingRules.from_toml(rules.to_toml())
    assert again == rules
    assert again.sha256 == rules.sha256 != DEFAULT_RULES.sha256
    assert GradingRules.from_toml(DEFAULT_RULES.to_toml()) == DEFAULT_RULES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[key_account]\nmin_anual_kwh = 5", "unknown key 'key_account.min_anual_kwh'"),
        ("[keys]\nmin_annual_kwh = 5", r"unknown section \[keys\]"),
        ("window = 12", "'window' must be a section"),
        ('[credit]\nbase = "100"', "'credit.base' must be a number"),
        ("[credit]\nbase = 99.5", "'credit.base' must be a whole number"),
        ("[credit]\nbase = true", "'credit.base' must be a number"),
        ("[key_account]\nmin_voltage_kv = -10", "'key_account.min_voltage_kv' must not be negative"),
        ("[credit]\nlong_late_days = -1", "'credit.long_late_days' must not be negative"),
        ("[grade]\na_min_value_rank = 1.5", "'grade.a_min_value_rank' must be between 0 and 1"),
        ("[window]\nmonths = 0", "'window.months' must be between 1 and 120"),
        ("[credit]\nfloor = 50\nceiling = 40", "'credit.floor'"),
        ('[key_account]\nimportant_grades = ["vip"]', "unknown grade"),
        ("[key_account]\nimportant_grades = 1", "must be a list of text values"),
        ("[credit\nbase = 1", "not valid TOML"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        GradingRules.from_toml(text)


def test_a_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="does not exist"):
        GradingRules.from_file(tmp_path / "nope.toml")
