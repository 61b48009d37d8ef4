"""Insights pages: the overview of the key-account portfolio (tiles of every area, web/dashboard.py),
health and churn risk, tariff advice across the key accounts and for one account (docs/rules.md §5)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from powerkam.accounts import selectors as account_selectors
from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError, ConflictError
from powerkam.insights import campaigns, churn, health, offers, report, selectors, services, tariff_charts
from powerkam.insights.forms import (
    REASON_LABELS,
    STRATEGY_LABELS,
    CampaignForm,
    OfferAnswerForm,
    OfferForm,
    SurveyForm,
    strategy_choices,
)
from powerkam.insights.models import RetentionOffer, SurveyCampaign
from powerkam.staff import permissions
from powerkam.staff.scope import Scope
from powerkam.web import charts, dashboard
from powerkam.web.excel import Column, workbook_bytes, xlsx_response

HEALTH_PAGE_SIZE = 50
CAMPAIGN_PAGE_SIZE = 50

#: The risk levels as the health page's badges name them (insights/_risk.html).
RISK_LABELS = {
    "high": gettext_lazy("High risk"),
    "medium": gettext_lazy("Medium risk"),
    "low": gettext_lazy("Low risk"),
}


def _account(request: HttpRequest, customer_id: str) -> Account:
    """The account if the user sees it (404 if there is none, 403 if it is not theirs)."""
    try:
        return account_selectors.account_get(user=request.user, customer_id=customer_id)
    except Account.DoesNotExist:
        raise Http404 from None


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The marketing head's overview: each area's tile loads on its own after the page."""
    context = {
        "can_send": permissions.can(request.user, "insights.send_report"),
        "tiles": dashboard.tiles(),
        "css": dashboard.stylesheets(),
        "user_sees_all": account_selectors.user_sees_all_accounts(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "insights/overview.html", context)


@login_required
def overview_workbook(request: HttpRequest) -> HttpResponse:
    """The overview in the user's scope as the monthly report's workbook."""
    today = timezone.localdate()
    scope = Scope.of_user(request.user)
    figures = dashboard.figures_for(scope, today)
    return xlsx_response(
        report.report_xlsx(figures, scope=scope, as_of=today), f"key-account-report-{today.isoformat()}"
    )


@login_required
@require_POST
def overview_send(request: HttpRequest) -> HttpResponse:
    """Mail the monthly report of the whole base to the supervisors now (supervisors and administrators)."""
    permissions.require(request.user, "insights.send_report")
    try:
        run = report.monthly_report_send(by=request.user)  # type: ignore[arg-type]
    except OSError as exc:  # the mail server did not answer; nothing is recorded
        messages.error(request, _("The monthly report could not be mailed: %(error)s") % {"error": exc})
        return redirect("insights:home")
    if run.recipients:
        messages.success(request, _("The monthly report was mailed to %(n)s supervisors.") % {"n": len(run.recipients)})
    else:
        messages.warning(request, _("No supervisor has an email address: the report was not mailed."))
    return redirect("insights:home")


@login_required
def overview_tile(request: HttpRequest, key: str) -> HttpResponse:
    """One tile of the overview, with its figures in the user's scope (an HTMX fragment)."""
    tile = dashboard.tile(key)
    if tile is None:
        raise Http404
    context: dict[str, object] = {"tile": tile}
    try:
        fresh = tile.prepared and request.GET.get("fresh") == "1"  # "Recompute now" on a prepared tile
        found = dashboard.tile_figures(tile, Scope.of_user(request.user), timezone.localdate(), fresh=fresh)
    except ApplicationError as exc:
        context["problem"] = exc.message
    else:
        figures = found.figures
        context["figures"] = figures
        context["computed_at"] = found.computed_at if tile.cache_seconds or tile.prepared else None
        if figures is not None and tile.extra_context is not None:
            context.update(tile.extra_context(figures))
    return render(request, "insights/_overview_tile.html", context)


def _back_to(request: HttpRequest, name: str) -> HttpResponse:
    """The page itself (which says what is wrong) instead of a workbook that cannot be made."""
    query = request.GET.urlencode()
    return redirect(reverse(name) + (f"?{query}" if query else ""))


@login_required
def tariff_opportunities(request: HttpRequest) -> HttpResponse:
    district = request.GET.get("district", "").strip()
    kind = request.GET.get("kind", "").strip()
    context: dict[str, object] = {"district": district, "kind": kind, "kinds": selectors.KINDS}
    try:
        found = selectors.tariff_opportunities(user=request.user, district=district, kind=kind)
        context["opportunities"] = found
        context["rules"] = selectors.tariff_rules()
        savings = found.by_kind_and_grade()
        context["savings"] = savings
        context["savings_chart"] = tariff_charts.savings_by_kind_chart(savings)
    except ApplicationError as exc:
        context["problem"] = exc.message
    context["districts"] = selectors.districts(user=request.user)
    return render(request, "insights/tariff.html", context)


@login_required
def tariff_export(request: HttpRequest) -> HttpResponse:
    """The tariff advice page's list as a workbook: every account the filters keep (the page shows
    the 200 largest), savings in yuan a year as numbers; empty where that advice does not apply."""
    district = request.GET.get("district", "").strip()
    kind = request.GET.get("kind", "").strip()
    try:
        found = selectors.tariff_opportunities(user=request.user, district=district, kind=kind)
        rules = selectors.tariff_rules()
    except ApplicationError:
        return _back_to(request, "insights:tariff")
    headers = [
        Column(_("Customer id"), "text"),
        Column(_("Account"), "text"),
        Column(_("Grade"), "text"),
        Column(_("District"), "text"),
        Column(_("Manager"), "text"),
        Column(_("Basic charge"), "money"),
        Column(_("Time of use (%(p)s%% moved)") % {"p": rules.shift_percent}, "money"),
        Column(_("Power factor"), "money"),
        Column(_("Total"), "money"),
    ]
    rows = (
        [
            r.customer_id,
            r.name,
            r.grade,
            r.district,
            r.manager,
            r.savings.get("basic_charge"),
            r.savings.get("time_of_use"),
            r.savings.get("power_factor"),
            r.advice.annual_saving_yuan,
        ]
        for r in found.rows
    )
    return xlsx_response(
        workbook_bytes(title=_("Tariff advice"), headers=headers, rows=rows),
        f"tariff-advice-{timezone.localdate().isoformat()}",
    )


@login_required
def account_tariff(request: HttpRequest, customer_id: str) -> HttpResponse:
    account = _account(request, customer_id)
    context: dict[str, object] = {"account": account}
    try:
        context["advice"] = selectors.account_tariff_advice(account=account)
        context["rules"] = selectors.tariff_rules()
    except ApplicationError as exc:
        context["problem"] = exc.message
    return render(request, "insights/_account_tariff.html", context)


def _reason_text(reason: Any) -> str:
    """A reason's sentence as the page words it (insights/_reason.html), as plain text."""
    return html.unescape(strip_tags(render_to_string("insights/_reason.html", {"reason": reason}))).strip()


def _strategy_text(code: str) -> str:
    return str(STRATEGY_LABELS.get(code, code))


def _action_text(action: str) -> str:
    return html.unescape(strip_tags(render_to_string("insights/_action.html", {"action": action}))).strip()


@login_required
def health_export(request: HttpRequest) -> HttpResponse:
    """The health list as a workbook: the same accounts as the page with its filters (this morning's
    scores, or computed now with ``live=1``), every page of them, riskiest first."""
    try:
        filters = health.HealthFilters.from_query(request.GET)
        snapshot = None if request.GET.get("live") else health.snapshot_report(user=request.user, filters=filters)
        found: Iterable[health.HealthRow] = (
            (snapshot.row(s) for s in snapshot.rows.iterator(chunk_size=2000))
            if snapshot is not None
            else health.key_account_health(user=request.user, filters=filters).rows
        )
    except ApplicationError:
        return _back_to(request, "insights:health")
    headers = [
        Column(_("Customer id"), "text"),
        Column(_("Account"), "text"),
        Column(_("Grade"), "text"),
        Column(_("District"), "text"),
        Column(_("Health score"), "int"),
        Column(_("Risk"), "text"),
        Column(_("Main reason"), "text"),
        Column(_("What to do"), "text"),
        Column(_("Recommended strategy"), "text"),
    ]
    with_model = health.model_in_use() != ""
    if with_model:
        headers.insert(5, Column(_("Probability of loss (model)"), "percent"))

    def rows() -> Iterator[list[Any]]:
        actions: dict[str, str] = {}  # a handful of actions: each sentence rendered once
        for r in found:
            reason = r.health.reasons[0] if r.health.reasons else None
            if reason is not None and reason.action not in actions:
                actions[reason.action] = _action_text(reason.action)
            row = [
                r.account.customer_id,
                r.account.name,
                r.account.grade,
                r.account.district,
                round(r.health.score),
                RISK_LABELS.get(r.health.risk, r.health.risk),
                _reason_text(reason) if reason else None,
                actions[reason.action] if reason else None,
                _strategy_text(r.strategy) if r.strategy else None,
            ]
            if with_model:
                row.insert(5, r.probability)
            yield row

    title = _("Health and churn risk")
    return xlsx_response(
        workbook_bytes(title=title, headers=headers, rows=rows()),
        f"key-account-health-{timezone.localdate().isoformat()}",
    )


@login_required
def health_report(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "risks": health.engine.RISKS,
        "grades": health.GRADES,
        "reason_choices": [(code, REASON_LABELS.get(code, code)) for code in health.REASON_CODES],
        "strategy_choices": strategy_choices(),
        "managers": health.managers(user=request.user),
    }
    try:
        filters = health.HealthFilters.from_query(request.GET)
    except ApplicationError as exc:
        filters = health.HealthFilters()
        context["filter_problem"] = exc.message
    context["filters"] = filters
    # the old names, still read by the template's links
    context["district"], context["risk"] = filters.district, filters.risk
    try:
        snapshot = None if request.GET.get("live") else health.snapshot_report(user=request.user, filters=filters)
        if snapshot is not None:  # this morning's scores: one paged query, whatever the number of accounts
            page = Paginator(snapshot.rows, HEALTH_PAGE_SIZE).get_page(request.GET.get("page"))
            context["report"] = snapshot
            context["page"] = page
            context["rows"] = [snapshot.row(s) for s in page.object_list]
            distribution: dict[str, list[int]] = health.score_distribution(snapshot.every_level)  # type: ignore[arg-type]
            trend = health.risk_trend(user=request.user, filters=filters)
            if len(trend) >= 2:
                context["trend_chart"] = charts.risk_trend_chart(trend)
        else:
            report = health.key_account_health(user=request.user, filters=replace(filters, risk=""))
            counts = report.counts
            distribution = health.live_score_distribution(report.rows)  # every level, as the counts
            if filters.risk:
                report = health.HealthReport(report.period, [r for r in report.rows if r.health.risk == filters.risk])
            context["report"] = report
            context["counts"] = counts
            context["page"] = Paginator(report.rows, HEALTH_PAGE_SIZE).get_page(request.GET.get("page"))
            context["rows"] = context["page"].object_list  # type: ignore[attr-defined]
        if any(any(v) for v in distribution.values()):
            context["distribution_chart"] = charts.risk_distribution_chart(distribution)
        context["snapshot_day"] = snapshot.day if snapshot is not None else None
        context["rising"] = health.risk_rising(user=request.user)
        context["rising_days"] = health.RISING_DAYS
        context["churn_card"] = churn.latest_card()
        context["ranking"] = snapshot.ranking if snapshot is not None else context["report"].ranking  # type: ignore[attr-defined]
        context["model_in_list"] = context["ranking"].model_in_use  # type: ignore[attr-defined]
    except ApplicationError as exc:
        context["problem"] = exc.message
    context["districts"] = selectors.districts(user=request.user)
    context["can_what_worked"] = permissions.can(request.user, "insights.view_what_worked")
    context["can_view_model"] = permissions.can(request.user, "insights.view_model")
    return render(request, "insights/health.html", context)


@login_required
def churn_model(request: HttpRequest) -> HttpResponse:
    """The churn model's card (docs/health.md, "Versions"): the newest model and every older version,
    with its data window, features, backtest against the rules and library versions."""
    permissions.require(request.user, "insights.view_model")
    cards = churn.model_cards()
    return render(request, "insights/churn_model.html", {"card": cards[0] if cards else None, "older": cards[1:]})


@login_required
def account_health(request: HttpRequest, customer_id: str) -> HttpResponse:
    account = _account(request, customer_id)
    return _health_fragment(request, account, SurveyForm(initial={"surveyed_on": timezone.localdate()}))


def _offer_form(request: HttpRequest, account: Account, data: Any = None) -> OfferForm:
    today = timezone.localdate()
    return OfferForm(
        data,
        makers=offers.offer_makers(account=account, by=request.user),
        initial={"offered_on": today, "offered_by": request.user.pk},
    )


def _health_fragment(
    request: HttpRequest,
    account: Account,
    form: SurveyForm,
    status: int = 200,
    error: str = "",
    *,
    offer_form: OfferForm | None = None,
    offer_error: str = "",
    answer_forms: dict[int, OfferAnswerForm] | None = None,
) -> HttpResponse:
    can_offer = permissions.can(request.user, "insights.record_offer", account)
    recorded = offers.account_offers(account=account)
    today = timezone.localdate()
    answers = answer_forms or {}
    context: dict[str, object] = {
        "account": account,
        "survey_error": error,
        "surveys": health.account_surveys(account=account),
        "survey_form": form,
        "can_edit": permissions.can(request.user, "accounts.change_account", account),
        "can_offer": can_offer,
        "offers": [
            (
                o,
                answers.get(o.pk)
                or OfferAnswerForm(
                    initial={
                        "outcome": o.outcome if o.outcome != "pending" else "accepted",
                        "outcome_on": o.outcome_on or today,
                        "saved_yuan": o.saved_yuan,
                        "version": o.version,
                    },
                    prefix=f"offer-{o.pk}",
                ),
            )
            for o in recorded
        ],
        "offer_error": offer_error,
        "today": today,
    }
    try:
        context["health"] = health.account_health(account=account)
    except ApplicationError as exc:
        context["problem"] = exc.message
    context["churn"] = churn.account_churn(account=account)
    if "health" in context:
        context["strategies"] = churn.account_strategies(health=context["health"], churn=context["churn"])  # type: ignore[arg-type]
    if offer_form is None and can_offer:
        # a new offer starts from the best-ranked strategy and the revenue it is expected to keep
        best = (context.get("strategies") or [None])[0]  # type: ignore[index]
        offer_form = _offer_form(request, account)
        if best is not None:
            offer_form.initial.update(strategy=best.strategy, expected_yuan=round(best.expected_yuan))
    context["offer_form"] = offer_form
    trend = health.score_trend(account=account)
    if len(trend) >= 2:
        context["trend_chart"] = charts.score_trend_chart([(t.taken_on, t.score) for t in trend])
    scored = [(t.taken_on, t.probability) for t in trend if t.probability is not None]
    if len(scored) >= 2:  # the model's probability, as each morning's snapshot kept it
        context["probability_chart"] = charts.probability_trend_chart(scored)
    return render(request, "insights/_account_health.html", context, status=status)


@login_required
@require_POST
def survey_add(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Record a satisfaction survey from the 360 page; answers the refreshed health panel."""
    account = _account(request, customer_id)
    form = SurveyForm(request.POST)
    if not form.is_valid():
        return _health_fragment(request, account, form, status=400)
    try:
        services.survey_record(account=account, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
    except ApplicationError as exc:
        if exc.extra.get("field"):
            form.add_error(exc.extra["field"], exc.message)
            return _health_fragment(request, account, form, status=400)
        return _health_fragment(request, account, form, status=400, error=exc.message)
    return _health_fragment(request, account, SurveyForm(initial={"surveyed_on": timezone.localdate()}))


@login_required
@require_POST
def offer_add(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Record a retention offer from the account's health panel; answers the refreshed panel."""
    account = _account(request, customer_id)
    permissions.require(request.user, "insights.record_offer", account)
    survey_form = SurveyForm(initial={"surveyed_on": timezone.localdate()})
    form = _offer_form(request, account, request.POST)
    if not form.is_valid():
        return _health_fragment(request, account, survey_form, status=400, offer_form=form)
    values = dict(form.cleaned_data)
    maker_id = values.pop("offered_by")
    maker = next((u for u in offers.offer_makers(account=account, by=request.user) if u.pk == maker_id), None)
    try:
        services.offer_record(account=account, by=request.user, offered_by=maker, **values)  # type: ignore[arg-type]
    except ApplicationError as exc:
        field = exc.extra.get("field")
        if field in form.fields:
            form.add_error(field, exc.message)
            return _health_fragment(request, account, survey_form, status=400, offer_form=form)
        return _health_fragment(request, account, survey_form, status=403 if isinstance(exc, PermissionDenied) else 400,
                                offer_form=form, offer_error=exc.message)  # fmt: skip
    return _health_fragment(request, account, survey_form)


@login_required
@require_POST
def offer_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the customer's answer to an offer (with the version the person saw: a change someone
    made meanwhile is not overwritten); answers the refreshed health panel."""
    offer = get_object_or_404(RetentionOffer.objects.select_related("account"), pk=pk, archived=False)
    account = _account(request, offer.account.customer_id)
    permissions.require(request.user, "insights.record_offer", account)
    survey_form = SurveyForm(initial={"surveyed_on": timezone.localdate()})
    form = OfferAnswerForm(request.POST, prefix=f"offer-{offer.pk}")
    if not form.is_valid():
        return _health_fragment(request, account, survey_form, status=400, answer_forms={offer.pk: form})
    data = form.cleaned_data
    try:
        services.offer_answer(
            offer=offer,
            by=request.user,  # type: ignore[arg-type]
            outcome=data["outcome"],
            answered_on=data["outcome_on"],
            saved_yuan=data["saved_yuan"],
            version=data["version"],
        )
    except ApplicationError as exc:
        if isinstance(exc, ConflictError):
            # show the answer as it is now, with the person's own values and the new version
            values = request.POST.copy()
            values[f"offer-{offer.pk}-version"] = str(exc.current_version)
            form = OfferAnswerForm(values, prefix=f"offer-{offer.pk}")
            form.is_valid()
        form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, exc.message)
        status = 409 if isinstance(exc, ConflictError) else 403 if isinstance(exc, PermissionDenied) else 400
        return _health_fragment(request, account, survey_form, status=status, answer_forms={offer.pk: form})
    return _health_fragment(request, account, survey_form)


def _what_worked(request: HttpRequest) -> churn.WhatWorked:
    permissions.require(request.user, "insights.view_what_worked")
    return churn.what_worked()


@login_required
def what_worked(request: HttpRequest) -> HttpResponse:
    """By strategy: offers made, accounts still served 12 months later, lost, keep rate (docs/health.md)."""
    found = _what_worked(request)
    page = Paginator(found.offers, HEALTH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/what_worked.html", {"found": found, "page": page})


@login_required
def what_worked_export(request: HttpRequest) -> HttpResponse:
    """The "what worked" report as a workbook: one row per strategy, then the total."""
    found = _what_worked(request)
    headers = [
        Column(_("Strategy"), "text"),
        Column(_("Offers"), "int"),
        Column(_("Answers: accepted"), "int"),
        Column(_("Answers: declined"), "int"),
        Column(_("Kept"), "int"),
        Column(_("Lost"), "int"),
        Column(_("Not known yet"), "int"),
        Column(_("Keep rate"), "percent"),
        Column(_("Comparable accounts not offered: kept"), "percent"),
        Column(_("Revenue expected to be kept (yuan a year)"), "money"),
        Column(_("Yuan saved for the customers"), "money"),
    ]
    # the 12-month figures first (as before), then the same after 6 months
    short = found.short_months
    headers += [
        Column(_("Kept after %(n)s months") % {"n": short}, "int"),
        Column(_("Lost within %(n)s months") % {"n": short}, "int"),
        Column(_("Not known yet after %(n)s months") % {"n": short}, "int"),
        Column(_("Keep rate after %(n)s months") % {"n": short}, "percent"),
        Column(_("Comparable accounts kept after %(n)s months") % {"n": short}, "percent"),
    ]

    def row(label: str, s: churn.StrategyWorked) -> list[Any]:
        h = s.short
        return [label, s.offers, s.accepted, s.declined, s.kept, s.lost, s.pending, s.keep_rate, s.comparable_keep_rate,
                round(s.expected_yuan, 2), round(s.saved_yuan, 2),
                h.kept, h.lost, h.pending, h.keep_rate, h.comparable_keep_rate]  # fmt: skip

    rows = [row(str(STRATEGY_LABELS.get(s.strategy, s.strategy)), s) for s in found.strategies]
    rows.append(row(_("Total"), found.total))
    return xlsx_response(
        workbook_bytes(title=_("What worked"), headers=headers, rows=rows),
        f"what-worked-{timezone.localdate().isoformat()}",
    )


@login_required
def my_accounts_at_risk(request: HttpRequest) -> HttpResponse:
    """The "My work" panel: the user's key accounts at high or medium risk, from this morning's health
    check like the health list (computing it live costs ~0.1 s for a manager's 200 accounts and
    seconds for a supervisor's whole base, on every visit of "My work"); live when there is none yet.

    From the morning's check the panel is rendered once per check, version of the accounts, user and
    language (everything it shows is in those), and prepared each morning (powerkam.web.prepare)."""
    return HttpResponse(_my_risk_fragment(request, timezone.localdate()))


def prepare_my_risk(request: HttpRequest, today: dt.date) -> None:
    """The panel of the morning of ``today`` for ``request.user`` into the cache (the morning's
    preparation of "My work"). ``today`` is the night's day, not the clock's: a night run for another
    day (``powerkam nightly --today``) prepares that day's panel from that day's check, where reading
    the clock made it compute the whole base live (80 s a language for a supervisor at 190,000 key
    accounts, docs/benchmarks.md)."""
    _my_risk_fragment(request, today)


def _my_risk_fragment(request: HttpRequest, today: dt.date) -> str:
    stamp = health.snapshot_stamp(today)
    if stamp is None:
        return _my_risk_html(request, today)
    key = account_selectors.list_fragment_key(
        "my-risk", user=request.user, version=f"{stamp}.{account_selectors.accounts_version()}", query=""
    )
    fragment = cache.get(key)
    if fragment is None:
        fragment = _my_risk_html(request, today)
        cache.set(key, fragment, account_selectors.LIST_CACHE_SECONDS)
    return str(fragment)


def _my_risk_html(request: HttpRequest, today: dt.date) -> str:
    context: dict[str, object] = {}
    try:
        snapshot = health.snapshot_report(user=request.user, today=today)
        if snapshot is not None:
            context["rows"] = [snapshot.row(s) for s in snapshot.rows.exclude(risk="low")[:8]]
            context["total"] = sum(n for _risk, n in snapshot.counts)
            context["snapshot_day"] = snapshot.day
            context["ranking"] = snapshot.ranking
        else:
            report = health.key_account_health(user=request.user)
            context["ranking"] = report.ranking
            context["rows"] = [r for r in report.rows if r.health.risk != "low"][:8]
            context["total"] = len(report.rows)
    except ApplicationError as exc:
        context["problem"] = exc.message
    return render_to_string("insights/_my_risk.html", context, request=request)


# ---- survey campaigns ----------------------------------------------------------------------------


def _can_run_campaigns(user: object) -> bool:
    return permissions.can(user, "insights.run_campaigns")  # type: ignore[arg-type]


@login_required
def survey_campaigns(request: HttpRequest) -> HttpResponse:
    """Survey campaigns with their progress; supervisors launch new ones here."""
    can_launch = _can_run_campaigns(request.user)
    today = timezone.localdate()
    form = CampaignForm(request.POST or None, initial={"starts_on": today, "due_on": today + dt.timedelta(days=30)})
    if request.method == "POST":
        if not can_launch:
            raise PermissionDenied
        if form.is_valid():
            try:
                campaign = services.campaign_launch(by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except ApplicationError as exc:
                form.add_error(exc.extra.get("field"), exc.message)
            else:
                messages.success(
                    request,
                    _("Campaign launched: %(n)s key accounts to survey.") % {"n": campaign.targets.count()},
                )
                return redirect("insights:campaign", pk=campaign.pk)
    show_archived = request.GET.get("archived") == "1"
    rows = [
        campaigns.campaign_progress(campaign=c, user=request.user)
        for c in campaigns.campaigns(include_archived=show_archived)
    ]
    context = {"rows": rows, "form": form, "can_launch": can_launch, "show_archived": show_archived}
    return render(request, "insights/campaigns.html", context, status=400 if form.errors else 200)


@login_required
def survey_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(SurveyCampaign, pk=pk)
    if request.method == "POST":
        if not _can_run_campaigns(request.user):
            raise PermissionDenied
        seen = request.POST.get("version", "")
        try:
            services.campaign_archive(
                campaign=campaign,
                by=request.user,  # type: ignore[arg-type]
                version=int(seen) if seen.isdigit() else None,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("insights:campaign", pk=campaign.pk)
        messages.success(request, _("Campaign closed; its surveys are kept."))
        return redirect("insights:surveys")
    progress = campaigns.campaign_progress(campaign=campaign, user=request.user)
    if request.GET.get("format") == "xlsx":
        content = workbook_bytes(
            title=campaign.name,
            headers=[
                Column(_("Customer id"), "text"),
                Column(_("Name"), "text"),
                Column(_("Grade"), "text"),
                Column(_("Asked by"), "text"),
                Column(_("Surveyed on"), "date"),
                Column(_("Satisfaction"), "int"),
                Column(_("Comments"), "text"),
            ],
            rows=(
                [
                    r.target.account.customer_id,
                    r.target.account.name,
                    r.target.account.grade,
                    r.asker,
                    r.survey.surveyed_on if r.survey else None,
                    r.survey.score if r.survey else None,
                    r.survey.comments if r.survey else "",
                ]
                for r in progress.rows
            ),
        )
        return xlsx_response(content, f"survey-campaign-{campaign.pk}")
    status = request.GET.get("status", "")
    status = status if status in campaigns.STATUSES else ""
    context = {
        "progress": progress,
        "campaign": campaign,
        "can_close": _can_run_campaigns(request.user),
        "status": status,
        "page": Paginator(progress.rows_in(status), CAMPAIGN_PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "insights/campaign.html", context)
