"""The 360 page's figures from the analytics store (monthly history, load curve, payment record),
read through one in-memory DuckDB database per process (:func:`store_cursor`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import duckdb
from django.conf import settings
from django.utils import timezone

from powerkam.accounts.models import Account, Tariff
from powerkam.analytics import accounts as account_figures
from powerkam.analytics.charges import late_payment_penalty

# ---- figures from the analytics store ------------------------------------------------------------


#: One in-memory DuckDB database per process, shared by the 360 page's store sections: opening a
#: database costs more (~15 ms) than reading one customer's rows from the sorted Parquet files.
#: Each request works on a cursor of its own (a DuckDB connection is not shared between threads).
_store_db: duckdb.DuckDBPyConnection | None = None
_store_db_lock = threading.Lock()
#: The shared database reads a few customers' rows at a time; DuckDB's file cache stays within this.
STORE_DB_MEMORY = "512MB"


@contextmanager
def store_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    global _store_db  # one per process, opened on first use (after a server forks)
    with _store_db_lock:
        if _store_db is None:
            _store_db = duckdb.connect(":memory:", config={"memory_limit": STORE_DB_MEMORY})
        cursor = _store_db.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def account_monthly_history(*, account: Account) -> list[account_figures.MonthFigures]:
    with store_cursor() as con:
        return account_figures.monthly_history(settings.ANALYTICS_DIR, account.customer_id, con=con)


def account_load_curve(*, account: Account) -> account_figures.LoadCurve:
    with store_cursor() as con:
        return account_figures.typical_load_curve(settings.ANALYTICS_DIR, account.customer_id, con=con)


@dataclass(frozen=True)
class PaymentRecord:
    as_of: dt.date
    bills: list[account_figures.Bill]
    billed_yuan: Decimal
    outstanding_yuan: Decimal
    arrears_yuan: Decimal
    late_bills: int
    max_days_late: int
    #: Late-payment penalty accrued on the bills in arrears as of ``as_of`` (《供电营业规则》, docs/rules.md §6)
    penalty_yuan: Decimal = Decimal("0")


def account_payment_record(*, account: Account, as_of: dt.date | None = None, months: int = 36) -> PaymentRecord:
    as_of = as_of or timezone.localdate()
    with store_cursor() as con:
        bills = account_figures.bill_record(
            settings.ANALYTICS_DIR, account.customer_id, as_of=as_of, months=months, con=con
        )
    return PaymentRecord(
        as_of=as_of,
        bills=bills,
        billed_yuan=sum((b.amount_yuan for b in bills), Decimal("0")),
        outstanding_yuan=sum((b.outstanding_yuan for b in bills), Decimal("0")),
        arrears_yuan=sum((b.outstanding_yuan for b in bills if b.in_arrears), Decimal("0")),
        late_bills=sum(1 for b in bills if b.late),
        max_days_late=max((b.days_late for b in bills), default=0),
        penalty_yuan=sum(
            (
                late_payment_penalty(
                    arrears_yuan=b.outstanding_yuan,
                    due_date=b.due_date,
                    as_of=as_of,
                    residential=account.tariff == Tariff.RESIDENTIAL,
                )
                for b in bills
                if b.in_arrears
            ),
            Decimal("0"),
        ),
    )
