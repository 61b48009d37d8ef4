"""The reasons computed in sets (grading_record.explain_all) are exactly explain()'s, row for row."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from powerkam.analytics.grading import REASON_CODES, REASON_SEPARATOR
from powerkam.analytics.grading_reasons import explain, render
from powerkam.analytics.grading_record import explain_all
from powerkam.analytics.rules import DEFAULT_RULES, GradingRules

SCHEMA = pa.schema(
    [
        ("reason_codes", pa.string()),
        ("annual_kwh", pa.float64()),
        ("contract_capacity_kva", pa.float64()),
        ("important_grade", pa.string()),
        ("voltage_kv", pa.float64()),
        ("active_months", pa.int64()),
        ("late_payments", pa.int64()),
        ("max_days_late", pa.int64()),
        ("overdue_yuan", pa.decimal128(38, 2)),
        ("credit_score", pa.int64()),
        ("value_rank", pa.float64()),
    ]
)

#: Values where formatting goes wrong first: None, whole and half numbers, ties at the cent, huge ones.
KWH = [None, 0.0, 1.0, 999_999.995, 1_000_000.0, 1_234_567.5, 2.675, 0.125, 1e15, 123_456_789.987654, 0.004]
MONEY = [None, Decimal("0.00"), Decimal("0.05"), Decimal("630000.00"), Decimal("1234567.89"), Decimal("9" * 20 + ".99")]
RANKS = [None, 0.0, 0.8, 0.7999999, 0.12345, 1.0, 0.0005, 1 / 3]
IMPORTANT = [None, "", "special", "first", "second", "temporary", "unknown"]
VOLTAGES = [None, 0.4, 10.0, 35.0, 110.0, 0.22, 1e6]


def _rows(n: int, seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    rows = []
    for _ in range(n):
        codes = rnd.sample(REASON_CODES, rnd.randint(0, 5)) + (["made_up_code"] if rnd.random() < 0.05 else [])
        rows.append(
            {
                "reason_codes": rnd.choice([None, REASON_SEPARATOR.join(codes) + rnd.choice(["", ";"])]),
                "annual_kwh": rnd.choice([*KWH, rnd.random() * 10 ** rnd.randint(0, 12)]),
                "contract_capacity_kva": rnd.choice([*KWH, float(rnd.randint(0, 90_000))]),
                "important_grade": rnd.choice(IMPORTANT),
                "voltage_kv": rnd.choice(VOLTAGES),
                "active_months": rnd.choice([None, 0, 5, 12]),
                "late_payments": rnd.choice([None, 0, 1, 7]),
                "max_days_late": rnd.choice([None, 0, 31, 400]),
                "overdue_yuan": rnd.choice(MONEY),
                "credit_score": rnd.choice([None, 0, 55, 90, 100]),
                "value_rank": rnd.choice([*RANKS, rnd.random()]),
            }
        )
    return rows


CUSTOM = GradingRules.from_toml(
    """
[window]
months = 24
[key_account]
min_annual_kwh = 2500000.5
min_contract_capacity_kva = 3150
min_voltage_kv = 35
[credit]
late_payment_deduction = 15
[grade]
a_min_value_rank = 0.75
"""
)


@pytest.mark.parametrize(("rules", "seed"), [(DEFAULT_RULES, 1), (DEFAULT_RULES, 2), (CUSTOM, 3)])
def test_reasons_in_sets_are_explains_reasons(rules: GradingRules, seed: int) -> None:
    rows = _rows(3000, seed)
    computed = explain_all(pa.Table.from_pylist(rows, schema=SCHEMA), rules).to_pylist()
    for row, text in zip(rows, computed, strict=True):
        reasons = json.loads(text)
        assert reasons == explain(row, rules), row
        assert render(reasons, "zh") == render(explain(row, rules), "zh")
