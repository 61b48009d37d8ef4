"""Grading API: runs (list, detail, start), changes per run, the key-account roster, and an account's grade history.

Authentication is the API's (bearer token or session). Reasons come as codes with their figures
and as text in the request's language (``Accept-Language: en`` or ``zh-hans``).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, Literal

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from powerkam.accounts import selectors as account_selectors
from powerkam.accounts.models import Account
from powerkam.analytics.grading_reasons import render_one
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import MONTH
from powerkam.grading import selectors
from powerkam.grading.models import AccountGrade, GradingRun
from powerkam.grading.services import PROGRESS_STEPS
from powerkam.grading.tasks import grading_run_start

router = Router(tags=["grading"])

MAX_PAGE_SIZE = 500


class RunOut(Schema):
    id: int
    period: str
    as_of: dt.date
    status: str = Field(description="queued, running, succeeded or failed")
    progress: int = Field(description="percent done")
    step: str
    backend: str
    by: str | None = Field(description="username of the person who started the run")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    customers_evaluated: int
    key_accounts: int
    grade_a: int
    grade_b: int
    grade_c: int
    joined: int
    left: int
    went_up: int
    went_down: int
    accounts_created: int
    publish: bool = Field(description="the supervisor asked to publish the run even if its period is older")
    what_if: bool = Field(
        description="an older period than the roster's, not published: kept and compared, the grades did not change"
    )
    compared_with: int | None = Field(description="the run of the previous period its changes compare with")
    compared_with_period: str | None
    baseline: str = Field(description="previous_period, accounts (as they stood before the run) or nothing")
    error: str


class RunDetailOut(RunOut):
    rules_toml: str
    rules_sha256: str
    rules_source: str
    base_kwh: float
    base_revenue_yuan: Decimal
    key_kwh: float
    key_revenue_yuan: Decimal
    key_kwh_share: float | None
    key_revenue_share: float | None


class RunPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[RunOut]


class RunIn(Schema):
    period: str = Field(description="YYYY-MM", pattern=MONTH)
    backend: Literal["duckdb", "pyspark"] = Field("duckdb", description="duckdb or pyspark")
    rules_toml: str = Field(
        "", max_length=100_000, description="rules overriding the defaults (TOML); empty for the defaults"
    )
    publish: bool = Field(
        False,
        description="replace the current grades even if the period is older than the roster's; "
        "without it such a run is a what-if (kept and compared, not published)",
    )


class GradingReasonOut(Schema):
    code: str
    params: dict[str, Any]
    text: str


class GradeOut(Schema):
    run: int
    period: str
    customer_id: str
    name: str
    key_account: bool
    grade: str
    credit_score: int
    value_rank: float | None
    annual_kwh: float
    annual_revenue_yuan: Decimal
    kwh_share: float | None = Field(description="share of the whole customer base's consumption in the window")
    revenue_share: float | None = Field(description="share of the whole customer base's revenue in the window")
    active_months: int
    late_payments: int
    max_days_late: int
    overdue_yuan: Decimal
    change: str = Field(description="joined, left, up, down, same or none (since the previous run)")
    previous_grade: str
    reasons: list[GradingReasonOut]


class GradePage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    run: int | None
    results: list[GradeOut]


class RosterQuery(Schema):
    run: int | None = Field(None, description="a run id; default the latest published run (what-ifs only by id)")
    grade: str = Field("", description="A, B or C")
    district: str = ""
    change: str = Field("", description="joined, up, down or same")
    q: str = Field("", description="part of the customer id or name")
    sort: str = Field(selectors.ROSTER_DEFAULT_SORT, description=f"one of {', '.join(selectors.ROSTER_SORTS)}")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


def _run_fields(run: GradingRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "period": run.period,
        "as_of": run.as_of,
        "status": run.status,
        "progress": run.progress,
        "step": str(PROGRESS_STEPS.get(run.progress_note, run.progress_note)),
        "backend": run.backend,
        "by": run.by.get_username() if run.by else None,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "customers_evaluated": run.customers_evaluated,
        "key_accounts": run.key_accounts,
        "grade_a": run.grade_a,
        "grade_b": run.grade_b,
        "grade_c": run.grade_c,
        "joined": run.joined,
        "left": run.left,
        "went_up": run.went_up,
        "went_down": run.went_down,
        "accounts_created": run.accounts_created,
        "publish": run.publish,
        "what_if": run.what_if,
        "compared_with": run.compared_with_id,
        "compared_with_period": run.compared_with.period if run.compared_with else None,
        "baseline": run.baseline,
        "error": run.error,
    }


def _run_detail(run: GradingRun) -> RunDetailOut:
    return RunDetailOut(
        **_run_fields(run),
        rules_toml=run.rules_toml,
        rules_sha256=run.rules_sha256,
        rules_source=run.rules_source,
        base_kwh=run.base_kwh,
        base_revenue_yuan=run.base_revenue_yuan,
        key_kwh=run.key_kwh,
        key_revenue_yuan=run.key_revenue_yuan,
        key_kwh_share=run.key_kwh_share,
        key_revenue_share=run.key_revenue_share,
    )


def _grade(g: AccountGrade) -> GradeOut:
    lang = get_language() or "zh-hans"
    run = g.run
    return GradeOut(
        run=run.pk,
        period=run.period,
        customer_id=g.account.customer_id,
        name=g.account.name,
        key_account=g.key_account,
        grade=g.grade,
        credit_score=g.credit_score,
        value_rank=g.value_rank,
        annual_kwh=g.annual_kwh,
        annual_revenue_yuan=g.annual_revenue_yuan,
        kwh_share=g.annual_kwh / run.base_kwh if run.base_kwh else None,
        revenue_share=float(g.annual_revenue_yuan / run.base_revenue_yuan) if run.base_revenue_yuan else None,
        active_months=g.active_months,
        late_payments=g.late_payments,
        max_days_late=g.max_days_late,
        overdue_yuan=g.overdue_yuan,
        change=g.change,
        previous_grade=g.previous_grade,
        reasons=[
            GradingReasonOut(code=r["code"], params=r.get("params", {}), text=render_one(r, lang)) for r in g.reasons
        ],
    )


def _page(rows: QuerySet[AccountGrade], page: int, page_size: int, run: GradingRun | None) -> GradePage:
    paginator = Paginator(rows, page_size)
    current = paginator.get_page(page)
    return GradePage(
        count=paginator.count,
        page=current.number,
        page_size=page_size,
        pages=max(1, math.ceil(paginator.count / page_size)),
        run=run.pk if run else None,
        results=[_grade(g) for g in current.object_list],
    )


def _get_run(run_id: int) -> GradingRun:
    try:
        return selectors.run_get(run_id=run_id)
    except GradingRun.DoesNotExist:
        raise HttpError(404, _("No grading run #%(id)s.") % {"id": run_id}) from None


@router.get("/runs", response=RunPage, summary="List grading runs", operation_id="grading_runs_list")
def runs_list(request: HttpRequest, page: int = Query(1, ge=1), page_size: int = Query(25, ge=1, le=200)) -> RunPage:
    paginator = Paginator(selectors.run_list(), page_size)
    current = paginator.get_page(page)
    return RunPage(
        count=paginator.count,
        page=current.number,
        page_size=page_size,
        pages=max(1, math.ceil(paginator.count / page_size)),
        results=[RunOut(**_run_fields(r)) for r in current.object_list],
    )


@router.post(
    "/runs",
    response={201: RunDetailOut, 400: ErrorOut, 403: ErrorOut},
    summary="Start a grading run in the background (supervisors)",
    operation_id="grading_runs_start",
)
def runs_start(request: HttpRequest, payload: RunIn) -> Status:
    # refused with 403 unless the user may start runs (grading.start_run)
    run = grading_run_start(
        period=payload.period,
        backend=payload.backend,
        rules_text=payload.rules_toml or None,
        rules_source="API" if payload.rules_toml else "",
        by=request.user,  # type: ignore[arg-type]
        publish=payload.publish,
    )
    return Status(201, _run_detail(run))


@router.get(
    "/runs/{run_id}",
    response={200: RunDetailOut, 404: ErrorOut},
    summary="One grading run",
    operation_id="grading_runs_detail",
)
def runs_detail(request: HttpRequest, run_id: int) -> RunDetailOut:
    return _run_detail(_get_run(run_id))


@router.get(
    "/runs/{run_id}/changes",
    response={200: GradePage, 404: ErrorOut},
    summary="Accounts that joined, left, went up or down in a run",
    operation_id="grading_runs_changes",
)
def runs_changes(
    request: HttpRequest,
    run_id: int,
    kind: str = Query("", description="joined, left, up or down; empty for all four"),
    page: int = Query(1, ge=1),
    page_size: int = Query(100, ge=1, le=MAX_PAGE_SIZE),
) -> GradePage:
    run = _get_run(run_id)
    rows = selectors.run_changes(run=run, user=request.user, kind=kind or None).select_related("run")
    return _page(rows, page, page_size, run)


@router.get(
    "/roster", response={200: GradePage, 404: ErrorOut}, summary="Key-account roster", operation_id="grading_roster"
)
def roster(request: HttpRequest, query: Query[RosterQuery]) -> GradePage:
    run = _get_run(query.run) if query.run else selectors.run_latest()
    filters = selectors.RosterFilters(
        grade=query.grade, district=query.district, change=query.change, q=query.q.strip(), sort=query.sort
    )
    rows = selectors.roster(user=request.user, run=run, filters=filters)
    return _page(rows, query.page, query.page_size, run)


@router.get(
    "/accounts/{customer_id}/history",
    response={200: list[GradeOut], 403: ErrorOut, 404: ErrorOut},
    summary="An account's grade history, newest first",
    operation_id="grading_account_history",
)
def account_history(request: HttpRequest, customer_id: str) -> list[GradeOut]:
    try:
        account = account_selectors.account_get(user=request.user, customer_id=customer_id)
    except Account.DoesNotExist:
        raise HttpError(404, _("No account with this customer id.")) from None
    except account_selectors.AccountNotVisible as exc:
        raise HttpError(403, str(exc)) from None
    return [_grade(g) for g in selectors.account_grade_history(account=account)]
