"""Grid & outages pages (/grid/, URL names ``grid:…``): topology, reliability, outage calendar, an
outage with its impact, load curves and what-if, the impact tool, upgrade candidates and connection
priority. They moved here from the grid app, which keeps the network itself (docs/architecture.md,
"Layers").

Thin: parse, call one selector or service, render. Everyone logged in may look; outage planners,
supervisors and administrators change outage records. The acknowledgement link in a notice email
works without logging in (it carries its own code).
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from powerkam.accounts import map_charts
from powerkam.accounts import maps as account_maps
from powerkam.accounts.models import Account
from powerkam.accounts.selectors import accounts_visible_to, user_sees_all_accounts
from powerkam.analytics import outages as engine
from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.outages import charts, network
from powerkam.outages import selectors as outage_selectors
from powerkam.outages import services as outage_services
from powerkam.outages.models import OutageFollowUp, OutageKind, OutageNotice, OutageStatus, PlannedOutage
from powerkam.staff import permissions
from powerkam.web.excel import Column, Sheet, Typed, write_workbook, xlsx_response
from powerkam.workdays.selectors import work_calendar

#: The impact view draws at most this many load curves (the largest ENS first).
MAX_CURVES = 8


def _local_input(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def _visible_ids(request: HttpRequest) -> set[str]:
    return set(accounts_visible_to(request.user).values_list("customer_id", flat=True))


#: Feeders on a page of the topology (grouped by substation on the page).
TOPOLOGY_PAGE_SIZE = 40


@login_required
def topology(request: HttpRequest) -> HttpResponse:
    """Substations, their feeders and the accounts each supplies: filtered, grouped by substation and
    paged by feeders (476 feeders were one 21,000 px page — issue 19)."""
    filters = network.TopologyFilters(
        substation=request.GET.get("substation", "").strip(),
        q=request.GET.get("q", "").strip()[:100],
        with_key_accounts=request.GET.get("key") == "1",
        all_accounts=request.GET.get("all") == "1",
    )
    visible = None if user_sees_all_accounts(request.user) else _visible_ids(request)
    nodes = network.topology_feeders(visible=visible, filters=filters)
    page = Paginator(nodes, TOPOLOGY_PAGE_SIZE).get_page(request.GET.get("page"))
    network.fill_headroom(page.object_list)
    return render(
        request,
        "outages/topology.html",
        {
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "filters": filters,
            "substations": network.substation_choices(),
            "show_all": filters.all_accounts,
            "feeders": page.paginator.count,
            "filtered": bool(filters.substation or filters.q or filters.with_key_accounts),
        },
    )


@login_required
def reliability(request: HttpRequest) -> HttpResponse:
    visible = _visible_ids(request)
    rows = [r for r in network.reliability_table() if r.customer_id in visible]
    names = dict(
        Account.objects.filter(customer_id__in=[r.customer_id for r in rows]).values_list("customer_id", "name")
    )
    rules = outage_selectors.outage_rules()
    return render(
        request,
        "outages/reliability.html",
        {
            "rows": rows,
            "names": names,
            "rules": rules,
            "since": rows[0].since if rows else None,
            "until": rows[0].until if rows else None,
        },
    )


def _month(raw: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in (raw or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@login_required
def outage_calendar(request: HttpRequest) -> HttpResponse:
    first = _month(request.GET.get("month"))
    days_in_month = month_calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=days_in_month)
    outages = list(outage_selectors.outage_list(first=first, last=last))
    rules = outage_selectors.outage_rules()
    by_day: dict[dt.date, list[PlannedOutage]] = {}
    for outage in outages:
        day = timezone.localtime(outage.start).date()
        end_day = timezone.localtime(outage.end - dt.timedelta(microseconds=1)).date()
        while day <= end_day:
            if first <= day <= last:
                by_day.setdefault(day, []).append(outage)
            day += dt.timedelta(days=1)
    cal = work_calendar()
    weeks = []
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                {
                    "date": d,
                    "in_month": d.month == first.month,
                    "workday": cal.is_workday(d).workday,
                    "outages": by_day.get(d, []),
                }
                for d in week
            ]
        )
    states = {o.pk: outage_selectors.notice_state(o, rules=rules) for o in outages}
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = last + dt.timedelta(days=1)
    return render(
        request,
        "outages/outage_calendar.html",
        {
            "month": first,
            "weeks": weeks,
            "outages": outages,
            "states": states,
            "prev_month": f"{prev_month:%Y-%m}",
            "next_month": f"{next_month:%Y-%m}",
            "kinds": OutageKind.choices,
            "can_plan": permissions.can(request.user, "outages.plan_outages"),
            "flagged": [o for o in outages if states[o.pk].flagged],
            # "Plan this window" on a suggested window fills the new-outage form (issue 19).
            "prefill": {k: request.GET.get(k, "") for k in ("title", "feeders", "start", "end", "kind", "crew")},
        },
    )


@login_required
@require_POST
def outage_new(request: HttpRequest) -> HttpResponse:
    try:
        outage = outage_services.outage_create(
            title=request.POST.get("title", ""),
            feeders=request.POST.get("feeders", ""),
            start=outage_selectors.parse_moment(request.POST.get("start", ""), what="start"),
            end=outage_selectors.parse_moment(request.POST.get("end", ""), what="end"),
            kind=request.POST.get("kind", OutageKind.PLANNED),
            crew=request.POST.get("crew", ""),
            reason=request.POST.get("reason", ""),
            by=request_user(request),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("grid:outages"))
    messages.success(request, _("Draft outage created. Check its impact, then schedule it."))
    return HttpResponseRedirect(reverse("grid:outage", args=[outage.pk]))


def _scope_ids(request: HttpRequest) -> set[str] | None:
    """The customer ids the user may see named, None for the whole base (docs/permissions.md)."""
    return None if permissions.scope_of(request.user) is permissions.Scope.WHOLE_BASE else _visible_ids(request)


def _impact_context(request: HttpRequest, feeders: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Impact, warnings and the load-curve chart of a window; a refusal becomes ``error``. Only the
    accounts in the user's scope are named."""
    try:
        report = outage_selectors.outage_impact(feeders=feeders, start=start, end=end).within(_scope_ids(request))
    except ApplicationError as exc:
        return {"error": exc.message}
    known = [r for r in report.interrupted if r["ens_kwh"] is not None][:MAX_CURVES]
    chart = None
    if known:
        loads = engine.typical_loads(
            outage_selectors.store_dir(),
            [r["customer_id"] for r in known],
            work_calendar(),
            days=outage_selectors.outage_rules().typical_days,
        )
        local_start, local_end = outage_selectors.to_local_naive(start), outage_selectors.to_local_naive(end)
        times, curves = engine.window_curves(
            loads, [r["customer_id"] for r in known], local_start, local_end, work_calendar()
        )
        chart = charts.load_curves_chart(
            times, curves, {r["customer_id"]: r["name"] for r in known}, local_start, local_end
        )
    return {"impact": report, "chart": chart, "outage_map": _outage_map(report)}


def _outage_map(report: outage_selectors.ImpactReport) -> dict[str, Any] | None:
    """The interrupted accounts (by grade) and those riding through on the outlines of their districts."""
    ids = [r["customer_id"] for r in report.interrupted + report.riding_through_accounts]
    located = account_maps.points_of(ids)
    interrupted = [located[r["customer_id"]] for r in report.interrupted if r["customer_id"] in located]
    riding = [located[r["customer_id"]] for r in report.riding_through_accounts if r["customer_id"] in located]
    if not interrupted and not riding:
        return None
    interrupted = account_maps.even_sample(interrupted, account_maps.MAP_POINT_LIMIT)
    riding = account_maps.even_sample(riding, account_maps.MAP_POINT_LIMIT)
    outlines = account_maps.district_outlines(districts={p.district for p in interrupted + riding})
    return {
        "option": map_charts.outage_map_option(interrupted, riding, outlines),
        "unlocated": len(set(ids)) - len(located),
    }


def _suggest_context(request: HttpRequest, feeders: str) -> dict[str, Any]:
    if request.GET.get("suggest") != "1":
        return {}
    try:
        suggestion = outage_selectors.suggest_windows(
            feeders=feeders,
            duration_hours=request.GET.get("duration", ""),
            first=outage_selectors.parse_day(request.GET.get("from", ""), what="from"),
            last=outage_selectors.parse_day(request.GET.get("to", ""), what="to"),
            hours=request.GET.get("hours") or None,
        )
    except ApplicationError as exc:
        return {"suggest_error": exc.message}
    return {"suggestion": suggestion}


@login_required
def outage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    outage = get_object_or_404(PlannedOutage, pk=pk)
    rules = outage_selectors.outage_rules()
    visible = accounts_visible_to(request.user)  # the affected accounts in the user's scope only
    context: dict[str, Any] = {
        "outage": outage,
        "state": outage_selectors.notice_state(outage, rules=rules),
        "affected": list(
            outage.affected.filter(account__in=visible)
            .select_related("account")
            .order_by("-key_account", "account__customer_id")
        ),
        "notices": list(outage.notices.filter(account__in=visible).select_related("account", "contact")),
        "follow_ups": list(outage.follow_ups.filter(account__in=visible).select_related("account", "assignee")),
        "can_plan": permissions.can(request.user, "outages.plan_outages"),
        "start_input": _local_input(outage.start),
        "end_input": _local_input(outage.end),
        "statuses": OutageStatus,
    }
    # What-if: the same feeders over another window (GET start/end), else the outage's own window.
    what_if = "start" in request.GET and "end" in request.GET
    try:
        start = outage_selectors.parse_moment(request.GET["start"], what="start") if what_if else outage.start
        end = outage_selectors.parse_moment(request.GET["end"], what="end") if what_if else outage.end
    except ApplicationError as exc:
        messages.error(request, exc.message)
        start, end, what_if = outage.start, outage.end, False
    context.update(_impact_context(request, outage.feeders, start, end))
    context.update(_suggest_context(request, outage.feeders))
    context.update(
        {
            "what_if": what_if,
            "window_start": start,
            "window_end": end,
            "what_if_start": _local_input(start),
            "what_if_end": _local_input(end),
            "suggest_from": request.GET.get("from", f"{timezone.localtime(outage.start).date()}"),
            "suggest_to": request.GET.get("to", f"{timezone.localtime(outage.start).date() + dt.timedelta(days=13)}"),
            "suggest_duration": request.GET.get("duration", f"{outage.hours:g}"),
            "suggest_hours": request.GET.get("hours", ""),
            "plan_feeders": outage.feeders,
        }
    )
    return render(request, "outages/outage_detail.html", context)


@login_required
@require_POST
def outage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    outage = get_object_or_404(PlannedOutage, pk=pk)
    user = request_user(request)
    seen = request.POST.get("version", "")
    version = int(seen) if seen.isdigit() else None
    try:
        if action == "schedule":
            outage_services.outage_schedule(outage=outage, by=user, version=version)
            messages.success(request, _("Scheduled: the affected accounts and their energy not supplied are recorded."))
        elif action == "notify":
            outage = outage_services.outage_notify(
                outage=outage, by=user, ack_base_url=request.build_absolute_uri("/"), version=version
            )
            if outage.notice_late:
                messages.warning(request, _("Notices sent, but after the notice deadline: the outage is flagged late."))
            else:
                messages.success(request, _("Notices sent to the affected key accounts."))
        elif action == "done":
            outage_services.outage_complete(outage=outage, by=user, version=version)
            messages.success(request, _("Marked done: a follow-up is open for each affected key account."))
        elif action == "cancel":
            outage_services.outage_cancel(outage=outage, by=user, version=version)
            messages.success(request, _("Outage cancelled (the record is kept)."))
        elif action == "update":
            outage_services.outage_update(
                outage=outage,
                by=user,
                title=request.POST.get("title"),
                feeders=request.POST.get("feeders"),
                start=outage_selectors.parse_moment(request.POST.get("start", ""), what="start"),
                end=outage_selectors.parse_moment(request.POST.get("end", ""), what="end"),
                kind=request.POST.get("kind"),
                crew=request.POST.get("crew"),
                version=version,
            )
            messages.success(request, _("Outage changed; schedule it again to fix its impact."))
        else:
            raise Http404(_("Unknown action."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("grid:outage", args=[pk]))


@login_required
def outage_letter(request: HttpRequest, pk: int, customer_id: str) -> HttpResponse:
    outage = get_object_or_404(PlannedOutage, pk=pk)
    account = get_object_or_404(accounts_visible_to(request.user), customer_id=customer_id)
    if not outage.affected.filter(account=account).exists():
        raise Http404(_("This outage does not interrupt that account."))
    return HttpResponse(outage_services.letter_html(outage=outage, account=account))


def notice_ack(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a notice email: the customer confirms receipt (no login; the code is the key)."""
    notice = get_object_or_404(OutageNotice.objects.select_related("outage", "account"), token=token)
    if request.method == "POST":
        notice = outage_services.notice_acknowledge(notice=notice, by_name=request.POST.get("name", ""))
    return render(request, "outages/notice_ack.html", {"notice": notice})


@login_required
@require_POST
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """A staff member records a receipt confirmed by phone or on paper."""
    notice = get_object_or_404(OutageNotice, pk=pk)
    if not permissions.can(request.user, "outages.plan_outages"):
        messages.error(request, _("Only outage planners, supervisors and administrators may change outage records."))
    else:
        outage_services.notice_acknowledge(notice=notice, by_name=request.POST.get("name", ""))
    return HttpResponseRedirect(reverse("grid:outage", args=[notice.outage_id]))


@login_required
@require_POST
def follow_up_close(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(OutageFollowUp, pk=pk)
    seen = request.POST.get("version", "")
    try:
        outage_services.follow_up_close(
            follow_up=follow_up,
            note=request.POST.get("note", ""),
            by=request_user(request),
            version=int(seen) if seen.isdigit() else None,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Follow-up closed."))
    return HttpResponseRedirect(reverse("grid:outage", args=[follow_up.outage_id]))


@login_required
def impact_tool(request: HttpRequest) -> HttpResponse:
    """Impact and best windows for any feeders, without creating a record."""
    feeders = request.GET.get("feeders", "").strip()
    context: dict[str, Any] = {
        "feeders": feeders,
        "start_input": request.GET.get("start", ""),
        "end_input": request.GET.get("end", ""),
        "suggest_from": request.GET.get("from", f"{timezone.localdate()}"),
        "suggest_to": request.GET.get("to", f"{timezone.localdate() + dt.timedelta(days=13)}"),
        "suggest_duration": request.GET.get("duration", "4"),
        "suggest_hours": request.GET.get("hours", ""),
        "keep": [("feeders", feeders)],
        "plan_feeders": feeders,
        "can_plan": permissions.can(request.user, "outages.plan_outages"),
    }
    if feeders and context["start_input"] and context["end_input"]:
        try:
            start = outage_selectors.parse_moment(context["start_input"], what="start")
            end = outage_selectors.parse_moment(context["end_input"], what="end")
            context.update(_impact_context(request, feeders, start, end))
            context.update({"window_start": start, "window_end": end})
        except ApplicationError as exc:
            context["error"] = exc.message
    if feeders:
        context.update(_suggest_context(request, feeders))
    return render(request, "outages/impact.html", context)


@login_required
def upgrades(request: HttpRequest) -> HttpResponse:
    visible = _visible_ids(request)
    candidates = [c for c in network.upgrade_candidates() if c.kind == "feeder" or c.subject_id in visible]
    context: dict[str, Any] = {
        "accounts": [c for c in candidates if c.kind == "account"],
        "feeders": [c for c in candidates if c.kind == "feeder"],
        "rules": outage_selectors.outage_rules(),
        "substations": network.substations_newest_first(),
        "district": request.GET.get("district", ""),
        "substation_id": request.GET.get("substation", ""),
        "max_km": request.GET.get("max_km", ""),
    }
    if context["district"] or context["substation_id"]:
        source: dict[str, Any] = {}
        if context["substation_id"]:
            source = network.source_of(substation_id=context["substation_id"])
        district = context["district"] or source.get("district", "")
        try:
            max_km = float(context["max_km"]) if context["max_km"] else None
        except ValueError:
            max_km = None
        ranking = network.connection_priority(
            district=district,
            latitude=source.get("latitude"),
            longitude=source.get("longitude"),
            max_distance_km=max_km,
            source_id=source.get("source_id", ""),
        )
        context["priority"] = [e for e in ranking if e.customer_id in visible]
        context["priority_district"] = district
    return render(request, "outages/upgrades.html", context)


# -- month plan (issue 19): pick or upload the month's jobs, plan, compare, accept, export -----------

#: The page waits at most this long for the solver (docs/outages.md "Month plan page"); the plan
#: asks for a 1 % gap, which small months reach in a second or two.
PLAN_TIME_LIMIT_S = 20.0
#: Plans kept in the session (the newest ones), so "accept" and "Excel" act on what the page showed.
PLANS_KEPT = 3


def _store_plan(request: HttpRequest, result: dict[str, Any], jobs: list[outage_selectors.JobInput]) -> str:
    """Keep a plan in the session (JSON: times as ISO text) under a new token."""
    import secrets

    inputs = {j.job_id: j for j in jobs}
    stored = dict(result)
    stored["jobs"] = []
    for row in result["jobs"]:
        job = inputs[row["job_id"]]
        stored["jobs"].append(
            {
                **row,
                "start": row["start"].isoformat(),
                "end": row["end"].isoformat(),
                "feeders_text": ";".join(row["feeders"]),
                "title": job.title,
                "crew_input": job.crew,  # the engine names a job without a crew its own crew
                "outage_id": job.outage_id,
                "outage_version": job.outage_version,
            }
        )
    token = secrets.token_urlsafe(8)
    plans = dict(request.session.get("outage_plans", {}))
    plans[token] = stored
    request.session["outage_plans"] = dict(list(plans.items())[-PLANS_KEPT:])
    return token


def _stored_plan(request: HttpRequest, token: str) -> dict[str, Any] | None:
    plan = request.session.get("outage_plans", {}).get(token)
    if plan is None:
        return None
    plan = dict(plan)
    plan["jobs"] = [
        {**j, "start": dt.datetime.fromisoformat(j["start"]), "end": dt.datetime.fromisoformat(j["end"])}
        for j in plan["jobs"]
    ]
    return plan


def _plan_jobs(request: HttpRequest, first: dt.date, last: dt.date) -> list[outage_selectors.JobInput]:
    """The jobs of the form: the picked outages and the rows of an uploaded file."""
    ids = [int(v) for v in request.POST.getlist("outages") if v.isdigit()]
    hours = request.POST.get("hours", "").strip()
    jobs = outage_selectors.jobs_from_outages(ids, first=first, last=last, hours=hours) if ids else []
    upload = request.FILES.get("jobs")
    if upload is not None:
        jobs += outage_selectors.read_jobs(upload.name or "jobs.csv", upload.read())
    if not jobs:
        raise ApplicationError(_("Pick at least one outage of the month or upload a jobs file."), {"field": "outages"})
    ids_seen = [j.job_id for j in jobs]
    if len(set(ids_seen)) != len(ids_seen):
        raise ApplicationError(_("Two jobs have the same job_id."), {"field": "jobs"})
    return jobs


@login_required
def outage_plan(request: HttpRequest) -> HttpResponse:
    """The month plan page: planners, supervisors and administrators (``outages.plan_outages``)."""
    permissions.require(request.user, "outages.plan_outages")
    first = _month(request.POST.get("month") or request.GET.get("month"))
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    context: dict[str, Any] = {
        "month": first,
        "from_input": request.POST.get("from", f"{first}"),
        "to_input": request.POST.get("to", f"{last}"),
        "hours_input": request.POST.get("hours", ""),
        "time_limit_input": request.POST.get("time_limit", "10"),
        "max_time_limit": int(PLAN_TIME_LIMIT_S),
        "candidates": list(outage_selectors.plan_candidates(first, last)),
        "picked": {int(v) for v in request.POST.getlist("outages") if v.isdigit()},
        "prev_month": f"{(first - dt.timedelta(days=1)).replace(day=1):%Y-%m}",
        "next_month": f"{last + dt.timedelta(days=1):%Y-%m}",
    }
    if request.method == "POST":
        try:
            allowed_first = outage_selectors.parse_day(context["from_input"], what="from")
            allowed_last = outage_selectors.parse_day(context["to_input"], what="to")
            try:
                time_limit = float(context["time_limit_input"])
            except ValueError:
                raise ApplicationError(
                    _("Time limit: %(value)r is not a number of seconds.") % {"value": context["time_limit_input"]},
                    {"field": "time_limit"},
                ) from None
            if not 0 < time_limit <= PLAN_TIME_LIMIT_S:
                raise ApplicationError(
                    _("Time limit: give between 1 and %(max)d seconds.") % {"max": int(PLAN_TIME_LIMIT_S)},
                    {"field": "time_limit"},
                )
            jobs = _plan_jobs(request, allowed_first, allowed_last)
            result = outage_selectors.plan_month(jobs=jobs, time_limit_s=time_limit)
        except ApplicationError as exc:
            context["error"] = exc.message
            return render(request, "outages/outage_plan.html", context, status=400)
        result["inputs"] = {
            "from": context["from_input"],
            "to": context["to_input"],
            "hours": context["hours_input"],
            "time_limit": context["time_limit_input"],
            "outages": sorted(context["picked"]),
        }
        token = _store_plan(request, result, jobs)
        return HttpResponseRedirect(f"{reverse('grid:outage-plan')}?month={first:%Y-%m}&plan={token}")
    token = request.GET.get("plan", "")
    if token:
        plan = _stored_plan(request, token)
        if plan is None:
            messages.warning(request, _("That plan is no longer kept: plan the month again."))
        else:
            ids = {cid for j in plan["jobs"] for cid in j["interrupted"]}
            context.update({"plan": plan, "token": token, "names": _account_names(ids)})
            inputs = plan.get("inputs", {})  # the form as it was planned, to plan again
            context.update(
                {
                    "from_input": inputs.get("from", context["from_input"]),
                    "to_input": inputs.get("to", context["to_input"]),
                    "hours_input": inputs.get("hours", ""),
                    "time_limit_input": inputs.get("time_limit", context["time_limit_input"]),
                    "picked": set(inputs.get("outages", [])),
                }
            )
    return render(request, "outages/outage_plan.html", context)


def _account_names(customer_ids: set[str]) -> dict[str, str]:
    return dict(Account.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "name"))


@login_required
@require_POST
def outage_plan_accept(request: HttpRequest) -> HttpResponse:
    """Accept a plan the page showed: every window becomes a planned outage, or nothing does."""
    token = request.POST.get("plan", "")
    plan = _stored_plan(request, token)
    if plan is None:
        messages.error(request, _("That plan is no longer kept: plan the month again."))
        return HttpResponseRedirect(reverse("grid:outage-plan"))
    jobs = [
        outage_services.AcceptedJob(
            job_id=j["job_id"],
            feeders=j["feeders_text"],
            start=j["start"],
            end=j["end"],
            crew=j.get("crew_input", ""),
            title=j["title"],
            outage_id=j["outage_id"],
            outage_version=j["outage_version"],
        )
        for j in plan["jobs"]
    ]
    back = f"{reverse('grid:outage-plan')}?plan={token}"
    if plan.get("unplaced"):
        messages.error(request, _("The plan leaves jobs unplaced; it cannot be accepted."))
        return HttpResponseRedirect(back)
    try:
        outages = outage_services.plan_accept(jobs=jobs, by=request_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(
        request,
        ngettext(
            "Plan accepted: %(count)d planned outage is on the calendar as a draft.",
            "Plan accepted: %(count)d planned outages are on the calendar as drafts.",
            len(outages),
        )
        % {"count": len(outages)},
    )
    month = timezone.localtime(min(o.start for o in outages))
    return HttpResponseRedirect(f"{reverse('grid:outages')}?month={month:%Y-%m}")


def _plan_status(status: str) -> str:
    labels = {
        "optimal": _("optimal (proven)"),
        "feasible": _("feasible (within the gap shown of the bound)"),
        "naive": _("earliest-start plan"),
        "incomplete": _("incomplete: some jobs fit nowhere"),
    }
    return labels.get(status, status)


@login_required
def outage_plan_export(request: HttpRequest) -> HttpResponse:
    """The plan the page showed as a workbook: the figures, then one row per job."""
    permissions.require(request.user, "outages.plan_outages")
    plan = _stored_plan(request, request.GET.get("plan", ""))
    if plan is None:
        raise Http404(_("That plan is no longer kept: plan the month again."))
    names = _account_names({cid for j in plan["jobs"] for cid in j["interrupted"]})
    naive = plan.get("naive") or {}
    summary = Sheet(
        title=_("Plan"),
        columns=[Column(_("Figure"), "text", width=36), Column(_("Value"), "auto", width=18)],
        rows=[
            (_("Weighted energy not supplied of the plan (kWh)"), Typed(plan["weighted_ens_kwh"], "number")),
            (_("Energy not supplied of the plan (kWh)"), Typed(plan["ens_kwh"], "number")),
            (
                _("Weighted energy not supplied, earliest-start plan (kWh)"),
                Typed(naive.get("weighted_ens_kwh"), "number"),
            ),
            (_("Lower bound (kWh)"), Typed(plan["bound_weighted_ens_kwh"], "number")),
            (_("Gap to the bound"), Typed(plan["gap"], "percent")),
            (_("Status"), _plan_status(plan["status"])),
        ],
    )
    jobs = Sheet(
        title=_("Jobs"),
        columns=[
            Column(_("Job"), "text"),
            Column(_("Title"), "text"),
            Column(_("Feeders"), "text"),
            Column(_("Crew"), "text"),
            Column(_("Start"), "datetime"),
            Column(_("End"), "datetime"),
            Column(_("Energy not supplied (kWh)"), "kwh"),
            Column(_("Weighted (kWh)"), "kwh"),
            Column(_("Interrupted accounts"), "text", width=60, wrap=True),
        ],
        rows=(
            (
                j["job_id"],
                j["title"],
                j["feeders_text"],
                j["crew"],
                j["start"],
                j["end"],
                j["ens_kwh"],
                j["weighted_ens_kwh"],
                "\n".join(f"{cid} {names.get(cid, '')}".strip() for cid in j["interrupted"]),
            )
            for j in plan["jobs"]
        ),
        freeze_columns=1,
    )
    return xlsx_response(
        write_workbook([summary, jobs]),
        f"outage-plan-{plan['jobs'][0]['start']:%Y-%m}" if plan["jobs"] else "outage-plan",
    )
