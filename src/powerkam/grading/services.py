"""Grading runs: request one, run the engine, and record the result in the CRM in one transaction.

- :func:`grading_run_create` checks the request (period, rules, engine, billing data) and keeps it.
- :func:`grading_run_execute` runs the engine (:mod:`powerkam.analytics.grading`) over the
  analytics store, then in one transaction records an :class:`AccountGrade` per CRM account,
  creates the CRM accounts of new key accounts (master data from the store's customers),
  updates every account's key status, grade, credit score and value rank, and marks accounts
  that dropped out as former key accounts (never deleting anything).
- :func:`powerkam.grading.tasks.grading_run_start` does both in the background (django-tasks +
  ``powerkam worker``); the tasks call these services, never the other way round.
"""

from __future__ import annotations

import json
import logging
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

from powerkam.accounts.models import Grade, KeyStatus
from powerkam.analytics import grading_record, store
from powerkam.analytics.grading import GradingError, Period, evaluate, has_billing, load_tables
from powerkam.analytics.grading_backends import BACKENDS, BackendError, connect
from powerkam.analytics.grading_export import EXPORT_FORMATS, ExportError, write_result
from powerkam.analytics.grading_reasons import Reason
from powerkam.analytics.grading_record import BEFORE_SCHEMA
from powerkam.analytics.rules import DEFAULT_RULES, GradingRules, RulesError
from powerkam.core.errors import ApplicationError
from powerkam.grading import recording
from powerkam.grading.models import Baseline, GradingRun, RunStatus
from powerkam.prospects.selectors import energised_accounts
from powerkam.staff import permissions

logger = logging.getLogger(__name__)

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
NOT_IN_CUSTOMER_BASE = grading_record.NOT_IN_CUSTOMER_BASE


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


def roster_period() -> str | None:
    """The period of the current grades: that of the latest published run (None before any)."""
    latest = GradingRun.objects.published().order_by(F("finished_at").desc(nulls_last=True), "-pk").first()
    return latest.period if latest else None


def is_what_if(run: GradingRun) -> bool:
    """A run for a period older than the roster's is a what-if unless the supervisor published it."""
    current = roster_period()
    return current is not None and run.period < current and not run.publish


def _baseline(run: GradingRun, crm: pa.Table) -> tuple[str, GradingRun | None, pa.Table]:
    """What the run's changes compare with: the previous period, never a later one.

    1. The run of the nearest earlier period (a published one if that period has one, else its newest
       what-if): the accounts' standing in that run.
    2. No earlier period graded, and no later one published: the accounts as they stand in the CRM
       (grades entered or imported before any run, or an earlier run of the same period).
    3. No earlier period, but a later one published (an older month graded after a newer one): nothing
       to compare with — every key account of the run counts as joined.

    The standing is a table of ``account_id``, ``was_key``, ``was_grade`` (grading_record.BEFORE_SCHEMA).
    """
    earlier = (
        GradingRun.objects.succeeded()
        .filter(period__lt=run.period)
        .exclude(pk=run.pk)
        .order_by("-period", "what_if", "-pk")
        .first()
    )
    if earlier is not None:
        standing = recording.run_standing(earlier.pk)
        return Baseline.PREVIOUS_PERIOD, earlier, standing
    if GradingRun.objects.published().filter(period__gt=run.period).exists():
        return Baseline.NOTHING, None, BEFORE_SCHEMA.empty_table()
    standing = pa.table(
        {
            "account_id": crm["id"],
            "was_key": pc.equal(crm["key_status"], str(KeyStatus.KEY)),
            "was_grade": pc.fill_null(crm["grade"], ""),
        },
        schema=BEFORE_SCHEMA,
    )
    return Baseline.ACCOUNTS, None, standing


def _record(*, run: GradingRun, result: pa.Table, rules: GradingRules) -> None:
    """Everything the CRM learns from one run, in one transaction, in sets (issue 21).

    A what-if (:func:`is_what_if`) records its grades and changes but leaves the accounts — their
    grades, key status and the accounts it would create — as they are. What is recorded and changed
    is computed by :func:`powerkam.analytics.grading_record.plan` over whole tables (reasons, change
    since the baseline, new standing); :mod:`powerkam.grading.recording` writes it in bulk, with the
    accounts' history.
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
    user_id = run.by_id

    with transaction.atomic():
        what_if = is_what_if(run)
        crm = recording.crm_accounts()
        # Key accounts the CRM does not hold yet: planned with provisional ids, then created once
        # with the standing the plan gives them (one insert and one history row each, issue 21).
        customers = new = None
        if not what_if:
            missing = pc.unique(
                key_rows["customer_id"].filter(pc.invert(pc.is_in(key_rows["customer_id"], crm["customer_id"])))
            )
            if len(missing):
                # Read whole and filtered in Arrow: a filter of the new ids as a Python list (430,000 of
                # them at 1,000,000 customers) costs more than reading the file (issue 21).
                customers = pq.read_table(store.dataset_path(_store_dir(), "customers"))
                customers = customers.filter(pc.is_in(customers["customer_id"], value_set=missing))
                new = recording.new_accounts(customers["customer_id"])
        planned_crm = crm if new is None else pa.concat_tables([crm, new])
        baseline, compared_with, before = _baseline(run, planned_crm)
        grace = pa.table(
            {
                "account_id": pa.array(list(new_projects := _recently_energised(run)), pa.int64()),
                "reason": pa.array([json.dumps(r) for r in new_projects.values()], pa.string()),
            }
        )
        # Only the CRM's accounts are recorded; the rest of the base stays in the analytics store.
        planned = grading_record.plan(
            result=result, crm=planned_crm, before=before, grace=grace, rules=rules, what_if=what_if, as_of=run.as_of
        )
        created = 0
        if customers is not None and new is not None:
            standing = grading_record.new_standing(new, planned.updates)
            accounts = recording.create_accounts(customers, crm, standing, user_id=user_id, reason=reason)
            created = accounts.num_rows
            planned = grading_record.with_real_ids(planned, new, accounts)
        for value in planned.invalid_grades:
            Grade(value)  # not a grade: refused as the per-account code refused it (ValueError)
        recording.insert_grades(run.pk, planned.grades)
        recording.update_accounts(planned.updates, user_id=user_id, reason=reason)
        _progress(
            run,
            100,
            "done",
            status=RunStatus.SUCCEEDED,
            finished_at=timezone.now(),
            key_accounts=key_rows.num_rows,
            accounts_created=created,
            what_if=what_if,
            compared_with=compared_with,
            baseline=baseline,
            **planned.counts,
            **totals,
        )


#: How long an account energised from a government key project stays a key account whatever the rules say.
NEW_PROJECT_GRACE_MONTHS = 12


def _recently_energised(run: GradingRun) -> dict[int, Reason]:
    """Accounts energised from a prospect within the grace period before the run's as_of.

    Such an account has few or no bills yet, so the rules (6 active months, 12-month sums) would
    drop it the month after it became a key account; the paper wants it served as one from day one.
    """
    since = run.as_of - relativedelta(months=NEW_PROJECT_GRACE_MONTHS)
    return {
        p.account_id: {
            "code": "key_new_project",
            "params": {
                "project": p.project,
                "energised_on": p.energised_on.isoformat(),
                "until": (p.energised_on + relativedelta(months=NEW_PROJECT_GRACE_MONTHS)).isoformat(),
            },
        }
        for p in energised_accounts(after=since, until=run.as_of)
    }
