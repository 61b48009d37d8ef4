"""Two regulated charges a key-account manager explains to customers (docs/rules.md §5 and §6):
the power-factor adjustment (《功率因数调整电费办法》, 1983) and the late-payment penalty
(《供电营业规则》). Pure functions on ``Decimal``; every rate is a parameter with the rules' default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
_STEP = Decimal("0.01")


# --- power factor ------------------------------------------------------------------------------


def power_factor(kwh: Decimal | float, kvarh: Decimal | float) -> Decimal:
    """PF = kWh / √(kWh² + kvarh²), rounded half-up to 2 places (a month without energy counts as 1.00)."""
    p, q = Decimal(str(kwh)), Decimal(str(kvarh))
    if p <= 0:
        return Decimal("1.00")
    return (p / (p * p + q * q).sqrt()).quantize(CENT, rounding=ROUND_HALF_UP)


def pf_standard(*, tariff: str, capacity_kva: Decimal | float, voltage_kv: Decimal | float = 10) -> Decimal | None:
    """The standard a customer is assessed against: 0.90 for high-voltage industrial customers of
    160 kVA and above, 0.85 for other customers of 100 kVA and above, 0.80 for agriculture; None when
    the adjustment does not apply."""
    capacity, voltage = Decimal(str(capacity_kva)), Decimal(str(voltage_kv))
    if tariff == "agricultural" and capacity >= 100:
        return Decimal("0.80")
    if tariff == "large_industrial" and voltage >= 10 and capacity >= 160:
        return Decimal("0.90")
    if tariff != "residential" and capacity >= 100:
        return Decimal("0.85")
    return None


def _rebate(standard: Decimal, pf: Decimal) -> Decimal:
    """The rebate (a negative percentage) for a power factor above the standard."""
    hundredths = int((pf - standard) / _STEP)
    if standard == Decimal("0.90"):
        return -min(Decimal("0.15") * hundredths, Decimal("0.75"))
    if standard == Decimal("0.85"):
        up_to_90 = min(hundredths, 5)
        beyond = max(hundredths - 5, 0)
        return -min(Decimal("0.10") * up_to_90 + Decimal("0.15") * beyond, Decimal("1.10"))
    if standard == Decimal("0.80"):
        if hundredths <= 10:
            return -Decimal("0.10") * hundredths
        return -(Decimal("1.15") if hundredths == 11 else Decimal("1.30"))
    raise ValueError(f"no rebate table for standard {standard}")


def pf_adjustment_percent(standard: Decimal, pf: Decimal) -> Decimal:
    """The adjustment of basic + energy charges, in percent: positive is a surcharge, negative a rebate.

    Below the standard: +0.5 % per 0.01 down to (standard − 0.20), then +1 % per 0.01 for the next
    0.05, then +2 % per 0.01. Above it: the standard's rebate table (capped).
    """
    standard, pf = Decimal(standard), Decimal(pf)
    if pf >= standard:
        return _rebate(standard, pf) if pf > standard else Decimal("0")
    below = int((standard - pf) / _STEP)
    first, second = min(below, 20), min(max(below - 20, 0), 5)
    third = max(below - 25, 0)
    return Decimal("0.5") * first + Decimal("1") * second + Decimal("2") * third


# --- late-payment penalty ---------------------------------------------------------------------


@dataclass(frozen=True)
class PenaltyRates:
    """Daily rates (docs/rules.md §6; check the 2024 revision of 《供电营业规则》 before relying on them)."""

    residential: Decimal = Decimal("0.001")
    current_year: Decimal = Decimal("0.002")
    earlier_years: Decimal = Decimal("0.003")
    minimum_yuan: Decimal = Decimal("1")


def late_payment_penalty(
    *,
    arrears_yuan: Decimal,
    due_date: dt.date,
    as_of: dt.date,
    residential: bool,
    rates: PenaltyRates = PenaltyRates(),
) -> Decimal:
    """The penalty on ``arrears_yuan`` unpaid since ``due_date``, counted from the first day after it
    through ``as_of``. Non-residential arrears cost the current-year rate for the days in the year the
    bill fell due and the earlier-years rate for the days after that year ended (跨年度欠费). A total
    under the minimum is charged as the minimum; nothing is owed before the first day late."""
    arrears = Decimal(arrears_yuan)
    days = (as_of - due_date).days
    if days <= 0 or arrears <= 0:
        return Decimal("0.00")
    if residential:
        total = arrears * rates.residential * days
    else:
        year_end = dt.date(due_date.year, 12, 31)
        in_year = min(days, (year_end - due_date).days)
        later = days - in_year
        total = arrears * (rates.current_year * in_year + rates.earlier_years * later)
    return max(total, rates.minimum_yuan).quantize(CENT, rounding=ROUND_HALF_UP)
