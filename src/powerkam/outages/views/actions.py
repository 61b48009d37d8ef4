"""What changes an outage record: the status actions, a notice's acknowledgement (by the customer's
link or by staff) and the close of a follow-up. Outage planners, supervisors and administrators only,
but for the customer's link, which carries its own code.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.outages import selectors as outage_selectors
from powerkam.outages import services as outage_services
from powerkam.outages.models import OutageFollowUp, OutageNotice, PlannedOutage
from powerkam.staff import permissions


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
