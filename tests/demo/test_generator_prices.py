"""Prices the demo bills are made of: the power-factor adjustment of docs/rules.md §5 and exact money."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from powerkam.demo.generator.bills import power_factor_adjustment
from powerkam.demo.generator.writers import money_from_fen


@pytest.mark.parametrize(
    ("standard", "pf", "percent"),
    [
        # The worked examples of docs/rules.md §5.
        (0.90, 0.85, 2.5),
        (0.90, 0.68, 12.0),
        (0.90, 0.60, 25.0),
        (0.85, 0.96, -1.10),
        # The rebate tables.
        (0.90, 0.90, 0.0),
        (0.90, 0.91, -0.15),
        (0.90, 0.94, -0.60),
        (0.90, 0.99, -0.75),
        (0.85, 0.90, -0.5),
        (0.85, 0.91, -0.65),
        (0.80, 0.90, -1.0),
        (0.80, 0.91, -1.15),
        (0.80, 0.97, -1.30),
        # No standard (small or residential customers): no adjustment.
        (0.0, 0.60, 0.0),
    ],
)
def test_power_factor_adjustment(standard: float, pf: float, percent: float) -> None:
    result = power_factor_adjustment(np.array([pf]), np.array([standard]))
    assert result[0] == pytest.approx(percent, abs=1e-9)


def test_power_factor_is_rounded_half_up_to_two_places() -> None:
    # 0.845 rounds to 0.85 (+2.5 %), 0.8449 to 0.84 (+3.0 %).
    result = power_factor_adjustment(np.array([0.845, 0.8449]), np.array([0.90, 0.90]))
    assert result.tolist() == pytest.approx([2.5, 3.0])


def test_money_from_fen_is_exact_to_the_fen() -> None:
    fen = np.array([0, 1, 123456789012, -250, 99])
    assert money_from_fen(fen).to_pylist() == [
        Decimal("0.00"),
        Decimal("0.01"),
        Decimal("1234567890.12"),
        Decimal("-2.50"),
        Decimal("0.99"),
    ]
