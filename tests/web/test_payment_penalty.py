"""The payment record shows the late-payment penalty accrued on bills in arrears (docs/rules.md §6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from factories import AccountFactory, monthly_bills, write_dataset
from powerkam.accounts.selectors import account_payment_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "store"
    settings.ANALYTICS_DIR.mkdir()
    return settings.ANALYTICS_DIR


def test_penalty_accrues_from_the_day_after_the_due_date(store):
    account = AccountFactory(customer_id="P100", tariff="large_industrial")
    bills = monthly_bills("P100", last_period="2026-09", months=1, kwh=10_000.0)
    bills[0]["amount_yuan"] = Decimal("100000.00")
    bills[0]["due_date"] = dt.date(2026, 10, 15)
    write_dataset(store, "billing", bills)
    write_dataset(store, "payments", [])

    on_time = account_payment_record(account=account, as_of=dt.date(2026, 10, 15))
    assert on_time.penalty_yuan == Decimal("0")
    # docs/rules.md §6: non-residential, 100,000 yuan current-year arrears, 10 days → 2,000 yuan.
    ten_days = account_payment_record(account=account, as_of=dt.date(2026, 10, 25))
    assert ten_days.arrears_yuan == Decimal("100000.00")
    assert ten_days.penalty_yuan == Decimal("2000.00")


def test_residential_customers_pay_the_residential_rate(store):
    account = AccountFactory(customer_id="P200", tariff="residential")
    bills = monthly_bills("P200", last_period="2026-09", months=1, kwh=100.0)
    bills[0]["amount_yuan"] = Decimal("1000.00")
    bills[0]["due_date"] = dt.date(2026, 10, 15)
    write_dataset(store, "billing", bills)
    write_dataset(store, "payments", [])
    assert account_payment_record(account=account, as_of=dt.date(2026, 10, 25)).penalty_yuan == Decimal("10.00")
