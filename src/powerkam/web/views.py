"""The shell's own pages: "My work", settings and the placeholder for areas still to come."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from powerkam.accounts import selectors as account_selectors
from powerkam.web import inbox, worklist
from powerkam.web.navigation import menu_item
from powerkam.web.panels import panel_stylesheets, panels_for

#: What each area will offer (ux.md), shown on its "coming soon" page.
AREA_PLANS = {
    "insights": [_("Dashboards for the marketing head"), _("Health and churn risk"), _("Tariff advice")],
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    summary = account_selectors.account_summary(user=request.user)
    recent = account_selectors.account_list(user=request.user, filters=account_selectors.AccountFilters())[:8]
    panels = panels_for("home", request, request.user)
    context = {
        "work": worklist.summary(request.user, timezone.localdate()),
        "today": timezone.localdate(),
        "summary": summary,
        "recent": recent,
        "user_sees_all": account_selectors.user_sees_all_accounts(request.user),
        "panels": panels,
        "panel_css": panel_stylesheets(panels),
    }
    return render(request, "web/home.html", context)


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
