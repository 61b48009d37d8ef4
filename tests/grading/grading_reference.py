"""docs/rules.md §1 in plain Python, written straight from the text and independent of the engine.

Used by the property test: on random small data sets the engine must give the same answers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from powerkam.analytics.rules import DEFAULT_RULES, GradingRules


def _d(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _shift(period: str, months: int) -> str:
    year, month = map(int, period.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def reference_grading(
    period: str,
    customers: Iterable[Mapping[str, Any]],
    billing: Iterable[Mapping[str, Any]],
    payments: Iterable[Mapping[str, Any]],
    rules: GradingRules = DEFAULT_RULES,
) -> dict[str, dict[str, Any]]:
    year, month = map(int, period.split("-"))
    as_of = dt.date(year, month, calendar.monthrange(year, month)[1])
    first = _shift(period, -(rules.window.months - 1))
    tolerance = rules.settlement.tolerance_yuan

    known: dict[tuple[str, str], list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for p in payments:
        paid_on = _d(p["paid_on"])
        if paid_on <= as_of:  # only payments made by as_of are known
            known[(p["customer_id"], p["period"])].append((paid_on, _money(p["amount_yuan"])))

    acc: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"kwh": [], "revenue": Decimal(0), "active": 0, "late": 0, "max_late": 0, "overdue": Decimal(0)}
    )
    for bill in billing:
        cid, bill_period = bill["customer_id"], bill["period"]
        amount, due = _money(bill["amount_yuan"]), _d(bill["due_date"])
        paid = known[(cid, bill_period)]
        a = acc[cid]
        if due < as_of:
            a["overdue"] += max(Decimal(0), amount - sum((x for _, x in paid), Decimal(0)))
        if not first <= bill_period <= period:
            continue
        kwh = float(bill["kwh"])
        a["kwh"].append(kwh)
        a["revenue"] += amount
        a["active"] += kwh > 0
        if due > as_of:
            continue
        settled: dt.date | None
        if amount == 0:
            settled = due
        else:
            settled, running = None, Decimal(0)
            per_day: dict[dt.date, Decimal] = defaultdict(Decimal)
            for day, x in paid:
                per_day[day] += x
            for day in sorted(per_day):
                running += per_day[day]
                if running >= amount - tolerance:
                    settled = day
                    break
        if settled is None or settled > due:
            a["late"] += 1
            a["max_late"] = max(a["max_late"], ((settled or as_of) - due).days)

    c, k, g = rules.credit, rules.key_account, rules.grade
    out: dict[str, dict[str, Any]] = {}
    for cust in customers:
        cid = cust["customer_id"]
        a = acc[cid]
        annual_kwh = round(math.fsum(a["kwh"]), 6)
        credit = c.base - c.late_payment_deduction * a["late"]
        credit -= c.overdue_deduction if a["overdue"] > 0 else 0
        credit -= c.long_late_deduction if a["max_late"] > c.long_late_days else 0
        credit = max(c.floor, min(c.ceiling, credit))
        important = cust.get("important_grade") or None
        key = (
            float(cust["voltage_kv"]) >= k.min_voltage_kv
            and a["active"] >= k.min_active_months
            and (
                annual_kwh >= k.min_annual_kwh
                or float(cust["contract_capacity_kva"]) >= k.min_contract_capacity_kva
                or (important is not None and important in k.important_grades)
            )
        )
        out[cid] = {
            "customer_id": cid,
            "key_account": key,
            "credit_score": credit,
            "annual_kwh": annual_kwh,
            "annual_revenue": a["revenue"],
            "active_months": a["active"],
            "late_payments": a["late"],
            "max_days_late": a["max_late"],
            "overdue_yuan": a["overdue"],
            "value_rank": None,
            "grade": None,
        }
    keys = [r for r in out.values() if r["key_account"]]
    for r in keys:
        below = sum(1 for o in keys if o["annual_revenue"] < r["annual_revenue"])
        r["value_rank"] = below / (len(keys) - 1) if len(keys) > 1 else 0.0
        if r["credit_score"] < g.c_below_credit:
            r["grade"] = "C"
        elif r["value_rank"] >= g.a_min_value_rank and r["credit_score"] >= g.a_min_credit:
            r["grade"] = "A"
        else:
            r["grade"] = "B"
    return out
