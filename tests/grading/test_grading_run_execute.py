"""grading_run_create / grading_run_execute: a run is kept, and the CRM learns the result in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from factories import AccountFactory, StaffFactory, UserFactory
from grading.grading_store import SAMPLES, customer, monthly_bills, pay_on_time, periods_ending, write_store
from powerkam.accounts.models import Account, KeyStatus
from powerkam.accounts.selectors import account_history
from powerkam.analytics.rules import DEFAULT_RULES, GradingRules
from powerkam.core.errors import ApplicationError
from powerkam.grading.models import AccountGrade, Change, GradingRun, RunStatus
from powerkam.grading.selectors import account_grade_history, latest_value_ranks, run_changes
from powerkam.grading.services import grading_run_create, grading_run_execute
from powerkam.imports.services import import_file
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in English here (the site default, Chinese, is checked in the pages' tests)."""
    with translation.override("en"):
        yield


W = periods_ending("2026-10", 12)


@pytest.fixture
def samples_imported(store_dir: Path) -> Path:
    """The sample area through the real importer (customers at ≥ 10 kV become CRM accounts)."""
    for kind in ("customers", "billing", "payments"):
        import_file(kind=kind, path=SAMPLES / f"{kind}.csv")
    return store_dir


def run_now(period: str = "2026-10", by: User | None = None, rules_text: str | None = None) -> GradingRun:
    return grading_run_execute(run=grading_run_create(period=period, by=by, rules_text=rules_text))


def test_a_run_on_the_samples_records_every_crm_account_and_updates_the_key_accounts(samples_imported: Path) -> None:
    supervisor = StaffFactory(role=Role.SUPERVISOR, user__username="zhangwei").user
    run = run_now(by=supervisor)

    assert run.status == RunStatus.SUCCEEDED
    assert (run.progress, run.progress_note) == (100, "done")
    assert (run.period, run.as_of, run.by) == ("2026-10", dt.date(2026, 10, 31), supervisor)
    assert run.rules_toml == DEFAULT_RULES.to_toml()
    assert run.rules_sha256 == DEFAULT_RULES.sha256
    assert (run.customers_evaluated, run.key_accounts) == (416, 190)
    assert (run.grade_a, run.grade_b, run.grade_c) == (28, 138, 24)
    assert (run.joined, run.left, run.went_up, run.went_down, run.accounts_created) == (190, 0, 0, 0, 0)
    assert run.started_at <= run.finished_at

    e003 = Account.objects.get(customer_id="E003")
    assert (e003.key_status, e003.key_since, e003.grade, e003.credit_score) == (KeyStatus.KEY, run.as_of, "B", 100)
    # The value rank is the run's figure, kept in its grade row (issue 21), and what the API gives.
    assert AccountGrade.objects.get(run=run, account=e003).value_rank == pytest.approx(0.423280423, abs=1e-9)
    e013 = Account.objects.get(customer_id="E013")  # 10 kV but only 4 active months: a candidate, with reasons
    assert (e013.key_status, e013.grade) == (KeyStatus.CANDIDATE, "")
    assert AccountGrade.objects.get(run=run, account=e013).value_rank is None
    ranks = latest_value_ranks([e003.pk, e013.pk, 10**9])
    assert ranks[e003.pk] == pytest.approx(0.423280423, abs=1e-9)
    assert ranks[e013.pk] is None
    assert 10**9 not in ranks
    assert not Account.objects.filter(customer_id="E001").exists()  # 0.4 kV stays in the store only

    # One AccountGrade per CRM account, with the figures and the reasons.
    assert AccountGrade.objects.filter(run=run).count() == Account.objects.count()
    g = AccountGrade.objects.get(run=run, account__customer_id="E008")
    assert (g.key_account, g.grade, g.credit_score, g.late_payments, g.max_days_late) == (True, "B", 70, 1, 16)
    assert g.overdue_yuan == Decimal("630000.00")
    assert g.annual_revenue_yuan == Decimal("7560000.00")
    assert [r["code"] for r in g.reasons] == [
        "key_by_kwh",
        "key_by_capacity",
        "credit_late",
        "credit_overdue",
        "grade_b_credit",
    ]
    assert g.change == Change.JOINED
    # Shares of the whole base for the roster.
    assert run.base_revenue_yuan > run.key_revenue_yuan > 0
    assert 0 < run.key_kwh_share < 1

    # The account's history says which run changed it, and why.
    last = e003.history.latest()
    assert last.history_change_reason == f"grading run #{run.pk} (2026-10)"
    assert last.history_user == supervisor


def test_new_key_accounts_are_created_from_the_store_with_their_master_data(store_dir: Path) -> None:
    parent = AccountFactory(customer_id="G1", name="示范集团")
    write_store(
        store_dir,
        customers=[
            customer("NEW", name="新大客户", district="东区", parent_id="G1", important_grade="first", industry="C"),
            customer("SMALL", contract_capacity_kva=100),
        ],
        billing=monthly_bills("NEW", W) + monthly_bills("SMALL", W, kwh=10),
        payments=pay_on_time(monthly_bills("NEW", W)),
    )
    run = run_now()
    assert run.accounts_created == 1
    new = Account.objects.get(customer_id="NEW")
    assert (new.name, new.district, new.parent, new.important_grade, new.industry) == (
        "新大客户",
        "东区",
        parent,
        "first",
        "C",
    )
    assert (new.voltage_kv, new.contract_capacity_kva) == (Decimal("10.00"), Decimal("2500.00"))
    assert (new.key_status, new.key_since, new.grade) == (KeyStatus.KEY, dt.date(2026, 10, 31), "B")
    assert not Account.objects.filter(customer_id="SMALL").exists()  # not key, not in the CRM: nothing to create
    assert new.history.count() >= 1


def test_a_new_key_account_is_written_once_with_its_standing_and_an_existing_one_gets_its_change(
    store_dir: Path,
) -> None:
    supervisor = StaffFactory(role=Role.SUPERVISOR, user__username="zhangwei").user
    old = AccountFactory(customer_id="OLD", key_status=KeyStatus.KEY, grade="A", key_since=dt.date(2025, 1, 31))
    bills = monthly_bills("NEW", W) + monthly_bills("OLD", W)
    write_store(store_dir, customers=[customer("NEW"), customer("OLD")], billing=bills, payments=pay_on_time(bills))
    run = run_now(by=supervisor)
    assert run.accounts_created == 1
    reason = f"grading run #{run.pk} (2026-10)"

    # The new account: one "+" row, holding the standing the run gave it (issue 21 part 1).
    new = Account.objects.get(customer_id="NEW")
    assert (new.key_status, new.key_since, new.grade) == (KeyStatus.KEY, run.as_of, "B")
    (created,) = new.history.all()
    assert (created.history_type, created.history_change_reason, created.history_user) == ("+", reason, supervisor)
    assert (created.key_status, created.key_since, created.grade, created.credit_score) == (
        new.key_status,
        new.key_since,
        new.grade,
        new.credit_score,
    )
    assert created.value_rank is None  # the run's figure: in the grade row, not the account (issue 21)
    assert AccountGrade.objects.get(run=run, account=new).change == Change.JOINED
    assert [e.what for e in account_history(account=new)] == ["Account created"]  # the 360 page

    # The existing account that changes: its "~" row after the one it had.
    old.refresh_from_db()
    assert (old.grade, old.key_since) == ("B", dt.date(2025, 1, 31))
    rows = list(old.history.order_by("history_id"))
    assert [h.history_type for h in rows] == ["+", "~"]
    assert (rows[1].grade, rows[1].history_change_reason) == ("B", reason)
    assert [e.what for e in account_history(account=old)] == ["Account changed", "Account created"]


def _store_for(store_dir: Path, late: dict[str, int], active: dict[str, int]) -> None:
    """Four key accounts; ``late`` = number of bills paid 40 days late; ``active`` = months with energy."""
    customers, billing, payments = [], [], []
    for cid, amount in (("A1", "900000.00"), ("A2", "800000.00"), ("B1", "1000.00"), ("B2", "900.00")):
        customers.append(customer(cid))
        bills = monthly_bills(cid, W, amount=amount)
        for bill in bills[: 12 - active.get(cid, 12)]:
            bill["kwh"] = 0
        billing += bills
        on_time = pay_on_time(bills)
        for p in on_time[: late.get(cid, 0)]:
            p["paid_on"] += dt.timedelta(days=45)
        payments += on_time
    write_store(store_dir, customers=customers, billing=billing, payments=payments)


def test_a_second_run_tells_who_joined_left_went_up_or_down_and_keeps_former_accounts(store_dir: Path) -> None:
    _store_for(store_dir, late={"A2": 5}, active={"B2": 5})  # A2 pays late five times (C), B2 is not key
    first = run_now()
    assert {a.customer_id: a.grade for a in Account.objects.filter(key_status=KeyStatus.KEY)} == {
        "A1": "A",
        "A2": "C",
        "B1": "B",
    }
    key_since = Account.objects.get(customer_id="B1").key_since

    # Later: A1 pays late five times (A → C), A2 pays on time (C → B), B1 goes inactive, B2 becomes active.
    _store_for(store_dir, late={"A1": 5}, active={"B1": 5})
    second = run_now()
    changes = {g.account.customer_id: g for g in run_changes(run=second, user=UserFactory(is_superuser=True))}
    assert {cid: g.change for cid, g in changes.items()} == {
        "A1": Change.DOWN,
        "A2": Change.UP,
        "B1": Change.LEFT,
        "B2": Change.JOINED,
    }
    assert changes["A1"].previous_grade == "A"
    assert (second.joined, second.left, second.went_up, second.went_down) == (1, 1, 1, 1)
    assert any(r["code"] == "not_key_inactive" for r in changes["B1"].reasons)

    b1 = Account.objects.get(customer_id="B1")
    assert (b1.key_status, b1.grade, b1.key_since) == (KeyStatus.FORMER, "", key_since)  # kept, never deleted
    history = list(account_grade_history(account=b1))
    assert [(h.run, h.key_account) for h in history] == [(second, False), (first, True)]

    # Back again: a former key account re-joins and keeps the day it first became one.
    _store_for(store_dir, late={}, active={})
    third = run_now()
    b1.refresh_from_db()
    assert (b1.key_status, b1.key_since) == (KeyStatus.KEY, key_since)
    assert AccountGrade.objects.get(run=third, account=b1).change == Change.JOINED


def test_a_key_account_missing_from_the_customer_base_becomes_former(store_dir: Path) -> None:
    AccountFactory(customer_id="GONE", key_status=KeyStatus.KEY, grade="B", key_since=dt.date(2025, 1, 31))
    write_store(store_dir, customers=[customer("X")], billing=monthly_bills("X", W))
    run = run_now()
    gone = Account.objects.get(customer_id="GONE")
    assert (gone.key_status, gone.grade) == (KeyStatus.FORMER, "")
    grade = AccountGrade.objects.get(run=run, account=gone)
    assert (grade.change, grade.reasons[0]["code"]) == (Change.LEFT, "not_in_customer_base")
    assert run.left == 1


def test_a_run_with_custom_rules_keeps_them(store_dir: Path) -> None:
    bills = monthly_bills("X", W, kwh=50_000)  # 600,000 kWh a year, 100 kVA: not a key account by default
    write_store(store_dir, customers=[customer("X", contract_capacity_kva=100)], billing=bills)
    assert run_now().key_accounts == 0
    run = run_now(rules_text="[key_account]\nmin_annual_kwh = 500000\n")
    assert GradingRules.from_toml(run.rules_toml).key_account.min_annual_kwh == 500_000
    assert run.rules_sha256 != DEFAULT_RULES.sha256
    assert run.key_accounts == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "2026-13"}, "YYYY-MM"),
        ({"period": "2027-01"}, "no billing data for 2027-01"),
        ({"period": "2026-10", "rules_text": "[credit]\nbase = -1"}, "'credit.base' must not be negative"),
        ({"period": "2026-10", "backend": "oracle"}, "Unknown engine"),
    ],
)
def test_a_bad_request_is_refused_before_anything_is_kept(store_dir: Path, kwargs: dict, message: str) -> None:
    write_store(store_dir, customers=[customer("X")], billing=monthly_bills("X", W))
    with pytest.raises(ApplicationError, match=message):
        grading_run_create(**kwargs)
    assert not GradingRun.objects.exists()


def test_an_empty_store_is_a_clear_error(store_dir: Path) -> None:
    with pytest.raises(ApplicationError, match="no customers data yet"):
        grading_run_create(period="2026-10")


def test_a_run_that_fails_keeps_its_error_and_changes_nothing(store_dir: Path) -> None:
    account = AccountFactory(customer_id="X", key_status=KeyStatus.KEY, grade="A")
    write_store(store_dir, customers=[customer("X")], billing=monthly_bills("X", W))
    run = grading_run_create(period="2026-10")
    (store_dir / "payments.parquet").unlink()  # the store changed under the queued run
    with pytest.raises(ApplicationError, match="no payments data"):
        grading_run_execute(run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "payments" in run.error
    assert run.finished_at is not None
    account.refresh_from_db()
    assert (account.key_status, account.grade) == (KeyStatus.KEY, "A")
    assert not AccountGrade.objects.exists()
    with pytest.raises(ApplicationError, match="already been executed"):
        grading_run_execute(run=run)
