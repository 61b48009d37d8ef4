"""Recording a run in sets (issue 21) gives exactly what the per-account code gave.

A generated base (the grading benchmark's store, 2,000 customers × 36 months) with a CRM seeded to
reach every branch: key accounts going up, down or staying, key accounts dropping out (in the
base and gone from it), former accounts rejoining, new key accounts (some with a group company in
the CRM), accounts in their new-project grace year (in the billing and not yet), a second period
compared with the first and an older period graded as a what-if. Each run is recorded the old way
(tests/grading/record_reference.py) inside a savepoint that is rolled back, then the new way; the
accounts, the run's grade rows, the accounts' history and the run's counts must be equal, row for row.
The reference carries the one decided change: a new account's history is one ``+`` row holding the
standing the run gives it (it used to be a blank ``+`` row and then a ``~`` row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.db import transaction

from benchmarks.grading_bench import make_store
from factories import AccountFactory, StaffFactory
from grading import record_reference
from powerkam.accounts.models import Account, KeyStatus
from powerkam.analytics import store
from powerkam.analytics.grading import evaluate, load_tables
from powerkam.analytics.grading_backends import connect
from powerkam.analytics.rules import GradingRules
from powerkam.analytics.settlement import build_settlements
from powerkam.grading import recording, services
from powerkam.grading.models import AccountGrade, GradingRun
from powerkam.prospects.models import Project, Stage
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db

Recorder = Callable[..., None]


class _Rollback(Exception):
    pass


@pytest.fixture
def base(settings, tmp_path: Path) -> pa.Table:
    """The generated store, its customers' result for 2026-09, and a CRM seeded from it."""
    settings.ANALYTICS_DIR = tmp_path / "store"
    make_store(settings.ANALYTICS_DIR, 2000)
    path = store.dataset_path(settings.ANALYTICS_DIR, "customers")
    customers = pq.read_table(path)
    result = evaluate(load_tables(connect("duckdb"), settings.ANALYTICS_DIR), "2026-09")
    key = result.filter(pc.fill_null(result["key_account"], False))["customer_id"].to_pylist()
    high_voltage_not_key = result.filter(
        pc.and_(pc.invert(pc.fill_null(result["key_account"], False)), pc.greater_equal(result["voltage_kv"], 10))
    )["customer_id"].to_pylist()
    low_voltage = result.filter(pc.less(result["voltage_kv"], 10))["customer_id"].to_pylist()
    assert len(key) > 120
    assert len(high_voltage_not_key) > 8
    # Group companies: five new key accounts belong to G1 (in the CRM), two to a key account that is
    # new too (not linked: the per-account code looked parents up before creating anything).
    parents = dict.fromkeys(key[100:105], "G1") | dict.fromkeys(key[106:108], key[110])
    customers = customers.set_column(
        customers.schema.get_field_index("parent_id"),
        "parent_id",
        pa.array([parents.get(cid) for cid in customers["customer_id"].to_pylist()], pa.string()),
    )
    pq.write_table(customers, path)
    build_settlements(settings.ANALYTICS_DIR)

    AccountFactory(customer_id="G1", name="示范集团")
    for i, cid in enumerate(key[:40]):  # key accounts already graded: some go up, some down, some stay
        AccountFactory(customer_id=cid, key_status=KeyStatus.KEY, key_since=dt.date(2024, 1, 31), grade="ABC"[i % 3])
    for cid in key[40:45]:  # former key accounts that rejoin
        AccountFactory(customer_id=cid, key_status=KeyStatus.FORMER, credit_score=55)
    for cid in high_voltage_not_key[:8]:  # key accounts the rules now drop
        AccountFactory(customer_id=cid, key_status=KeyStatus.KEY, grade="B", credit_score=80)
    for cid in low_voltage[:5]:  # candidates that stay candidates
        AccountFactory(customer_id=cid)
    for n in range(3):  # key accounts gone from the customer base
        AccountFactory(customer_id=f"GONE{n}", key_status=KeyStatus.KEY, grade="A", credit_score=95)
    AccountFactory(customer_id="GONE-CANDIDATE")
    on = dt.date(2026, 5, 1)
    for cid in ("NEW-PROJECT", high_voltage_not_key[8]):  # grace year: not billed yet, and billed but small
        account = AccountFactory(customer_id=cid, key_status=KeyStatus.KEY, key_since=on, grade="B", credit_score=90)
        Project.objects.create(
            project_id=f"P-{cid}", name=f"项目{cid}", stage=Stage.ENERGISED, stage_since=on, account=account
        )
    return customers


def _record(recorder: Recorder, period: str, **how: Any) -> dict[str, Any]:
    run = services.grading_run_create(period=period, **how)
    rules = GradingRules.from_toml(run.rules_toml)
    result = evaluate(load_tables(connect("duckdb"), services._store_dir()), run.period, rules)
    recorder(run=run, result=result, rules=rules)
    run.refresh_from_db()
    return _snapshot(run)


def _snapshot(run: GradingRun) -> dict[str, Any]:
    """Everything the run wrote, keyed by customer id (ids, timestamps and the run's number left out)."""
    tag = f"#{run.pk} "
    skip = {"id", "created_at", "updated_at", "parent"}
    fields = [f.attname for f in Account._meta.concrete_fields if f.name not in skip]
    accounts = {
        a["customer_id"]: a
        for a in Account.objects.values(*fields, "parent__customer_id", "created_at", "updated_at").order_by(
            "customer_id"
        )
    }
    assert all(a.pop("created_at") and a.pop("updated_at") for a in accounts.values())
    history_fields = [*fields, "parent__customer_id", "history_type", "history_change_reason", "history_user_id"]
    history: dict[str, list[dict[str, Any]]] = {}
    for h in Account.history.values(*history_fields).order_by("history_id"):
        h["history_change_reason"] = (h["history_change_reason"] or "").replace(tag, "#RUN ")
        history.setdefault(h["customer_id"], []).append(h)
    grade_fields = [f.attname for f in AccountGrade._meta.concrete_fields if f.name not in ("id", "run", "account")]
    grades = {
        g.pop("account__customer_id"): g
        for g in AccountGrade.objects.filter(run=run).values("account__customer_id", *grade_fields)
    }
    run_fields = [
        f.attname
        for f in GradingRun._meta.concrete_fields
        if f.name not in ("id", "created_at", "started_at", "finished_at", "compared_with")
    ]
    summary = GradingRun.objects.filter(pk=run.pk).values(*run_fields).get()
    summary["compared_with"] = run.compared_with.period if run.compared_with else None
    return {"accounts": accounts, "grades": grades, "history": history, "run": summary}


def _both_ways(period: str, **how: Any) -> dict[str, Any]:
    """Record *period* the old way (rolled back), then the new way; both must write the same rows."""
    try:
        with transaction.atomic():
            old = _record(record_reference.record, period, **how)
            raise _Rollback
    except _Rollback:
        pass
    new = _record(services._record, period, **how)
    for part in ("run", "accounts", "grades", "history"):
        assert new[part].keys() == old[part].keys(), part
        for key in old[part]:
            assert new[part][key] == old[part][key], (part, key)
    return new


@pytest.mark.slow
@pytest.mark.parametrize("bulk_load_min_rows", [recording.BULK_LOAD_MIN_ROWS, 1], ids=["indexed", "first-load"])
def test_recording_in_sets_writes_what_the_per_account_code_wrote(
    base: pa.Table, bulk_load_min_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "first-load": the new accounts, their history and the grade rows go in without their tables'
    # secondary indexes, built again after (recording.bulk_load), as at 1,000,000 customers.
    monkeypatch.setattr(recording, "BULK_LOAD_MIN_ROWS", bulk_load_min_rows)
    supervisor = StaffFactory(role=Role.SUPERVISOR, user__username="zhangwei").user

    first = _both_ways("2026-09", by=supervisor)
    run = first["run"]
    assert run["baseline"] == "accounts"
    assert run["accounts_created"] > 80
    assert run["joined"] >= run["accounts_created"]
    assert run["went_up"] > 0
    assert run["went_down"] > 0
    assert run["left"] >= 11
    changes = {g["change"] for g in first["grades"].values()}
    assert changes == {"joined", "left", "up", "down", "same", "none"}
    accounts = first["accounts"]
    linked = [a for a in accounts.values() if a["parent__customer_id"] == "G1"]
    assert len(linked) == 5
    assert accounts["GONE0"]["key_status"] == KeyStatus.FORMER
    assert accounts["GONE-CANDIDATE"]["key_status"] == KeyStatus.CANDIDATE
    assert accounts["NEW-PROJECT"]["key_status"] == KeyStatus.KEY
    assert [r["code"] for r in first["grades"]["NEW-PROJECT"]["reasons"]] == ["key_new_project"]
    assert first["grades"]["GONE0"]["reasons"] == [{"code": "not_in_customer_base", "params": {}}]
    # A new account is written once with its standing: one "+" row holding it, no "~" row (issue 21).
    by_run = "grading run #RUN (2026-09)"
    new_accounts = [cid for cid, rows in first["history"].items() if rows[0]["history_change_reason"] == by_run]
    assert len(new_accounts) == run["accounts_created"]
    for cid in new_accounts:
        (created,) = first["history"][cid]
        assert created["history_type"] == "+"
        assert (created["key_status"], created["key_since"]) == (KeyStatus.KEY, dt.date(2026, 9, 30))
        assert created["grade"] == accounts[cid]["grade"] == first["grades"][cid]["grade"] != ""
        assert created["credit_score"] == accounts[cid]["credit_score"] is not None
    assert accounts[new_accounts[0]]["voltage_kv"] in (Decimal("10.00"), Decimal("35.00"))
    # An existing account the run changes still gets its "~" row.
    moved = next(cid for cid, g in first["grades"].items() if g["change"] in ("up", "down"))
    assert [(h["history_type"], h["history_change_reason"]) for h in first["history"][moved]] == [
        ("+", ""),
        ("~", by_run),
    ]

    second = _both_ways("2026-10", by=supervisor)
    assert second["run"]["baseline"] == "previous_period"
    assert second["run"]["compared_with"] == "2026-09"
    assert second["run"]["accounts_created"] == 0

    what_if = _both_ways("2026-08")
    assert what_if["run"]["what_if"]
    assert what_if["run"]["baseline"] == "nothing"
    assert what_if["accounts"] == second["accounts"]  # a what-if changes no account


def test_a_customer_row_the_model_refuses_fails_the_run_naming_it_and_writes_nothing(settings, tmp_path: Path) -> None:
    from django.utils import translation

    from grading.grading_store import customer, monthly_bills, pay_on_time, periods_ending, write_store
    from powerkam.core.errors import ApplicationError

    settings.ANALYTICS_DIR = tmp_path / "store"
    window = periods_ending("2026-10", 12)
    rows = [customer("GOOD"), customer("BAD", tariff="bogus_tariff"), customer("LONG", name="名" * 201)]
    bills = [b for c in ("GOOD", "BAD", "LONG") for b in monthly_bills(c, window)]
    write_store(settings.ANALYTICS_DIR, customers=rows, billing=bills, payments=pay_on_time(bills))
    kept = AccountFactory(customer_id="KEPT", key_status=KeyStatus.KEY, grade="A")
    run = services.grading_run_create(period="2026-10")
    with translation.override("en"), pytest.raises(ApplicationError) as failed:
        services.grading_run_execute(run=run)
    assert "Customer BAD in the customers data cannot become a CRM account: tariff:" in failed.value.message
    assert "bogus_tariff" in failed.value.message
    run.refresh_from_db()
    assert run.status == "failed"
    assert "BAD" in run.error
    assert list(Account.objects.values_list("customer_id", flat=True)) == ["KEPT"]
    assert not AccountGrade.objects.exists()
    kept.refresh_from_db()
    assert (kept.key_status, kept.grade) == (KeyStatus.KEY, "A")
    assert kept.history.count() == 1
