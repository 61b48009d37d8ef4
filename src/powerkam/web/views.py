"""The shell's own pages: "My work", settings and the placeholder for areas still to come."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from powerkam.staff import permissions
from powerkam.web import frame, inbox, worklist
from powerkam.web.navigation import menu_item
from powerkam.web.panels import HOME_PANEL_TEMPLATE, panel_html, panel_stylesheets, panels_for

#: What each area will offer (ux.md), shown on its "coming soon" page.
AREA_PLANS = {
    "insights": [_("Dashboards for the marketing head"), _("Health and churn risk"), _("Tariff advice")],
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The frame of "My work": the figures and the accounts (the accounts app's: :mod:`powerkam.web.frame`).
    The tasks and every app's panel load after it, each its own request (:func:`work_summary`,
    :func:`home_panel`), so the page never waits for the slowest of them and the browser fetches them
    side by side."""
    context = frame.context(request)
    panels = panels_for("home", request, request.user, defer=True)
    context |= {
        # the page's first action on a phone, at the bottom of the screen (issue 19)
        "can_log_visits": permissions.can(request.user, "visits.change_visits", None),
        "panels": panels,
        "panel_css": panel_stylesheets(panels),
    }
    return render(request, "web/home.html", context)


@login_required
@require_GET
def work_summary(request: HttpRequest) -> HttpResponse:
    """The "My tasks" card of "My work": counts and the soonest of the user's open tasks."""
    today = timezone.localdate()
    return render(request, "web/_work_summary.html", {"work": worklist.summary(request.user, today), "today": today})


@login_required
@require_GET
def home_panel(request: HttpRequest, key: str) -> HttpResponse:
    """One app's panel of "My work"; nothing when it has nothing to show (the placeholder goes)."""
    html = panel_html("home", key, request, request.user, HOME_PANEL_TEMPLATE)
    return HttpResponse(html or "")


@login_required
def settings_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/settings.html", {"area": menu_item("settings")})


@login_required
def coming_soon(request: HttpRequest, area: str) -> HttpResponse:
    return render(request, "web/coming_soon.html", {"area": menu_item(area), "plans": AREA_PLANS.get(area, [])})


@login_required
def work_list(request: HttpRequest) -> HttpResponse:
    """Every open task the user owns, from every app, most urgent first (web/worklist.py)."""
    today = timezone.localdate()
    kind = request.GET.get("kind", "")
    known = {s.key for s in worklist.sources()}
    tasks = worklist.tasks_for(request.user, today, kind=kind if kind in known else "")
    context = {
        "tasks": tasks,
        "today": today,
        "kind": kind,
        "sources": worklist.sources(),
        "overdue": sum(1 for t in tasks if t.overdue(today)),
    }
    return render(request, "web/work_list.html", context)


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/inbox.html", {"messages_": inbox.messages_for(request.user)})


@login_required
def inbox_count(request: HttpRequest) -> HttpResponse:
    """The top bar's unread badge, fetched after the page."""
    return render(request, "web/_inbox_badge.html", {"unread": inbox.unread_count(request.user)})


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    inbox.mark_all_read(request.user)
    return redirect("inbox")


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (a POST from the top bar's switch), remembering a signed-in person's choice
    so that their mail and messages sent by jobs come in that language too."""
    from django.views.i18n import set_language as django_set_language

    from powerkam.staff.selectors import language_remember

    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        language_remember(request.user, request.POST.get("language", ""))
    return response
