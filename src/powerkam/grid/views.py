"""Grid & outages pages (/grid/): topology, reliability, outage calendar, an outage with its impact,
load curves and what-if, the impact tool, upgrade candidates and connection priority.

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
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from powerkam.accounts.models import Account
from powerkam.accounts.selectors import accounts_visible_to
from powerkam.analytics import outages as engine
from powerkam.core.errors import ApplicationError
from powerkam.grid import charts, selectors
from powerkam.outages import selectors as outage_selectors
from powerkam.outages import services as outage_services
from powerkam.outages.models import OutageFollowUp, OutageKind, OutageNotice, OutageStatus, PlannedOutage
from powerkam.staff import permissions
from powerkam.workdays.selectors import work_calendar

#: The impact view draws at most this many load curves (the largest ENS first).
MAX_CURVES = 8


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _local_input(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def _visible_ids(request: HttpRequest) -> set[str]:
    return set(accounts_visible_to(request.user).values_list("customer_id", flat=True))


@login_required
def topology(request: HttpRequest) -> HttpResponse:
    visible = _visible_ids(request)
    nodes = selectors.topology(key_only=request.GET.get("all") != "1")
    for node in nodes:
        for feeder in node.feeders:
            feeder.accounts = [a for a in feeder.accounts if a.customer_id in visible]
    return render(
        request,
        "grid/topology.html",
        {
            "nodes": nodes,
            "show_all": request.GET.get("all") == "1",
            "feeders": sum(len(n.feeders) for n in nodes),
        },
    )


@login_required
def reliability(request: HttpRequest) -> HttpResponse:
    visible = _visible_ids(request)
    rows = [r for r in selectors.reliability_table() if r.customer_id in visible]
    names = dict(
        Account.objects.filter(customer_id__in=[r.customer_id for r in rows]).values_list("customer_id", "name")
    )
    rules = outage_selectors.outage_rules()
    return render(
        request,
        "grid/reliability.html",
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
        "grid/outage_calendar.html",
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
            by=_user(request),
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
    return {"impact": report, "chart": chart}


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
        }
    )
    return render(request, "grid/outage_detail.html", context)


@login_required
@require_POST
def outage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    outage = get_object_or_404(PlannedOutage, pk=pk)
    user = _user(request)
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
    return render(request, "grid/notice_ack.html", {"notice": notice})


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
            by=_user(request),
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
    return render(request, "grid/impact.html", context)


@login_required
def upgrades(request: HttpRequest) -> HttpResponse:
    visible = _visible_ids(request)
    candidates = [c for c in selectors.upgrade_candidates() if c.kind == "feeder" or c.subject_id in visible]
    context: dict[str, Any] = {
        "accounts": [c for c in candidates if c.kind == "account"],
        "feeders": [c for c in candidates if c.kind == "feeder"],
        "rules": outage_selectors.outage_rules(),
        "substations": selectors.Substation.objects.filter(archived=False).order_by(
            "-commissioned_on", "substation_id"
        ),
        "district": request.GET.get("district", ""),
        "substation_id": request.GET.get("substation", ""),
        "max_km": request.GET.get("max_km", ""),
    }
    if context["district"] or context["substation_id"]:
        source: dict[str, Any] = {}
        if context["substation_id"]:
            source = selectors.source_of(substation_id=context["substation_id"])
        district = context["district"] or source.get("district", "")
        try:
            max_km = float(context["max_km"]) if context["max_km"] else None
        except ValueError:
            max_km = None
        ranking = selectors.connection_priority(
            district=district,
            latitude=source.get("latitude"),
            longitude=source.get("longitude"),
            max_distance_km=max_km,
            source_id=source.get("source_id", ""),
        )
        context["priority"] = [e for e in ranking if e.customer_id in visible]
        context["priority_district"] = district
    return render(request, "grid/upgrades.html", context)
