"""The outage calendar of a month and the form that creates a draft outage from it."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.outages import selectors as outage_selectors
from powerkam.outages import services as outage_services
from powerkam.outages.models import OutageKind, PlannedOutage
from powerkam.staff import permissions
from powerkam.workdays.selectors import work_calendar


def month_of(raw: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in (raw or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@login_required
def outage_calendar(request: HttpRequest) -> HttpResponse:
    first = month_of(request.GET.get("month"))
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
