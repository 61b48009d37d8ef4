"""Reasons in words a manager understands, in Chinese and English."""

from __future__ import annotations

import string
from decimal import Decimal

from powerkam.analytics.grading import REASON_CODES
from powerkam.analytics.grading_reasons import MESSAGES, explain, render, render_one
from powerkam.analytics.rules import GradingRules

ROW = {
    "customer_id": "E007",
    "key_account": True,
    "grade": "B",
    "credit_score": 60,
    "value_rank": 0.9523809523809523,
    "annual_kwh": 10_800_000.0,
    "annual_revenue": Decimal("7560000.00"),
    "active_months": 12,
    "late_payments": 2,
    "max_days_late": 40,
    "overdue_yuan": Decimal("1234.50"),
    "voltage_kv": 35.0,
    "contract_capacity_kva": 8000.0,
    "important_grade": None,
    "reason_codes": "key_by_kwh;key_by_capacity;credit_late;credit_overdue;credit_long_late;grade_b_credit",
}


def test_every_code_has_both_languages_with_the_same_placeholders() -> None:
    for code, texts in MESSAGES.items():
        assert set(texts) == {"zh", "en"}, code
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(t) if f} for lang, t in texts.items()}
        assert fields["zh"] - {"important_grade_zh"} == fields["en"] - {"important_grade_en"}, code


def test_every_code_the_engine_emits_has_words() -> None:
    assert set(REASON_CODES) <= set(MESSAGES)


def test_explain_gives_the_numbers_behind_each_reason() -> None:
    reasons = explain(ROW)
    assert [r["code"] for r in reasons] == ROW["reason_codes"].split(";")
    by_code = {r["code"]: r["params"] for r in reasons}
    assert by_code["credit_late"]["deduction"] == 20
    assert by_code["credit_long_late"]["max_days_late"] == 40


def test_render_in_english_and_chinese() -> None:
    reasons = explain(ROW)
    en = render(reasons, "en")
    zh = render(reasons, "zh-hans")
    assert "10,800,000 kWh used in the last 12 months, at least 1,000,000 kWh" in en
    assert "Credit −20: 2 bill(s) paid late" in en
    assert "¥1,234.50 of bills past their due date" in en
    assert "a bill paid 40 days late (more than 30 days)" in en
    assert "Grade B (medium): credit 60 is below the 90 needed for grade A." in en
    assert "近12个月用电量 10,800,000 kWh" in zh
    assert "已过缴费截止日仍欠费 1,234.50 元" in zh
    assert "B 级（中等）：信用 60 分，低于 A 级所需的 90 分。" in zh


def test_reasons_follow_the_rules_used() -> None:
    rules = GradingRules.from_toml("[credit]\nlate_payment_deduction = 7\n[grade]\na_min_value_rank = 0.9")
    row = {**ROW, "grade": "A", "credit_score": 95, "reason_codes": "credit_late;grade_a"}
    text = render(explain(row, rules), "en")
    assert "Credit −14: 2 bill(s) paid late in the last 12 months (−7 each)." in text
    assert "revenue ranks at 95.2% of key accounts (at least 90%)" in text


def test_important_user_and_not_key_reasons() -> None:
    row = {**ROW, "important_grade": "first", "reason_codes": "key_by_important"}
    assert render(explain(row), "zh") == "大客户：一级重要电力用户。"
    low = {**ROW, "voltage_kv": 0.4, "reason_codes": "not_key_voltage"}
    assert render(explain(low), "en") == "Not a key account: supplied at 0.4 kV, below 10 kV."


def test_an_unknown_code_renders_as_itself() -> None:
    assert render_one({"code": "something_new", "params": {}}, "en") == "something_new"
