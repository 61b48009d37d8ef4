"""Builders for the visits tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User

from factories import AccountFactory, AssignmentFactory
from powerkam.accounts.models import Account, AssignmentRole, KeyStatus
from powerkam.grading.models import AccountGrade, Change, GradingRun, RunStatus
from powerkam.visits.models import Visit, VisitSource

D = dt.date
KEY_SINCE = D(2026, 1, 31)


def key_account(
    customer_id: str,
    grade: str,
    *,
    key_since: dt.date | None = KEY_SINCE,
    manager: User | None = None,
    district: str = "东城区",
    name: str | None = None,
) -> Account:
    account = AccountFactory(
        customer_id=customer_id,
        name=name or f"客户{customer_id}",
        key_status=KeyStatus.KEY,
        grade=grade,
        key_since=key_since,
        district=district,
        credit_score=90,
        voltage_kv=Decimal("10"),
    )
    if manager is not None:
        AssignmentFactory(account=account, staff=manager, role=AssignmentRole.PRIMARY)
    return account


def visit(account: Account, on: dt.date, *, staff: User | None = None, imported: bool = False) -> Visit:
    return Visit.objects.create(
        account=account,
        visited_on=on,
        staff=staff,
        source=VisitSource.IMPORTED if imported else VisitSource.RECORDED,
    )


def graded(account: Account, period: str, grade: str, *, key: bool = True) -> AccountGrade:
    """Record a succeeded grading run for ``period`` (as_of = its last day) that graded ``account``."""
    year, month = int(period[:4]), int(period[5:7])
    nxt = D(year + (month == 12), month % 12 + 1, 1)
    as_of = nxt - dt.timedelta(days=1)
    run = GradingRun.objects.filter(period=period).first() or GradingRun.objects.create(
        period=period, as_of=as_of, rules_toml="", rules_sha256="0" * 64, status=RunStatus.SUCCEEDED
    )
    return AccountGrade.objects.create(
        run=run,
        account=account,
        key_account=key,
        grade=grade if key else "",
        credit_score=90,
        annual_kwh=2_000_000.0,
        annual_revenue_yuan=Decimal("1400000.00"),
        active_months=12,
        late_payments=0,
        max_days_late=0,
        overdue_yuan=Decimal("0"),
        change=Change.SAME,
    )
