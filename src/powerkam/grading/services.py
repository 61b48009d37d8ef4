"""Grading runs: request one, run the engine, and record the result in the CRM in one transaction.

- :func:`grading_run_create` checks the request (period, rules, engine, billing data) and keeps it.
- :func:`grading_run_execute` runs the engine (:mod:`powerkam.analytics.grading`) over the
  analytics store, then in one transaction records an :class:`AccountGrade` per CRM account,
  creates the CRM accounts of new key accounts (master data from the store's customers),
  updates every account's key status, grade, credit score and value rank, and marks accounts
  that dropped out as former key accounts (never deleting anything).
- :func:`grading_run_start` does both in the background (django-tasks + ``powerkam worker``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from powerkam.accounts.models import Account, Grade, KeyStatus
from powerkam.analytics import store
from powerkam.analytics.grading import GradingError, Period, evaluate, has_billing, load_tables
from powerkam.analytics.grading_backends import BACKENDS, BackendError, connect
from powerkam.analytics.grading_export import EXPORT_FORMATS, ExportError, write_result
from powerkam.analytics.grading_reasons import Reason, explain
from powerkam.analytics.rules import DEFAULT_RULES, GradingRules, RulesError
from powerkam.core.errors import ApplicationError
from powerkam.grading.models import AccountGrade, Baseline, Change, GradingRun, RunStatus
from powerkam.prospects.models import Project, Stage
from powerkam.staff import permissions

logger = logging.getLogger(__name__)

BATCH = 1000
GRADE_ORDER = {Grade.C: 0, Grade.B: 1, Grade.A: 2}

#: Steps of a run, stored as keys on the run and shown in words.
PROGRESS_STEPS = {
    "queued": gettext_lazy("Waiting for a worker"),
    "loading": gettext_lazy("Reading the analytics store"),
    "computing": gettext_lazy("Grading the whole customer base"),
    "recording": gettext_lazy("Recording the results in the CRM"),
    "done": gettext_lazy("Done"),
    "failed": gettext_lazy("Failed"),
}

#: Reason recorded for a key account that no longer appears in the store's customers.
NOT_IN_CUSTOMER_BASE = "not_in_customer_base"


def _store_dir() -> Path:
    return Path(settings.ANALYTICS_DIR)


def _rules(text: str | None, source: str) -> GradingRules:
    if text is None or not text.strip():
        return DEFAULT_RULES
    try:
        return GradingRules.from_toml(text, source=source or "rules file")
    except RulesError as exc:
        raise ApplicationError(str(exc), {"field": "rules"}) from exc


def grading_run_create(
    *,
    period: str,
    rules_text: str | None = None,
    rules_source: str = "",
    backend: str = "duckdb",
    by: User | None = None,
    publish: bool = False,
) -> GradingRun:
    """Check a grading request and keep it as a queued run (nothing is graded yet). ``by`` — the person
    starting it — must be a supervisor or an administrator; without ``by`` the command line runs it
    as the installation's administrator (docs/permissions.md).

    ``publish``: the supervisor's explicit choice that the run replaces the current grades even if
    its period is older than the roster's; without it such a run is a *what-if* (docs/grading.md)."""
    if by is not None:
        permissions.require(by, "grading.start_run")
    try:
        parsed = Period.parse(period)
    except GradingError as exc:
        raise ApplicationError(str(exc), {"field": "period"}) from exc
    rules = _rules(rules_text, rules_source)
    if backend not in BACKENDS:
        raise ApplicationError(
            _("Unknown engine '%(backend)s': choose one of %(choices)s.")
            % {"backend": backend, "choices": ", ".join(BACKENDS)},
            {"field": "backend"},
        )
    try:
        tables = load_tables(connect("duckdb"), _store_dir())
        billed = has_billing(tables, parsed)
    except GradingError as exc:
        raise ApplicationError(str(exc), {"field": "period"}) from exc
    if not billed:
        raise ApplicationError(
            _("There is no billing data for %(period)s: import that month's billing first.") % {"period": parsed},
            {"field": "period"},
        )
    return GradingRun.objects.create(
        period=str(parsed),
        as_of=parsed.last_day,
        rules_toml=rules.to_toml(),
        rules_sha256=rules.sha256,
        rules_source=rules_source,
        backend=backend,
        by=by,
        publish=publish,
        progress_note="queued",
    )


def grading_run_start(
    *,
    period: str,
    rules_text: str | None = None,
    rules_source: str = "",
    backend: str = "duckdb",
    by: User | None = None,
    publish: bool = False,
) -> GradingRun:
    """Create a run and queue it for a background worker (``powerkam worker``)."""
    from powerkam.grading.tasks import grading_run_task

    run = grading_run_create(
        period=period, rules_text=rules_text, rules_source=rules_source, backend=backend, by=by, publish=publish
    )
    result = grading_run_task.enqueue(run_id=run.pk)
    GradingRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()
    return run


def _progress(run: GradingRun, percent: int, step: str, **fields: Any) -> None:
    run.progress, run.progress_note = percent, step
    for name, value in fields.items():
        setattr(run, name, value)
    GradingRun.objects.filter(pk=run.pk).update(progress=percent, progress_note=step, **fields)


def grading_run_execute(*, run: GradingRun, output: Path | None = None, lang: str = "zh") -> GradingRun:
    """Grade the whole customer base for ``run`` and record the result; a failure is kept on the run.

    With ``output``, the result of every customer evaluated is also written to that file
    (``.csv``, ``.parquet`` or ``.json``) with its reasons in ``lang``.
    """
    if run.status != RunStatus.QUEUED:
        raise ApplicationError(_("Grading run #%(id)s has already been executed.") % {"id": run.pk})
    _progress(run, 5, "loading", status=RunStatus.RUNNING, started_at=timezone.now())
    try:
        rules = GradingRules.from_toml(run.rules_toml)
        con = connect(run.backend)
        tables = load_tables(con, _store_dir())
        _progress(run, 15, "computing")
        result = evaluate(tables, run.period, rules)
        _progress(run, 70, "recording")
        _record(run=run, result=result, rules=rules)
    except (GradingError, RulesError, BackendError, ApplicationError) as exc:
        message = exc.message if isinstance(exc, ApplicationError) else str(exc)
        _fail(run, message)
        raise ApplicationError(message) from exc
    except Exception as exc:
        logger.exception("grading run #%s failed", run.pk)
        _fail(run, f"{type(exc).__name__}: {exc}")
        raise ApplicationError(
            _("Grading run #%(id)s failed: %(error)s") % {"id": run.pk, "error": f"{type(exc).__name__}: {exc}"}
        ) from exc
    run.refresh_from_db()
    if output is not None:
        try:
            write_result(result, output, rules=rules, lang=lang)
        except (ExportError, OSError) as exc:
            raise ApplicationError(
                _("Grading run #%(id)s is recorded, but the output file could not be written: %(error)s")
                % {"id": run.pk, "error": exc}
            ) from exc
    return run


def check_output_path(path: Path) -> None:
    """Refuse an output file that cannot be written before spending a run on it."""
    if path.suffix.lower() not in EXPORT_FORMATS:
        raise ApplicationError(
            _("Cannot write '%(name)s': the output file must end in %(formats)s.")
            % {"name": path.name, "formats": ", ".join(EXPORT_FORMATS)},
            {"field": "output"},
        )
    if not path.parent.is_dir():
        raise ApplicationError(
            _("Cannot write '%(path)s': the folder %(folder)s does not exist.") % {"path": path, "folder": path.parent},
            {"field": "output"},
        )


def _fail(run: GradingRun, message: str) -> None:
    _progress(run, run.progress, "failed", status=RunStatus.FAILED, error=message, finished_at=timezone.now())


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
    bulk_create_with_history(accounts, Account, batch_size=BATCH, default_user=by, default_change_reason=reason)
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


def roster_period() -> str | None:
    """The period of the current grades: that of the latest published run (None before any)."""
    latest = GradingRun.objects.published().order_by(F("finished_at").desc(nulls_last=True), "-pk").first()
    return latest.period if latest else None


def is_what_if(run: GradingRun) -> bool:
    """A run for a period older than the roster's is a what-if unless the supervisor published it."""
    current = roster_period()
    return current is not None and run.period < current and not run.publish


#: An account's standing before a run: (key account, grade).
Standing = tuple[bool, str]


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


def _record(*, run: GradingRun, result: pa.Table, rules: GradingRules) -> None:
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
            if not what_if and _apply(
                account, run, key=key, grade=grade, credit=row["credit_score"], rank=row["value_rank"]
            ):
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
            if not what_if and _apply(account, run, key=False, grade="", credit=account.credit_score, rank=None):
                changed.append(account)

        AccountGrade.objects.bulk_create(grades, batch_size=BATCH)
        if changed:
            bulk_update_with_history(
                changed,
                Account,
                ["key_status", "key_since", "grade", "credit_score", "value_rank"],
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


#: How long an account energised from a government key project stays a key account whatever the rules say.
NEW_PROJECT_GRACE_MONTHS = 12


def _recently_energised(run: GradingRun) -> dict[int, Reason]:
    """Accounts energised from a prospect within the grace period before the run's as_of.

    Such an account has few or no bills yet, so the rules (6 active months, 12-month sums) would
    drop it the month after it became a key account; the paper wants it served as one from day one.
    """
    since = run.as_of - relativedelta(months=NEW_PROJECT_GRACE_MONTHS)
    projects = Project.objects.filter(
        stage=Stage.ENERGISED, account__isnull=False, stage_since__gt=since, stage_since__lte=run.as_of
    )
    return {
        p.account_id: {
            "code": "key_new_project",
            "params": {
                "project": p.name,
                "energised_on": p.stage_since.isoformat(),
                "until": (p.stage_since + relativedelta(months=NEW_PROJECT_GRACE_MONTHS)).isoformat(),
            },
        }
        for p in projects
        if p.account_id is not None and p.stage_since is not None
    }


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


def _apply(account: Account, run: GradingRun, *, key: bool, grade: str, credit: int | None, rank: float | None) -> bool:
    """Set the account's key status and grade from the run; True when something changed."""
    before = (account.key_status, account.key_since, account.grade, account.credit_score, account.value_rank)
    if key:
        account.key_status = KeyStatus.KEY
        if account.key_since is None:  # the day it first became a key account
            account.key_since = run.as_of
        account.grade, account.value_rank = grade, rank
    else:
        if account.key_status == KeyStatus.KEY:
            account.key_status = KeyStatus.FORMER
        account.grade, account.value_rank = "", None
    account.credit_score = credit
    return before != (account.key_status, account.key_since, account.grade, account.credit_score, account.value_rank)
