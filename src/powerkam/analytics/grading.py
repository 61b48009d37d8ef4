"""Key-account identification and A/B/C grading (docs/rules.md §1) as Ibis expressions.

The functions here build *expressions* over three store tables (``customers``, ``billing``,
``payments``, schemas in :mod:`powerkam.analytics.store`) and never depend on one engine:
DuckDB executes them by default, PySpark runs the very same expressions (see
:mod:`powerkam.analytics.backends`). Nothing here imports Django.

How a period P is graded (every number comes from :class:`~powerkam.analytics.rules.GradingRules`):

1. The window W is the ``window.months`` billing periods ending with P; ``as_of`` is the last
   day of P. Only payments with ``paid_on <= as_of`` are *known*.
2. Each bill's known payments are summed per day and accumulated in date order; the bill is
   *settled* on the first day the running total reaches its amount within
   ``settlement.tolerance_yuan``. A zero bill is settled on its due date.
3. A bill in W that fell due by ``as_of`` is *late* when it was not settled by its due date;
   its days late run to the settlement date, or to ``as_of`` when it is still open.
4. Arrears (``overdue_yuan``) look at every bill, not only W, that fell due before ``as_of``.
5. Credit score, key-account rule, value rank (``percent_rank`` of the revenue among the key
   accounts) and grade follow; each row also carries ``reason_codes`` (see
   :mod:`powerkam.analytics.grading_reasons` for the words).

Step 2 is nearly all of the cost; when the store holds current ``settlements`` (every bill settled
once at import, :mod:`powerkam.analytics.settlement`) only the bills with a payment after
``as_of`` are settled here (from their stored payment days), the others take their stored answer,
and only the bills that can change a figure are read (see :func:`bills_that_count`).

``annual_revenue`` is a sum of ``decimal(18,2)`` amounts and so exact to the fen.
``annual_kwh`` is summed in float64 and rounded to :data:`KWH_DECIMALS` places before it is
compared, so the order in which an engine adds the months cannot move a customer across the
1,000,000 kWh line.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from powerkam.analytics import settlement, store
from powerkam.analytics.rules import DEFAULT_RULES, GradingRules

#: annual_kwh is rounded to a millionth of a kWh before any comparison (see module docstring).
KWH_DECIMALS = 6

#: Columns of a grading result, in order.
RESULT_COLUMNS = (
    "customer_id",
    "key_account",
    "grade",
    "credit_score",
    "value_rank",
    "annual_kwh",
    "annual_revenue",
    "active_months",
    "late_payments",
    "max_days_late",
    "overdue_yuan",
    "voltage_kv",
    "contract_capacity_kva",
    "important_grade",
    "reason_codes",
)

#: Every code the engine can put in ``reason_codes`` (grading_reasons.MESSAGES has words for each).
REASON_CODES = (
    "key_by_kwh",
    "key_by_capacity",
    "key_by_important",
    "not_key_voltage",
    "not_key_inactive",
    "not_key_small",
    "credit_late",
    "credit_overdue",
    "credit_long_late",
    "credit_clean",
    "grade_a",
    "grade_b_rank",
    "grade_b_credit",
    "grade_c",
)

#: Separator of the codes in the ``reason_codes`` column.
REASON_SEPARATOR = ";"

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class GradingError(ValueError):
    """The grading cannot run as asked (malformed period, no billing data …)."""


@dataclass(frozen=True)
class Period:
    """A billing period ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise GradingError(f"'{text}' is not a billing period; write it as YYYY-MM, e.g. 2026-10")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


@dataclass(frozen=True)
class GradingTables:
    customers: ir.Table
    billing: ir.Table
    payments: ir.Table
    #: The store's ``settlements`` (see :mod:`powerkam.analytics.settlement`) when current, else ``None``.
    settlements: ir.Table | None = None
    #: The tolerance the settlements were built with (they are used only by rules with the same one).
    settlements_tolerance: Decimal | None = None


def window_bounds(period: Period, rules: GradingRules = DEFAULT_RULES) -> tuple[str, str, dt.date]:
    """First and last period of the window W (as ``YYYY-MM`` text) and ``as_of``."""
    return str(period.shift(-(rules.window.months - 1))), str(period), period.last_day


def load_tables(con: Any, store_dir: Path, *, use_settlements: bool = True) -> GradingTables:
    """The store datasets as Ibis tables of connection *con* (DuckDB or PySpark).

    The derived ``settlements`` dataset is used when it is current (built from the very billing
    and payments files now in the store); ``use_settlements=False`` forces the reference path.
    """
    tables = {}
    for kind in ("customers", "billing", "payments"):
        source = store.dataset_source(store_dir, kind)
        if source is None:
            path = store.dataset_path(store_dir, kind)
            raise GradingError(f"the analytics store has no {kind} data yet ({path}); import a {kind} file first")
        tables[kind] = con.read_parquet(source)
    tolerance = settlement.current_tolerance(store_dir) if use_settlements else None
    if tolerance is None:
        return GradingTables(**tables)
    source = store.dataset_source(store_dir, settlement.KIND)
    if source is None:
        return GradingTables(**tables)
    settled = con.read_parquet(source)
    return GradingTables(**tables, settlements=settled, settlements_tolerance=tolerance)


def _days_between(later: ir.DateValue, earlier: ir.DateValue) -> ir.IntegerValue:
    return later.delta(earlier, unit="day")


_BILL_COLUMNS = ("customer_id", "period", "kwh", "amount_yuan", "due_date")
_PAID_TYPE = "decimal(38,2)"


def _settle(bills: ir.Table, payments: ir.Table, *, as_of: dt.date, rules: GradingRules) -> ir.Table:
    """*bills* with their known payments (``paid_yuan``) and the day they were settled (``settled_on``)."""
    known = payments.filter(payments.paid_on <= ibis.literal(as_of))
    daily = known.group_by(["customer_id", "period", "paid_on"]).aggregate(day_yuan=known.amount_yuan.sum())
    running = daily.mutate(
        paid_to_date=daily.day_yuan.sum().over(
            ibis.cumulative_window(group_by=[daily.customer_id, daily.period], order_by=daily.paid_on)
        )
    )
    bills = bills.select(*_BILL_COLUMNS)
    tolerance = ibis.literal(rules.settlement.tolerance_yuan, type="decimal(18,2)")
    joined = bills.left_join(running, ["customer_id", "period"])
    reached = joined.paid_to_date >= joined.amount_yuan - tolerance
    per_bill = joined.group_by(list(_BILL_COLUMNS)).aggregate(
        paid_yuan=ibis.coalesce(joined.day_yuan.sum(), ibis.literal(Decimal("0.00"), type="decimal(18,2)")),
        paid_off_on=reached.ifelse(joined.paid_on, ibis.null()).min(),
    )
    return per_bill.mutate(settled_on=(per_bill.amount_yuan == 0).ifelse(per_bill.due_date, per_bill.paid_off_on)).drop(
        "paid_off_on"
    )


def bill_settlement(tables: GradingTables, *, as_of: dt.date, rules: GradingRules = DEFAULT_RULES) -> ir.Table:
    """Every bill with its known payments (``paid_yuan``) and the day it was settled (``settled_on``).

    ``settled_on`` is null while the known payments do not reach the amount. Known payments are
    summed per day and accumulated in date order.

    With current ``settlements`` (same tolerance), a bill whose last payment is on or before
    ``as_of`` (or that has none) takes its precomputed answer; only the bills with a payment after
    ``as_of`` are settled again from their ``payment_days``. Otherwise (the reference path) every bill is
    joined to its known payments: one join and one aggregation per bill.
    """
    settled = tables.settlements
    if settled is None or tables.settlements_tolerance != rules.settlement.tolerance_yuan:
        return _settle(tables.billing, tables.payments, as_of=as_of, rules=rules)
    as_of_lit = ibis.literal(as_of)
    complete = settled.filter(settled.last_paid_on.isnull() | (settled.last_paid_on <= as_of_lit))
    resettled = _resettle(settled.filter(settled.last_paid_on > as_of_lit), as_of=as_of, rules=rules)
    columns = (*_BILL_COLUMNS, "paid_yuan", "settled_on")
    return _cast_paid(complete.select(*columns)).union(_cast_paid(resettled.select(*columns)))


def _resettle(bills: ir.Table, *, as_of: dt.date, rules: GradingRules) -> ir.Table:
    """*bills* (rows of ``settlements`` with a payment after *as_of*) settled with the payments
    known on *as_of* only: :func:`_settle` over their ``payment_days`` instead of the payments table.

    A bill paid on one day only (no ``payment_days``) was paid after *as_of*: nothing of it is known.
    """
    one_day = bills.filter(bills.payment_days.isnull())
    unknown = one_day.select(
        *_BILL_COLUMNS,
        paid_yuan=ibis.literal(Decimal("0.00"), type=_PAID_TYPE),
        settled_on=(one_day.amount_yuan == 0).ifelse(one_day.due_date, ibis.null("date")),
    )
    several = bills.filter(bills.payment_days.notnull())
    days = several.select(*_BILL_COLUMNS, day=several.payment_days.unnest())
    known = days.day.paid_on <= ibis.literal(as_of)
    tolerance = ibis.literal(rules.settlement.tolerance_yuan, type="decimal(18,2)")
    reached = known & (days.day.paid_to_date >= days.amount_yuan - tolerance)
    zero = ibis.literal(Decimal("0.00"), type="decimal(18,2)")
    per_bill = days.group_by(list(_BILL_COLUMNS)).aggregate(
        paid_yuan=known.ifelse(days.day.day_yuan, zero).sum(),
        paid_off_on=reached.ifelse(days.day.paid_on, ibis.null()).min(),
    )
    known_days = per_bill.select(
        *_BILL_COLUMNS,
        paid_yuan=per_bill.paid_yuan.cast(_PAID_TYPE),
        settled_on=(per_bill.amount_yuan == 0).ifelse(per_bill.due_date, per_bill.paid_off_on),
    )
    return known_days.union(unknown)


def bills_that_count(
    tables: GradingTables, *, first: str, last: str, as_of: dt.date, rules: GradingRules = DEFAULT_RULES
) -> ir.Table:
    """The bills a grading of the window ``first`` … ``last`` needs, settled as of *as_of* (as
    :func:`bill_settlement`, with ``unpaid_yuan`` = max(0, amount − known payments) in place of
    ``paid_yuan``): every bill of the window, and the other bills that fell due before *as_of* and
    are not paid in full by then (arrears). The other bills (paid bills of older months, the bulk
    of the history) change no sum, count or maximum of the grading.

    From current ``settlements`` this reads only what it needs: the window's paid bills (their
    row groups, by the period statistics), the unpaid ones (by ``unpaid_yuan``), and the bills
    with a payment after *as_of*, settled again from their ``payment_days``: the payments table
    is not read at all.
    """
    settled = tables.settlements
    if settled is None or tables.settlements_tolerance != rules.settlement.tolerance_yuan:
        bills = _unpaid(bill_settlement(tables, as_of=as_of, rules=rules))
        return bills.filter(_counts(bills, first=first, last=last, as_of=as_of))
    as_of_lit = ibis.literal(as_of)
    columns = (*_BILL_COLUMNS, "settled_on", "unpaid_yuan")
    complete = settled.last_paid_on.isnull() | (settled.last_paid_on <= as_of_lit)
    in_window = (settled.period >= first) & (settled.period <= last)
    window = settled.filter(in_window, complete)
    arrears = settled.filter(settled.unpaid_yuan > 0, settled.due_date < as_of_lit, ~in_window, complete)
    resettled = _resettle(settled.filter(settled.last_paid_on > as_of_lit), as_of=as_of, rules=rules)
    resettled = _unpaid(resettled)
    resettled = resettled.filter(_counts(resettled, first=first, last=last, as_of=as_of))
    # Settled once and for all (every payment known): the stored unpaid_yuan is the answer.
    return window.select(*columns).union(arrears.select(*columns)).union(resettled.select(*columns))


def _unpaid(bills: ir.Table) -> ir.Table:
    """Settled *bills* with ``unpaid_yuan`` = max(0, amount − paid_yuan) (never above the amount)."""
    unpaid = ibis.greatest(ibis.literal(Decimal("0.00"), type="decimal(18,2)"), bills.amount_yuan - bills.paid_yuan)
    return bills.select(*_BILL_COLUMNS, "settled_on", unpaid_yuan=unpaid.cast("decimal(18,2)"))


def _counts(bills: ir.Table, *, first: str, last: str, as_of: dt.date) -> ir.BooleanValue:
    """Whether a settled bill counts for the grading of the window (see :func:`bills_that_count`)."""
    in_window = (bills.period >= first) & (bills.period <= last)
    return in_window | ((bills.due_date < ibis.literal(as_of)) & (bills.unpaid_yuan > 0))


def _cast_paid(bills: ir.Table) -> ir.Table:
    """``paid_yuan`` typed as the reference path types it (a sum of ``decimal(18,2)``)."""
    return bills.mutate(paid_yuan=bills.paid_yuan.cast(_PAID_TYPE))


def grading_table(tables: GradingTables, period: Period | str, rules: GradingRules = DEFAULT_RULES) -> ir.Table:
    """The grading of every customer in *tables* for *period*: one row per customer (:data:`RESULT_COLUMNS`)."""
    if isinstance(period, str):
        period = Period.parse(period)
    first, last, as_of = window_bounds(period, rules)
    as_of_lit = ibis.literal(as_of)
    zero_yuan = ibis.literal(Decimal("0.00"), type="decimal(18,2)")

    bills = bills_that_count(tables, first=first, last=last, as_of=as_of, rules=rules)
    in_window = (bills.period >= first) & (bills.period <= last)
    # A bill of W that fell due by as_of is late unless settled by its due date.
    late = in_window & (bills.due_date <= as_of_lit) & (bills.settled_on.isnull() | (bills.settled_on > bills.due_date))
    days_late = _days_between(ibis.coalesce(bills.settled_on, as_of_lit), bills.due_date)
    # Arrears: every bill that fell due before as_of, in or out of the window.
    owed = (bills.due_date < as_of_lit).ifelse(bills.unpaid_yuan, zero_yuan)
    per_customer = bills.group_by("customer_id").aggregate(
        annual_kwh=in_window.ifelse(bills.kwh, 0.0).sum(),
        annual_revenue=in_window.ifelse(bills.amount_yuan, zero_yuan).sum(),
        active_months=(in_window & (bills.kwh > 0)).ifelse(1, 0).sum(),
        late_payments=late.ifelse(1, 0).sum(),
        max_days_late=late.ifelse(days_late, 0).max(),
        overdue_yuan=owed.sum(),
    )

    customers = tables.customers
    base = customers.left_join(per_customer, "customer_id").select(
        customers.customer_id,
        customers.voltage_kv,
        customers.contract_capacity_kva,
        important_grade=customers.important_grade,
        annual_kwh=ibis.coalesce(per_customer.annual_kwh, 0.0).round(KWH_DECIMALS),
        annual_revenue=ibis.coalesce(per_customer.annual_revenue, zero_yuan).round(2),
        active_months=ibis.coalesce(per_customer.active_months, 0).cast("int64"),
        late_payments=ibis.coalesce(per_customer.late_payments, 0).cast("int64"),
        max_days_late=ibis.coalesce(per_customer.max_days_late, 0).cast("int64"),
        overdue_yuan=ibis.coalesce(per_customer.overdue_yuan, zero_yuan).cast(_PAID_TYPE),
    )
    return _score(base, rules)


def _score(base: ir.Table, rules: GradingRules) -> ir.Table:
    credit, key, grade = rules.credit, rules.key_account, rules.grade

    has_arrears = base.overdue_yuan > 0
    long_late = base.max_days_late > credit.long_late_days
    raw_credit = (
        credit.base
        - credit.late_payment_deduction * base.late_payments
        - has_arrears.ifelse(credit.overdue_deduction, 0)
        - long_late.ifelse(credit.long_late_deduction, 0)
    )
    credit_score = ibis.greatest(credit.floor, ibis.least(credit.ceiling, raw_credit)).cast("int64")

    high_voltage = base.voltage_kv >= key.min_voltage_kv
    active = base.active_months >= key.min_active_months
    by_kwh = base.annual_kwh >= key.min_annual_kwh
    by_capacity = base.contract_capacity_kva >= key.min_contract_capacity_kva
    by_important = (
        base.important_grade.isin(list(key.important_grades)).fill_null(False)
        if key.important_grades
        else ibis.literal(False)
    )
    key_account = high_voltage & active & (by_kwh | by_capacity | by_important)

    scored = base.mutate(
        credit_score=credit_score,
        key_account=key_account.fill_null(False),
        _has_arrears=has_arrears,
        _long_late=long_late,
        _high_voltage=high_voltage.fill_null(False),
        _active=active,
        _by_kwh=by_kwh,
        _by_capacity=by_capacity.fill_null(False),
        _by_important=by_important,
    )
    # percent_rank within the key accounts only: partition by the key flag, null it for the others.
    rank = ibis.percent_rank().over(group_by=scored.key_account, order_by=scored.annual_revenue)
    scored = scored.mutate(value_rank=scored.key_account.ifelse(rank.cast("float64"), ibis.null("float64")))
    grade_expr = ibis.cases(
        (scored.credit_score < grade.c_below_credit, "C"),
        (
            (scored.value_rank >= grade.a_min_value_rank) & (scored.credit_score >= grade.a_min_credit),
            "A",
        ),
        else_="B",
    )
    scored = scored.mutate(grade=scored.key_account.ifelse(grade_expr, ibis.null("string")))
    return scored.select(*RESULT_COLUMNS[:-1], reason_codes=_reason_codes(scored, rules))


def _reason_codes(t: ir.Table, rules: GradingRules) -> ir.StringValue:
    """Which rules decided this row, as codes joined by :data:`REASON_SEPARATOR`.

    The words (zh/en) and the numbers behind each code are produced by
    :func:`powerkam.analytics.grading_reasons.explain` from the row and the rules.
    """

    def code(condition: ir.BooleanValue, name: str) -> ir.StringValue:
        assert name in REASON_CODES, name
        return condition.ifelse(REASON_SEPARATOR + name, "")

    grade = rules.grade
    parts = [
        # Why it is (or is not) a key account.
        code(t.key_account & t._by_kwh, "key_by_kwh"),
        code(t.key_account & t._by_capacity, "key_by_capacity"),
        code(t.key_account & t._by_important, "key_by_important"),
        code(~t._high_voltage, "not_key_voltage"),
        code(~t._active, "not_key_inactive"),
        code(~(t._by_kwh | t._by_capacity | t._by_important), "not_key_small"),
        # What lowered the credit score.
        code(t.late_payments > 0, "credit_late"),
        code(t._has_arrears, "credit_overdue"),
        code(t._long_late, "credit_long_late"),
        code((t.late_payments == 0) & ~t._has_arrears & ~t._long_late, "credit_clean"),
        # Why it got its grade.
        code(t.grade == "C", "grade_c"),
        code(t.grade == "A", "grade_a"),
        code((t.grade == "B") & (t.value_rank < grade.a_min_value_rank), "grade_b_rank"),
        code((t.grade == "B") & (t.value_rank >= grade.a_min_value_rank), "grade_b_credit"),
    ]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.concat(part)
    return joined.substr(len(REASON_SEPARATOR))  # every row has at least one code: drop the first separator


def has_billing(tables: GradingTables, period: Period | str) -> bool:
    """Whether the store holds any bill for *period* (a run for a period without bills is refused)."""
    # One bill is enough: stop at the first (a scan of the whole column only when there is none).
    # (to_pyarrow, not execute: no pandas needed for one number.)
    count = tables.billing.filter(tables.billing.period == str(period)).limit(1).count().to_pyarrow()
    return bool(count.as_py())


def evaluate(tables: GradingTables, period: Period | str, rules: GradingRules = DEFAULT_RULES) -> pa.Table:
    """Run the grading of *period* and fetch it as an Arrow table ordered by customer id.

    Refuses a period for which the store holds no bill at all: grading it would call every
    customer inactive and silently drop every key account.
    """
    if isinstance(period, str):
        period = Period.parse(period)
    if not has_billing(tables, period):
        raise GradingError(f"the analytics store has no billing data for {period}; import that month's billing first")
    return grading_table(tables, period, rules).order_by("customer_id").to_pyarrow()
