"""The per-account recording of a grading run, as it was before issue 21 (kept as the reference).

``record`` is the CRM side of a run as ``powerkam.grading.services`` did it until the recording
became set-based: one Python loop over the accounts (reasons, change, new standing), accounts
created one model at a time, ``bulk_update_with_history``. The equality test records the same
generated base this way and the new way and compares every row.

One decided change is carried over (issue 21 part 1): a new account is written once, already with
its standing, and its one ``+`` history row holds that standing — the old code wrote a blank ``+``
row and then a ``~`` row with the standing. Here the new accounts are inserted without history,
given their standing with the others, and their ``+`` rows written as they then stand.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from powerkam.accounts.models import Account, Grade, KeyStatus
from powerkam.analytics import store
from powerkam.analytics.grading_reasons import Reason, explain
from powerkam.analytics.rules import GradingRules
from powerkam.grading.models import AccountGrade, Baseline, Change, GradingRun, RunStatus
from powerkam.grading.services import _progress, _recently_energised, _store_dir, is_what_if

BATCH = 1000
GRADE_ORDER = {Grade.C: 0, Grade.B: 1, Grade.A: 2}
NOT_IN_CUSTOMER_BASE = "not_in_customer_base"
STANDING = ["key_status", "key_since", "grade", "credit_score"]

#: An account's standing before a run: (key account, grade).
Standing = tuple[bool, str]


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def _decimal(value: Any, places: int = 2) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _new_accounts(customer_ids: Iterable[str], by: User | None, reason: str) -> dict[str, Account]:
    """CRM accounts for key accounts the CRM does not hold yet, from the store's customers dataset."""
    wanted = sorted(set(customer_ids))
    if not wanted:
        return {}
    table = pq.read_table(
        store.dataset_path(_store_dir(), "customers"), filters=[("customer_id", "in", wanted)]
    ).to_pylist()
    parents = Account.objects.in_bulk([r["parent_id"] for r in table if r["parent_id"]], field_name="customer_id")
    accounts = []
    for r in table:
        account = Account(
            customer_id=r["customer_id"],
            name=r["name"],
            parent=parents.get(r["parent_id"]) if r["parent_id"] else None,
            industry=r["industry"] or "",
            voltage_kv=_decimal(r["voltage_kv"]) or Decimal(0),
            contract_capacity_kva=_decimal(r["contract_capacity_kva"]) or Decimal(0),
            tariff=r["tariff"],
            basic_charge_mode=r["basic_charge_mode"] or "",
            feeders=r["feeders"] or "",
            important_grade=r["important_grade"] or "",
            district=r["district"] or "",
            address=r["address"] or "",
            latitude=_decimal(r["latitude"], 6),
            longitude=_decimal(r["longitude"], 6),
            connected_on=r["connected_on"],
        )
        account.full_clean(validate_unique=False, validate_constraints=False)
        accounts.append(account)
    Account.objects.bulk_create(accounts, batch_size=BATCH)  # their "+" history once they have their standing
    return Account.objects.in_bulk([a.customer_id for a in accounts], field_name="customer_id")


def _change(was_key: bool, was_grade: str, is_key: bool, grade: str) -> str:
    if is_key and not was_key:
        return Change.JOINED
    if was_key and not is_key:
        return Change.LEFT
    if not is_key:
        return Change.NONE
    before, after = GRADE_ORDER.get(Grade(was_grade)) if was_grade else None, GRADE_ORDER[Grade(grade)]
    if before is None or before == after:
        return Change.SAME
    return Change.UP if after > before else Change.DOWN


def _baseline(run: GradingRun, crm: dict[str, Account]) -> tuple[str, GradingRun | None, dict[int, Standing]]:
    """What the run's changes compare with: the previous period, never a later one.

    1. The run of the nearest earlier period (a published one if that period has one, else its newest
       what-if): the accounts' standing in that run.
    2. No earlier period graded, and no later one published: the accounts as they stand in the CRM
       (grades entered or imported before any run, or an earlier run of the same period).
    3. No earlier period, but a later one published (an older month graded after a newer one): nothing
       to compare with — every key account of the run counts as joined.
    """
    earlier = (
        GradingRun.objects.succeeded()
        .filter(period__lt=run.period)
        .exclude(pk=run.pk)
        .order_by("-period", "what_if", "-pk")
        .first()
    )
    if earlier is not None:
        standing = {
            account_id: (key, grade)
            for account_id, key, grade in AccountGrade.objects.filter(run=earlier).values_list(
                "account_id", "key_account", "grade"
            )
        }
        return Baseline.PREVIOUS_PERIOD, earlier, standing
    if GradingRun.objects.published().filter(period__gt=run.period).exists():
        return Baseline.NOTHING, None, {}
    return Baseline.ACCOUNTS, None, {a.pk: (a.key_status == KeyStatus.KEY, a.grade) for a in crm.values()}


def record(*, run: GradingRun, result: pa.Table, rules: GradingRules) -> None:
    """Everything the CRM learns from one run, in one transaction.

    A what-if (:func:`is_what_if`) records its grades and changes but leaves the accounts — their
    grades, key status and the accounts it would create — as they are.
    """
    is_key = result["key_account"].fill_null(False)
    key_rows = result.filter(is_key)
    totals = {
        "customers_evaluated": result.num_rows,
        "base_kwh": float(pc.sum(result["annual_kwh"]).as_py() or 0.0),
        "base_revenue_yuan": _money(pc.sum(result["annual_revenue"]).as_py()),
        "key_kwh": float(pc.sum(key_rows["annual_kwh"]).as_py() or 0.0),
        "key_revenue_yuan": _money(pc.sum(key_rows["annual_revenue"]).as_py()),
    }
    reason = f"grading run #{run.pk} ({run.period})"

    with transaction.atomic():
        what_if = is_what_if(run)
        crm = {a.customer_id: a for a in Account.objects.all()}
        created: dict[str, Account] = {}
        if not what_if:
            missing = [cid for cid in key_rows["customer_id"].to_pylist() if cid not in crm]
            created = _new_accounts(missing, run.by, reason)
            crm.update(created)
        baseline, compared_with, before = _baseline(run, crm)
        # Only the CRM's accounts are recorded; the rest of the base stays in the analytics store.
        rows = result.filter(pc.is_in(result["customer_id"], value_set=pa.array(list(crm), pa.string())))

        grades: list[AccountGrade] = []
        changed: list[Account] = []
        counts = {"joined": 0, "left": 0, "went_up": 0, "went_down": 0, "grade_a": 0, "grade_b": 0, "grade_c": 0}
        seen: set[str] = set()
        new_projects = _recently_energised(run)
        for row in rows.to_pylist():
            account = crm[row["customer_id"]]
            seen.add(account.customer_id)
            key, grade = bool(row["key_account"]), row["grade"] or ""
            reasons = explain(row, rules)
            if not key and account.key_status == KeyStatus.KEY and account.pk in new_projects:
                key, grade = True, account.grade  # its grace year: keep it, and its grade, as it is
                reasons = [new_projects[account.pk], *reasons]
            was_key, was_grade = before.get(account.pk, (False, ""))
            change = _change(was_key, was_grade, key, grade)
            grades.append(_grade_row(run, account, row, reasons, change, was_key, was_grade, key=key, grade=grade))
            _count(counts, change, grade)
            if not what_if and _apply(account, run, key=key, grade=grade, credit=row["credit_score"]):
                changed.append(account)
        # Key accounts the store no longer knows at all drop out too.
        for account in crm.values():
            was_key, was_grade = before.get(account.pk, (False, ""))
            if account.customer_id in seen or not (was_key or account.key_status == KeyStatus.KEY):
                continue
            if account.pk in new_projects and account.key_status == KeyStatus.KEY:
                # energised lately: not in the billing extracts yet
                kept = Change.SAME if was_key else Change.JOINED
                grades.append(
                    _grade_row(
                        run,
                        account,
                        {},
                        [new_projects[account.pk]],
                        kept,
                        was_key,
                        was_grade,
                        key=True,
                        grade=account.grade,
                    )
                )
                _count(counts, kept, "")  # counted as a change, not in the grade mix (as before)
                continue
            gone: list[Reason] = [{"code": NOT_IN_CUSTOMER_BASE, "params": {}}]
            change = Change.LEFT if was_key else Change.NONE
            grades.append(_grade_row(run, account, {}, gone, change, was_key, was_grade))
            _count(counts, change, "")
            if not what_if and _apply(account, run, key=False, grade="", credit=account.credit_score):
                changed.append(account)

        AccountGrade.objects.bulk_create(grades, batch_size=BATCH)
        new = [a for a in changed if a.customer_id in created]
        changed = [a for a in changed if a.customer_id not in created]
        if new:
            Account.objects.bulk_update(new, STANDING, batch_size=BATCH)
        if created:
            Account.history.bulk_history_create(
                sorted(created.values(), key=lambda a: a.customer_id),
                batch_size=BATCH,
                default_user=run.by,
                default_change_reason=reason,
            )
        if changed:
            bulk_update_with_history(
                changed,
                Account,
                STANDING,
                batch_size=BATCH,
                default_user=run.by,
                default_change_reason=reason,
            )
        _progress(
            run,
            100,
            "done",
            status=RunStatus.SUCCEEDED,
            finished_at=timezone.now(),
            key_accounts=key_rows.num_rows,
            accounts_created=len(created),
            what_if=what_if,
            compared_with=compared_with,
            baseline=baseline,
            **counts,
            **totals,
        )


def _count(counts: dict[str, int], change: str, grade: str) -> None:
    key = {Change.JOINED: "joined", Change.LEFT: "left", Change.UP: "went_up", Change.DOWN: "went_down"}.get(
        Change(change)
    )
    if key:
        counts[key] += 1
    if grade:
        counts[f"grade_{grade.lower()}"] += 1


def _grade_row(
    run: GradingRun,
    account: Account,
    row: dict[str, Any],
    reasons: list[Reason],
    change: str,
    was_key: bool,
    was_grade: str,
    *,
    key: bool | None = None,
    grade: str | None = None,
) -> AccountGrade:
    """One account's result; ``key``/``grade``: its standing after the run when the rules were overridden
    (the grace year of a new project), so the next period compares with what the account really was."""
    return AccountGrade(
        run=run,
        account=account,
        key_account=bool(row.get("key_account")) if key is None else key,
        grade=(row.get("grade") or "") if grade is None else grade,
        credit_score=_credit(row, account),
        value_rank=row.get("value_rank"),
        annual_kwh=float(row.get("annual_kwh") or 0.0),
        annual_revenue_yuan=_money(row.get("annual_revenue")),
        active_months=row.get("active_months") or 0,
        late_payments=row.get("late_payments") or 0,
        max_days_late=row.get("max_days_late") or 0,
        overdue_yuan=_money(row.get("overdue_yuan")),
        reasons=reasons,
        change=change,
        previous_grade=was_grade if was_key else "",
    )


def _credit(row: dict[str, Any], account: Account) -> int:
    value = row.get("credit_score")
    if value is None:
        value = account.credit_score
    return int(value or 0)


def _apply(account: Account, run: GradingRun, *, key: bool, grade: str, credit: int | None) -> bool:
    """Set the account's key status and grade from the run; True when something changed. (The value
    rank is the run's figure, in its grade rows only: issue 21.)"""
    before = (account.key_status, account.key_since, account.grade, account.credit_score)
    if key:
        account.key_status = KeyStatus.KEY
        if account.key_since is None:  # the day it first became a key account
            account.key_since = run.as_of
        account.grade = grade
    else:
        if account.key_status == KeyStatus.KEY:
            account.key_status = KeyStatus.FORMER
        account.grade = ""
    account.credit_score = credit
    return before != (account.key_status, account.key_since, account.grade, account.credit_score)
