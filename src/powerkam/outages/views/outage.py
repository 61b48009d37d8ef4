"""An outage's page (its impact, what-if and best windows) and the letter to an interrupted account."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.accounts.selectors import accounts_visible_to
from powerkam.core.errors import ApplicationError
from powerkam.outages import selectors as outage_selectors
from powerkam.outages import services as outage_services
from powerkam.outages.models import OutageStatus, PlannedOutage
from powerkam.outages.views.impact import impact_context, suggest_context
from powerkam.staff import permissions


def _local_input(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


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
    context.update(impact_context(request, outage.feeders, start, end))
    context.update(suggest_context(request, outage.feeders))
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
def outage_letter(request: HttpRequest, pk: int, customer_id: str) -> HttpResponse:
    outage = get_object_or_404(PlannedOutage, pk=pk)
    account = get_object_or_404(accounts_visible_to(request.user), customer_id=customer_id)
    if not outage.affected.filter(account=account).exists():
        raise Http404(_("This outage does not interrupt that account."))
    return HttpResponse(outage_services.letter_html(outage=outage, account=account))
