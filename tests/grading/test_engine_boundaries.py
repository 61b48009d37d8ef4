"""Each boundary of docs/rules.md §1, on DuckDB and on PySpark (period 2026-10: W = 2025-11 … 2026-10, as_of 2026-10-31)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from grading.grading_store import customer, monthly_bills, pay_on_time, periods_ending, write_store
from powerkam.analytics.grading import GradingError
from powerkam.analytics.rules import GradingRules

P = "2026-10"
W = periods_ending(P, 12)
AS_OF = dt.date(2026, 10, 31)


def paid(customer_id: str, period: str, on: str, amount: str) -> dict:
    return {"customer_id": customer_id, "period": period, "paid_on": dt.date.fromisoformat(on), "amount_yuan": amount}


def small(customer_id: str, **overrides) -> dict:
    """A 10 kV customer below every size threshold."""
    return customer(customer_id, contract_capacity_kva=1000, **overrides)


def test_exactly_one_million_kwh_is_a_key_account(grade, tmp_path: Path) -> None:
    at = monthly_bills("AT", W, kwh=1_000_000 / 12)  # 83,333.33… a month, float sum order must not matter
    below = monthly_bills("BELOW", W, kwh=83_333.33)  # 999,999.96 kWh
    write_store(tmp_path, customers=[small("AT"), small("BELOW")], billing=at + below, payments=pay_on_time(at + below))
    r = grade(tmp_path, P)
    assert r["AT"]["annual_kwh"] == 1_000_000
    assert r["AT"]["key_account"] is True
    assert "key_by_kwh" in r["AT"]["reason_codes"]
    assert r["BELOW"]["key_account"] is False
    assert "not_key_small" in r["BELOW"]["reason_codes"]


def test_contract_capacity_of_exactly_2000_kva_is_a_key_account(grade, tmp_path: Path) -> None:
    bills = monthly_bills("AT", W, kwh=100) + monthly_bills("BELOW", W, kwh=100)
    write_store(
        tmp_path,
        customers=[customer("AT", contract_capacity_kva=2000), customer("BELOW", contract_capacity_kva=1999.99)],
        billing=bills,
        payments=pay_on_time(bills),
    )
    r = grade(tmp_path, P)
    assert (r["AT"]["key_account"], r["BELOW"]["key_account"]) == (True, False)
    assert r["AT"]["reason_codes"].split(";")[0] == "key_by_capacity"


def test_six_active_months_qualify_five_do_not(grade, tmp_path: Path) -> None:
    # SIX: 6 months with energy, 6 months billed at 0 kWh. FIVE: 5 months billed, the rest missing.
    six = monthly_bills("SIX", W[:6], kwh=1000) + monthly_bills("SIX", W[6:], kwh=0, amount="0")
    five = monthly_bills("FIVE", W[-5:], kwh=1000)
    write_store(
        tmp_path, customers=[customer("SIX"), customer("FIVE")], billing=six + five, payments=pay_on_time(six + five)
    )
    r = grade(tmp_path, P)
    assert r["SIX"]["active_months"] == 6
    assert r["SIX"]["key_account"] is True
    assert r["FIVE"]["active_months"] == 5
    assert r["FIVE"]["key_account"] is False
    assert "not_key_inactive" in r["FIVE"]["reason_codes"]


def test_an_important_user_is_a_key_account_whatever_its_size(grade, tmp_path: Path) -> None:
    bills = [b for c in ("IMP", "IMP_LV", "PLAIN") for b in monthly_bills(c, W, kwh=10)]
    write_store(
        tmp_path,
        customers=[
            small("IMP", important_grade="second"),
            small("IMP_LV", important_grade="first", voltage_kv=0.4),  # the voltage rule still applies
            small("PLAIN"),
        ],
        billing=bills,
        payments=pay_on_time(bills),
    )
    r = grade(tmp_path, P)
    assert r["IMP"]["key_account"] is True
    assert r["IMP"]["reason_codes"].startswith("key_by_important")
    assert r["IMP_LV"]["key_account"] is False
    assert "not_key_voltage" in r["IMP_LV"]["reason_codes"]
    assert r["PLAIN"]["key_account"] is False
    # A rules file may say which important grades count on their own.
    only_special = GradingRules.from_toml('[key_account]\nimportant_grades = ["special", "first"]')
    assert grade(tmp_path, P, only_special)["IMP"]["key_account"] is False


def _late_bills(customer_id: str, late_days: list[int], amount: str = "140000.00") -> tuple[list[dict], list[dict]]:
    """12 bills; the first len(late_days) are paid that many days after their due date, the rest on time."""
    bills = monthly_bills(customer_id, W, kwh=200_000, amount=amount)
    payments = pay_on_time(bills[len(late_days) :])
    for bill, days in zip(bills, late_days, strict=False):
        late_on = bill["due_date"] + dt.timedelta(days=days)
        payments.append(paid(customer_id, bill["period"], late_on.isoformat(), amount))
    return bills, payments


def test_credit_exactly_60_is_grade_b_and_exactly_90_can_be_grade_a(grade, tmp_path: Path) -> None:
    # SIXTY: 2 late bills, one 31 days late → 100 − 20 − 20 = 60 (grade B, not C).
    # FIFTY: 3 late bills, one 31 days late → 50 (grade C).
    # NINETY: 1 bill 30 days late (not more than 30) → 90; top revenue → grade A.
    # EIGHTY: 2 bills a day late → 80; top revenue too → grade B for credit.
    sixty, p60 = _late_bills("SIXTY", [31, 1])
    fifty, p50 = _late_bills("FIFTY", [31, 1, 1])
    ninety, p90 = _late_bills("NINETY", [30], amount="150000.00")  # NINETY and EIGHTY share the top revenue
    eighty, p80 = _late_bills("EIGHTY", [1, 1], amount="150000.00")
    fillers = [b for i in range(6) for b in monthly_bills(f"F{i}", W, kwh=10, amount="10.00")]
    write_store(
        tmp_path,
        customers=[customer(c) for c in ("SIXTY", "FIFTY", "NINETY", "EIGHTY")] + [customer(f"F{i}") for i in range(6)],
        billing=sixty + fifty + ninety + eighty + fillers,
        payments=p60 + p50 + p90 + p80 + pay_on_time(fillers),
    )
    r = grade(tmp_path, P)
    assert (r["SIXTY"]["credit_score"], r["SIXTY"]["grade"]) == (60, "B")
    assert r["SIXTY"]["max_days_late"] == 31
    assert (r["FIFTY"]["credit_score"], r["FIFTY"]["grade"]) == (50, "C")
    assert r["NINETY"]["max_days_late"] == 30
    assert r["NINETY"]["credit_score"] == 90
    assert r["NINETY"]["value_rank"] >= 0.8
    assert r["NINETY"]["grade"] == "A"
    assert (r["EIGHTY"]["credit_score"], r["EIGHTY"]["grade"]) == (80, "B")
    assert "grade_b_credit" in r["EIGHTY"]["reason_codes"]


def test_credit_is_clipped_at_zero(grade, tmp_path: Path) -> None:
    bills = monthly_bills("BAD", W)  # nothing ever paid: 11 late bills (October's is not due yet)
    write_store(tmp_path, customers=[customer("BAD")], billing=bills)
    r = grade(tmp_path, P)["BAD"]
    assert r["late_payments"] == 11
    assert r["credit_score"] == 0
    assert r["overdue_yuan"] == Decimal("770000.00")


def test_a_late_payment_settled_by_partial_payments(grade, tmp_path: Path) -> None:
    bills = monthly_bills("PART", W, amount="1000.00")  # due on the 15th of the next month
    march = next(b for b in bills if b["period"] == "2026-03")  # due 2026-04-15
    others = pay_on_time([b for b in bills if b is not march])
    payments = [
        *others,
        paid("PART", "2026-03", "2026-04-10", "400.00"),
        paid("PART", "2026-03", "2026-04-15", "300.00"),
        paid("PART", "2026-03", "2026-04-22", "299.99"),  # reaches 999.99: within 0.01 → settled 7 days late
        paid("PART", "2026-03", "2026-05-30", "0.01"),
    ]
    # SHORT: partial payments that stop 0.02 short stay unsettled: late to as_of, and in arrears.
    short = monthly_bills("SHORT", W, amount="1000.00")
    short_april = next(b for b in short if b["period"] == "2026-04")  # due 2026-05-15
    short_payments = [
        *pay_on_time([b for b in short if b is not short_april]),
        paid("SHORT", "2026-04", "2026-05-10", "500.00"),
        paid("SHORT", "2026-04", "2026-05-12", "499.98"),
    ]
    write_store(
        tmp_path,
        customers=[customer("PART"), customer("SHORT")],
        billing=bills + short,
        payments=payments + short_payments,
    )
    r = grade(tmp_path, P)
    assert (r["PART"]["late_payments"], r["PART"]["max_days_late"]) == (1, 7)
    assert r["PART"]["overdue_yuan"] == Decimal("0.00")
    assert r["PART"]["credit_score"] == 90
    assert r["SHORT"]["late_payments"] == 1
    assert r["SHORT"]["max_days_late"] == (AS_OF - dt.date(2026, 5, 15)).days
    assert r["SHORT"]["overdue_yuan"] == Decimal("0.02")
    assert r["SHORT"]["credit_score"] == 100 - 10 - 20 - 20


def test_a_bill_due_after_as_of_is_neither_late_nor_overdue(grade, tmp_path: Path) -> None:
    bills = monthly_bills("NEXT", W)  # October's bill is due 2026-11-15 and is not paid
    write_store(tmp_path, customers=[customer("NEXT")], billing=bills, payments=pay_on_time(bills[:-1]))
    r = grade(tmp_path, P)["NEXT"]
    assert (r["late_payments"], r["overdue_yuan"], r["credit_score"]) == (0, Decimal("0.00"), 100)


def test_a_bill_due_on_as_of_and_unpaid_is_late_by_zero_days_but_not_yet_overdue(grade, tmp_path: Path) -> None:
    bills = monthly_bills("EDGE", W)
    bills[-2]["due_date"] = AS_OF  # September's bill falls due on the last day of the period
    write_store(tmp_path, customers=[customer("EDGE")], billing=bills, payments=pay_on_time(bills[:-2]))
    r = grade(tmp_path, P)["EDGE"]
    assert (r["late_payments"], r["max_days_late"]) == (1, 0)
    assert r["overdue_yuan"] == Decimal("0.00")


def test_arrears_older_than_the_window_count_as_overdue_but_not_as_late(grade, tmp_path: Path) -> None:
    old = monthly_bills("OLD", ["2024-05", "2025-10"], amount="5000.00")  # both before W, never paid
    bills = monthly_bills("OLD", W)
    write_store(tmp_path, customers=[customer("OLD")], billing=old + bills, payments=pay_on_time(bills))
    r = grade(tmp_path, P)["OLD"]
    assert r["late_payments"] == 0
    assert r["overdue_yuan"] == Decimal("10000.00")
    assert r["credit_score"] == 80
    assert r["annual_revenue"] == Decimal("840000.00")  # the old bills are not in the window


def test_a_future_month_and_payments_after_as_of_are_ignored(grade, tmp_path: Path) -> None:
    bills = monthly_bills("FUT", W[-5:], kwh=1000)  # only 5 months in W …
    future = monthly_bills("FUT", ["2026-11", "2026-12"], kwh=5_000_000)  # … the future does not help
    payments = [*pay_on_time(bills[:-2]), paid("FUT", bills[-2]["period"], "2026-11-02", "70000.00")]
    write_store(
        tmp_path, customers=[customer("FUT", contract_capacity_kva=100)], billing=bills + future, payments=payments
    )
    r = grade(tmp_path, P)["FUT"]
    assert r["annual_kwh"] == 5000
    assert r["active_months"] == 5
    assert r["key_account"] is False
    # September's bill (due 2026-10-15) was paid on 2026-11-02, after as_of: still open on 2026-10-31.
    assert (r["late_payments"], r["max_days_late"]) == (1, 16)
    assert r["overdue_yuan"] == Decimal("70000.00")


def test_a_zero_bill_is_settled_on_its_due_date(grade, tmp_path: Path) -> None:
    bills = monthly_bills("ZERO", W, kwh=0, amount="0")
    write_store(tmp_path, customers=[customer("ZERO", important_grade="first")], billing=bills)
    r = grade(tmp_path, P)["ZERO"]
    assert (r["late_payments"], r["overdue_yuan"], r["active_months"]) == (0, Decimal("0.00"), 0)


def test_revenue_ties_share_their_value_rank(grade, tmp_path: Path) -> None:
    revenue = {"K1": "100.00", "K2": "200.00", "K3": "200.00", "K4": "300.00", "K5": "300.00"}
    bills = [b for cid, amount in revenue.items() for b in monthly_bills(cid, W, amount=amount)]
    write_store(tmp_path, customers=[customer(c) for c in revenue], billing=bills, payments=pay_on_time(bills))
    r = grade(tmp_path, P)
    # percent_rank = (rank − 1) / (n − 1) with rank the SQL rank (ties share the lowest).
    assert [r[c]["value_rank"] for c in revenue] == [0.0, 0.25, 0.25, 0.75, 0.75]
    assert [r[c]["grade"] for c in revenue] == ["B", "B", "B", "B", "B"]  # 0.75 < 0.8


def test_a_single_key_account_ranks_zero(grade, tmp_path: Path) -> None:
    bills = monthly_bills("ONLY", W) + monthly_bills("LV", W)
    write_store(
        tmp_path,
        customers=[customer("ONLY"), customer("LV", voltage_kv=0.4)],
        billing=bills,
        payments=pay_on_time(bills),
    )
    r = grade(tmp_path, P)
    assert r["ONLY"]["value_rank"] == 0.0
    assert r["LV"]["value_rank"] is None
    assert r["LV"]["grade"] is None


def test_a_customer_without_bills_is_evaluated_as_inactive(grade, tmp_path: Path) -> None:
    bills = monthly_bills("BILLED", W)
    write_store(tmp_path, customers=[customer("BILLED"), customer("NEW")], billing=bills, payments=pay_on_time(bills))
    r = grade(tmp_path, P)["NEW"]
    assert (r["active_months"], r["annual_kwh"], r["annual_revenue"], r["key_account"]) == (
        0,
        0,
        Decimal("0.00"),
        False,
    )


def test_a_period_without_billing_data_is_refused(grade, tmp_path: Path) -> None:
    bills = monthly_bills("X", W)
    write_store(tmp_path, customers=[customer("X")], billing=bills)
    with pytest.raises(GradingError, match="no billing data for 2026-11"):
        grade(tmp_path, "2026-11")


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "26-10", "October", ""])
def test_a_malformed_period_is_refused(period: str) -> None:
    from powerkam.analytics.grading import Period

    with pytest.raises(GradingError, match="YYYY-MM"):
        Period.parse(period)


def test_thresholds_come_from_the_rules(grade, tmp_path: Path) -> None:
    bills = monthly_bills("MID", W, kwh=50_000)  # 600,000 kWh a year
    write_store(tmp_path, customers=[small("MID")], billing=bills, payments=pay_on_time(bills))
    assert grade(tmp_path, P)["MID"]["key_account"] is False
    lower = GradingRules.from_toml("[key_account]\nmin_annual_kwh = 600000")
    assert grade(tmp_path, P, lower)["MID"]["key_account"] is True
    shorter = GradingRules.from_toml("[key_account]\nmin_annual_kwh = 600000\n[window]\nmonths = 6")
    r = grade(tmp_path, P, shorter)["MID"]
    assert (r["annual_kwh"], r["active_months"], r["key_account"]) == (300_000, 6, False)


def test_weights_and_grade_thresholds_come_from_the_rules(grade, tmp_path: Path) -> None:
    old = monthly_bills("OWES", ["2025-01"], amount="10.00")  # unpaid, before the window
    bills = monthly_bills("OWES", W)
    write_store(tmp_path, customers=[customer("OWES")], billing=old + bills, payments=pay_on_time(bills))
    assert (grade(tmp_path, P)["OWES"]["credit_score"], grade(tmp_path, P)["OWES"]["grade"]) == (80, "B")
    stricter = GradingRules.from_toml("[credit]\noverdue_deduction = 35\n[grade]\nc_below_credit = 70")
    r = grade(tmp_path, P, stricter)["OWES"]
    assert (r["credit_score"], r["grade"]) == (65, "C")
