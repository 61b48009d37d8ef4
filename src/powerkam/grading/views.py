"""Grading pages: the key-account roster, the runs (with a "start a run" form for supervisors and
live progress), the changes of a run, and an account's grade history (a fragment for the 360 page).

Views are thin: they parse the request, call a selector or a service, and render.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from powerkam.accounts import selectors as account_selectors
from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError
from powerkam.grading import charts as grading_charts
from powerkam.grading import selectors
from powerkam.grading.forms import RosterFilterForm, RunStartForm, last_month
from powerkam.grading.models import AccountGrade, Change, GradingRun
from powerkam.grading.services import PROGRESS_STEPS
from powerkam.grading.tasks import grading_run_start
from powerkam.grading.templatetags.grading_tags import reason_texts
from powerkam.staff import permissions
from powerkam.web import charts
from powerkam.web.excel import Column, workbook_bytes, xlsx_response

PAGE_SIZE = 25
EXPORT_LIMIT = 200_000


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _run_or_404(pk: int) -> GradingRun:
    try:
        return selectors.run_get(run_id=pk)
    except GradingRun.DoesNotExist:
        raise Http404(_("No grading run #%(id)s.") % {"id": pk}) from None


def _roster_columns() -> list[tuple[str, str, bool]]:
    return [
        ("customer_id", _("Customer id"), False),
        ("name", _("Name"), False),
        ("grade", _("Grade"), False),
        ("credit_score", _("Credit score"), True),
        ("value_rank", _("Value rank"), True),
        ("annual_kwh", _("Consumption (12 months)"), True),
        ("annual_revenue", _("Revenue (12 months)"), True),
    ]


@login_required
@require_GET
def roster(request: HtmxHttpRequest) -> HttpResponse:
    run_id = request.GET.get("run")
    run = _run_or_404(int(run_id)) if run_id and run_id.isdigit() else selectors.run_latest()
    form = RosterFilterForm(request.GET, districts=selectors.roster_districts(run=run))
    filters = form.filters()
    rows = selectors.roster(user=request.user, run=run, filters=filters)
    if request.GET.get("export") == "xlsx" and run is not None:
        return _roster_export(run, rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "form": form,
        "page": page,
        "sort": filters.sort,
        "columns": _roster_columns(),
        "can_start": permissions.can(request.user, "grading.start_run"),
        "current": selectors.run_latest(),
    }
    if request.htmx:
        return render(request, "grading/roster.html#table", context)
    if run is not None:
        context.update(_roster_charts(request, run))
    return render(request, "grading/roster.html", context)


def _roster_charts(request: HttpRequest, run: GradingRun) -> dict[str, Any]:
    """The grade mix of the run shown and the joined/left key accounts by period, in the user's scope,
    each as a chart and as the table of the same figures."""
    mix = selectors.roster_grade_mix(user=request.user, run=run)
    periods = selectors.changes_by_period(user=request.user)
    labels = {"A": _("A · premium"), "B": _("B · medium"), "C": _("C · low credit"), "": _("Not graded yet")}
    return {
        "mix": [(grade, labels[grade], n) for grade, n in mix.items()],
        "mix_total": sum(mix.values()),
        "mix_chart": charts.grade_mix_chart(mix),
        "periods": periods,
        "periods_chart": grading_charts.joined_left_chart(periods),
    }


def _roster_export(run: GradingRun, rows: Any) -> HttpResponse:
    headers = [
        Column(_("Customer id"), "text"),
        Column(_("Name"), "text"),
        Column(_("District"), "text"),
        Column(_("Grade"), "text"),
        Column(_("Credit score"), "int"),
        Column(_("Value rank"), "int"),
        Column(_("Consumption (kWh)"), "kwh"),
        Column(_("Share of consumption"), "percent"),
        Column(_("Revenue (yuan)"), "money"),
        Column(_("Share of revenue"), "percent"),
        Column(_("Late payments"), "int"),
        Column(_("Arrears (yuan)"), "money"),
        Column(pgettext("grade change", "Change"), "text"),
        Column(_("Reasons"), "text"),
    ]

    def lines() -> Iterator[list[Any]]:
        for g in rows[:EXPORT_LIMIT]:
            yield [
                g.account.customer_id,
                g.account.name,
                g.account.district,
                g.grade,
                g.credit_score,
                g.value_rank,
                g.annual_kwh,
                g.annual_kwh / run.base_kwh if run.base_kwh else None,
                g.annual_revenue_yuan,
                g.annual_revenue_yuan / run.base_revenue_yuan if run.base_revenue_yuan else None,
                g.late_payments,
                g.overdue_yuan,
                g.get_change_display(),
                " ".join(reason_texts(g.reasons)),
            ]

    body = workbook_bytes(title=_("Key accounts"), headers=headers, rows=lines())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(body, f"key-accounts-{run.period}-{stamp}")


@login_required
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    can_start = permissions.can(request.user, "grading.start_run")
    form = RunStartForm(initial={"period": last_month()})
    if request.method == "POST":
        if not can_start:
            permissions.require(request.user, "grading.start_run")
        form = RunStartForm(request.POST, request.FILES)
        if form.is_valid():
            rules_text = form.rules_text()
            upload = form.cleaned_data.get("rules")
            if not form.errors:
                try:
                    run = grading_run_start(
                        period=form.cleaned_data["period"],
                        backend=form.cleaned_data["backend"],
                        rules_text=rules_text,
                        rules_source=upload.name if upload else "",
                        by=request.user,  # type: ignore[arg-type]
                        publish=form.cleaned_data.get("publish") or False,
                    )
                except ApplicationError as exc:
                    field = exc.extra.get("field")
                    form.add_error(field if field in form.fields else None, exc.message)
                else:
                    messages.success(
                        request,
                        _("Grading run #%(id)s for %(period)s is queued; it starts as soon as a worker is free.")
                        % {"id": run.pk, "period": run.period},
                    )
                    return redirect("grading:run", pk=run.pk)
    page = Paginator(selectors.run_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grading/runs.html",
        {"form": form, "page": page, "can_start": can_start, "steps": PROGRESS_STEPS},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def run_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(pk)
    kind = request.GET.get("kind", "")
    if kind not in selectors.CHANGE_KINDS:
        kind = ""
    changes = selectors.run_changes(run=run, user=request.user, kind=kind or None)
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "previous": selectors.run_previous(run=run),
        "kind": kind,
        "kinds": [(c.value, c.label) for c in (Change.JOINED, Change.LEFT, Change.UP, Change.DOWN)],
        "page": page,
        "steps": PROGRESS_STEPS,
        "can_start": permissions.can(request.user, "grading.start_run"),
    }
    template = "grading/run_detail.html#changes" if request.htmx else "grading/run_detail.html"
    return render(request, template, context)


@login_required
@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block of a run; it asks to be polled again until the run has finished."""
    run = _run_or_404(pk)
    reload = "1" if request.GET.get("reload") else ""
    response = render(request, "grading/_progress.html", {"run": run, "steps": PROGRESS_STEPS, "reload": reload})
    if run.finished and reload:
        response["HX-Refresh"] = "true"  # show the changes now that they exist
    return response


@login_required
@require_GET
def account_history(request: HttpRequest, customer_id: str) -> HttpResponse:
    """An account's grades over the runs with their reasons (a fragment for the 360 page)."""
    try:
        account = account_selectors.account_get(user=request.user, customer_id=customer_id)
    except Account.DoesNotExist:
        raise Http404(_("No account with this customer id.")) from None
    grades: list[AccountGrade] = list(selectors.account_grade_history(account=account)[:36])
    return render(request, "grading/_account_history.html", {"account": account, "grades": grades})
