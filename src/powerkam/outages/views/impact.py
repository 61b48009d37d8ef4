"""The impact of an outage window (interrupted accounts, load curves, the map) and the best windows
for some feeders: the impact tool, and the parts of an outage's page that show them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from powerkam.accounts import map_charts
from powerkam.accounts import maps as account_maps
from powerkam.analytics import outages as engine
from powerkam.core.errors import ApplicationError
from powerkam.outages import charts
from powerkam.outages import selectors as outage_selectors
from powerkam.outages.views.grid import visible_ids
from powerkam.staff import permissions
from powerkam.workdays.selectors import work_calendar

#: The impact view draws at most this many load curves (the largest ENS first).
MAX_CURVES = 8


def _scope_ids(request: HttpRequest) -> set[str] | None:
    """The customer ids the user may see named, None for the whole base (docs/permissions.md)."""
    return None if permissions.scope_of(request.user) is permissions.Scope.WHOLE_BASE else visible_ids(request)


def impact_context(request: HttpRequest, feeders: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
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


def suggest_context(request: HttpRequest, feeders: str) -> dict[str, Any]:
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
            context.update(impact_context(request, feeders, start, end))
            context.update({"window_start": start, "window_end": end})
        except ApplicationError as exc:
            context["error"] = exc.message
    if feeders:
        context.update(suggest_context(request, feeders))
    return render(request, "outages/impact.html", context)
