"""Visit pages: the plan calendar (per manager and for the team), what is due, the phone visit
form, visit records, follow-ups, compliance, reassignment and the iCalendar feed.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from powerkam.accounts.models import Account, Assignment, AssignmentRole
from powerkam.accounts.selectors import (
    AccountNotVisible,
    account_get,
    accounts_visible_to,
    user_sees_all_accounts,
)
from powerkam.core.errors import ApplicationError, ConflictError
from powerkam.core.http import request_user
from powerkam.core.locking import form_conflict
from powerkam.staff import permissions
from powerkam.visits import forms, ics, selectors, services
from powerkam.visits.models import FollowUpStatus, PlannedVisit, VisitAttachment, VisitSource
from powerkam.visits.offline import offline_strings
from powerkam.web import bulk
from powerkam.web.charts import PALETTE
from powerkam.web.excel import Column, workbook_bytes, xlsx_response
from powerkam.workdays.selectors import provisional_warning


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _month(raw: str | None, today: dt.date) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in (raw or "").split("-"))
        dt.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return year, month


def _shift(year: int, month: int, by: int) -> str:
    index = year * 12 + month - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# ---- plan calendar -------------------------------------------------------------------------------


#: Chips a day's cell of the month grid shows before "+N more" (the team's view holds ~40 a day).
CHIPS_PER_DAY = 4


@login_required
def plan_calendar(request: HtmxHttpRequest) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    year, month = _month(request.GET.get("month"), today)
    sees_all = user_sees_all_accounts(user)
    manager = request.GET.get("manager")
    if manager is None:
        manager = "" if sees_all else user.get_username()
    if not sees_all:
        manager = user.get_username()  # a manager's calendar is their own
    view = request.GET.get("view", "")
    if view not in ("month", "agenda"):
        view = ""
    grid = selectors.plan_month(user=user, year=year, month=month, manager=manager, today=today)
    month_visits = [v for week in grid for day in week if day.in_month for v in day.visits]
    provisional_years = sorted({day.day.year for week in grid for day in week if day.in_month and day.provisional})
    context = {
        "grid": grid,
        # docs/rules.md §3: beyond the notice, statutory holidays and weekends only — say so on the page
        "provisional_note": provisional_warning(provisional_years) if provisional_years else "",
        "year": year,
        "month": month,
        "month_label": f"{year}-{month:02d}",
        "prev_month": _shift(year, month, -1),
        "next_month": _shift(year, month, 1),
        "manager": manager,
        "sees_all": sees_all,
        "managers": selectors.staff_managers() if sees_all else [],
        "plan": selectors.plan_latest(),
        "unplaced": list(selectors.unplaced_visits(user=user)[:50]),
        "counts": {
            "total": len(month_visits),
            "late": sum(1 for v in month_visits if v.late),
            "done": sum(1 for v in month_visits if v.status == "completed"),
        },
        "plan_form": forms.PlanForm(initial={"first_day": dt.date(year, month, 1), "last_day": dt.date(year, 12, 31)}),
        "can_plan": selectors.user_is_supervisor(user),
        "weekday_labels": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        # "" shows the month grid on a wide screen and the day-by-day agenda on a phone (issue 19)
        "view": view,
        # a day's cell holds this many chips, then "+N more" opens the agenda at that day
        "chip_limit": CHIPS_PER_DAY,
        "chip_slice": f":{CHIPS_PER_DAY}",
        "chip_rest": -CHIPS_PER_DAY,
    }
    template = "visits/calendar.html#month" if request.htmx else "visits/calendar.html"
    return render(request, template, context)


@login_required
@require_POST
def plan_generate(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not selectors.user_is_supervisor(user):
        raise Http404
    form = forms.PlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the plan's first and last day."))
        return HttpResponseRedirect(reverse("visits:calendar"))
    first, last = form.cleaned_data["first_day"], form.cleaned_data["last_day"]
    try:
        plan = services.plan_generate(first_day=first, last_day=last, by=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        counts = selectors.plan_counts(plan)
        messages.success(
            request,
            _("Plan %(from)s – %(to)s made: %(n)s visits, %(late)s late.")
            % {"from": first, "to": last, "n": counts.visits, "late": counts.late},
        )
    return HttpResponseRedirect(reverse("visits:calendar") + f"?month={first:%Y-%m}")


def _planned(request: HttpRequest, pk: int) -> PlannedVisit:
    try:
        return selectors.planned_visits_visible_to(request.user).get(pk=pk)
    except PlannedVisit.DoesNotExist:
        raise Http404(_("No such planned visit (or you may not see it).")) from None


@login_required
def planned_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    planned = _planned(request, pk)
    user = request_user(request)
    permissions.require_or_403(user, "visits.change_visits", planned.account)
    error = ""
    if request.method == "POST":
        form = forms.MoveForm(request.POST)
        if form.is_valid():
            try:
                planned = services.planned_visit_move(
                    planned=planned,
                    day=form.cleaned_data["day"],
                    username=form.cleaned_data["username"] or None,
                    by=user,
                    version=form.cleaned_data["version"],
                )
            except ConflictError as exc:
                form_conflict(form, exc)
                error = " ".join(str(e) for e in form.non_field_errors())
                planned = _planned(request, pk)
            except ApplicationError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("Visit to %(name)s moved to %(day)s.")
                    % {"name": planned.account.name, "day": planned.planned_on},
                )
                target = reverse("visits:calendar") + f"?month={planned.planned_on:%Y-%m}"
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
        else:
            error = _("Choose a day.")
    else:
        form = forms.MoveForm(
            initial={
                "day": planned.planned_on,
                "username": planned.manager.get_username() if planned.manager else "",
                "version": planned.version,
            }
        )
    context = {
        "planned": planned,
        "form": form,
        "error": error,
        "managers": selectors.staff_managers() if user_sees_all_accounts(user) else [],
    }
    return render(request, "visits/move.html", context, status=400 if error else 200)


# ---- due -----------------------------------------------------------------------------------------


@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = selectors.visits_due(user=request.user, as_of=today, manager=request.GET.get("manager", ""))
    return render(
        request,
        "visits/due.html",
        {"rows": rows, "today": today, "overdue": sum(1 for r in rows if r.overdue)},
    )


@login_required
def due_export(request: HttpRequest) -> HttpResponse:
    """The due list as a workbook: the same accounts as the page (its ``manager`` filter, the user's
    accounts), soonest due first."""
    today = timezone.localdate()
    rows = selectors.visits_due(user=request.user, as_of=today, manager=request.GET.get("manager", ""))
    headers = [
        Column(_("Customer id"), "text"),
        Column(_("Account"), "text"),
        Column(_("Grade"), "text"),
        Column(_("District"), "text"),
        Column(_("Manager"), "text"),
        Column(_("Last visit"), "date"),
        Column(_("Due"), "date"),
        Column(_("Days overdue"), "int"),
    ]
    values = (
        [
            r.customer_id,
            r.account.name,
            r.grade,
            r.account.district,
            r.manager_name,
            r.last_visit_on,
            r.due_on,
            r.days_overdue,
        ]
        for r in rows
    )
    return xlsx_response(
        workbook_bytes(title=_("Visits due"), headers=headers, rows=values), f"visits-due-{today.isoformat()}"
    )


# ---- visit records -------------------------------------------------------------------------------


@login_required
def visit_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    customer_id = request.GET.get("customer_id") or request.POST.get("customer_id") or ""
    permissions.require_or_403(user, "visits.change_visits")
    if not customer_id:
        rows = selectors.visits_due(user=user, as_of=timezone.localdate())
        return render(request, "visits/pick_account.html", {"rows": rows, "offline_strings": offline_strings()})
    try:
        account = account_get(user=user, customer_id=customer_id)
    except (Account.DoesNotExist, AccountNotVisible):
        raise Http404(_("No such account (or you may not see it).")) from None
    permissions.require_or_403(user, "visits.change_visits", account)
    planned: PlannedVisit | None = None
    if request.GET.get("planned") or request.POST.get("planned"):
        planned = _planned(request, int(request.GET.get("planned") or request.POST.get("planned") or 0))
    form = forms.VisitForm(request.POST or None, request.FILES or None, account=account)
    needs = forms.NeedFormSet(request.POST or None, prefix="needs")
    if request.method == "POST" and form.is_valid() and needs.is_valid():
        data = form.cleaned_data
        need_inputs = [
            services.NeedInput(text=n["text"], owner=n.get("owner"), due_on=n.get("due_on"))
            for n in needs.cleaned_data
            if n and (n.get("text") or "").strip()
        ]
        try:
            visit = services.visit_record(
                account=account,
                visited_on=data["visited_on"],
                by=user,
                attendees=list(data["attendees"]),
                topics=data["topics"],
                needs=need_inputs,
                satisfaction=data["satisfaction"],
                summary=data["summary"],
                files=data["attachments"] or [],
                planned=planned,
                client_key=data.get("client_key"),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            url = reverse("visits:record", args=[visit.pk])
            if not request.headers.get("X-Visit-Queued"):  # sent from the phone's queue later: no message
                messages.success(request, _("Visit to %(name)s recorded.") % {"name": account.name})
            if _wants_json(request):  # the page's script: a visit sent now or from the phone's queue
                return JsonResponse({"id": visit.pk, "url": url, "client_key": str(visit.client_key or "")})
            return HttpResponseRedirect(url)
    if request.method == "POST" and _wants_json(request):
        errors = {name: [e["message"] for e in items] for name, items in form.errors.get_json_data().items()}
        for i, need in enumerate(needs.forms):
            for name, items in need.errors.get_json_data().items():
                errors[f"needs-{i}-{name}"] = [e["message"] for e in items]
        if needs.non_form_errors():
            errors["needs"] = list(needs.non_form_errors())
        return JsonResponse({"errors": errors}, status=400)
    context = {
        "account": account,
        "form": form,
        "needs": needs,
        "planned": planned,
        "offline_strings": offline_strings(),
    }
    return render(request, "visits/visit_form.html", context, status=400 if request.method == "POST" else 200)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@login_required
def visit_records(request: HtmxHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    source = request.GET.get("source", "")
    visits = selectors.visit_list(user=request.user, q=q, source=source)
    page_size = 50
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    total = visits.count()
    rows = list(visits.prefetch_related("attendees")[(page - 1) * page_size : page * page_size])
    context = {
        "rows": rows,
        "q": q,
        "source": source,
        "sources": VisitSource.choices,
        "total": total,
        "page": page,
        "has_next": page * page_size < total,
    }
    template = "visits/records.html#table" if request.htmx else "visits/records.html"
    return render(request, template, context)


@login_required
def visit_records_export(request: HttpRequest) -> HttpResponse:
    """The visit records as a workbook: every visit the search keeps (all pages), newest first, with
    the full topics (or the summary when there are none) where the page cuts them short."""
    visits = selectors.visit_list(
        user=request.user, q=request.GET.get("q", "").strip(), source=request.GET.get("source", "")
    )
    if request.method == "POST":  # the list's bulk bar: exactly the selected visits (issue 19 part 6)
        wanted = [int(k) for k in bulk.selected(request) if k.isdigit()]
        if not wanted:
            messages.error(request, _("Select at least one row."))
            return HttpResponseRedirect(reverse("visits:records"))
        visits = visits.filter(pk__in=wanted)
    headers = [
        Column(_("Date"), "date"),
        Column(_("Customer id"), "text"),
        Column(_("Account"), "text"),
        Column(_("Visited by"), "text"),
        Column(_("Topics"), "text"),
        Column(_("Satisfaction"), "int"),
        Column(_("Source"), "text"),
    ]

    def rows() -> Iterator[list[Any]]:
        for v in visits.iterator(chunk_size=2000):
            staff = ""
            if v.staff is not None:  # as the page: the staff member's name, else the username
                profile = getattr(v.staff, "staff", None)
                staff = profile.name if profile is not None and profile.name else v.staff.get_username()
            yield [
                v.visited_on,
                v.account.customer_id,
                v.account.name,
                staff,
                v.topics or v.summary,
                v.satisfaction,
                v.get_source_display(),
            ]

    content = workbook_bytes(title=_("Visit records"), headers=headers, rows=rows())
    return xlsx_response(content, f"visit-records-{timezone.localdate().isoformat()}")


@login_required
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(selectors.visits_visible_to(request.user), pk=pk)
    context = {
        "visit": visit,
        "attendees": list(visit.attendees.all()),
        "attachments": list(visit.attachments.filter(archived=False)),
        "followups": list(visit.followups.select_related("owner__staff")),
    }
    return render(request, "visits/record.html", context)


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(VisitAttachment.objects.select_related("visit"), pk=pk, archived=False)
    if not selectors.visits_visible_to(request.user).filter(pk=item.visit_id).exists():
        raise Http404
    return FileResponse(item.file.open("rb"), filename=item.name, as_attachment=not item.is_image)


# ---- follow-ups ----------------------------------------------------------------------------------


@login_required
def followups(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    scope = request.GET.get("scope", "mine")
    items = selectors.followup_list(user=user, mine_only=scope != "all", status=FollowUpStatus.OPEN)
    return render(
        request,
        "visits/followups.html",
        {"followups": list(items[:300]), "scope": scope, "today": timezone.localdate()},
    )


@login_required
@require_POST
def followup_close(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_object_or_404(selectors.followups_visible_to(request.user), pk=pk)
    form = forms.FollowUpCloseForm(request.POST)
    form.is_valid()
    try:
        services.followup_close(
            followup=followup,
            by=request_user(request),
            note=form.cleaned_data.get("note", ""),
            cancel=bool(form.cleaned_data.get("cancel")),
            version=form.cleaned_data.get("version"),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Follow-up closed."))
    return HttpResponseRedirect(request.POST.get("next") or reverse("visits:followups"))


# ---- supervisor ----------------------------------------------------------------------------------


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        months = max(1, min(36, int(request.GET.get("months", 12))))
    except ValueError:
        months = 12
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = dt.date(index // 12, index % 12 + 1, 1)
    report = selectors.visit_compliance(user=request.user, first_day=first, last_day=today)
    grades = ["A", "B", "C"]
    rows = [
        {"username": u, "name": name, "cells": [report.cell(u, g) for g in grades], "total": report.cell(u, "*")}
        for u, name in report.managers
    ]
    totals = {"cells": [report.cell("*", g) for g in grades], "total": report.cell("*", "*")}
    chart = {
        "color": [PALETTE[0], PALETTE[2], PALETTE[1]],
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": [r["name"] for r in rows], "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": [{"type": "value", "name": "%", "min": 0, "max": 100, "unit": "%"}],
        "series": [
            {
                "name": _("Grade %(grade)s") % {"grade": g},
                "type": "bar",
                "data": [cell.rate if cell else None for cell in (report.cell(u, g) for u, _name in report.managers)],
            }
            for g in grades
        ],
    }
    context = {
        "report": report,
        "rows": rows,
        "totals": totals,
        "grades": grades,
        "chart": chart,
        "months": months,
        "first": first,
        "today": today,
    }
    return render(request, "visits/compliance.html", context)


@login_required
def reassign(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not selectors.user_is_supervisor(user):
        raise Http404
    wanted = request.GET.get("customer_id", "")
    # The primary assignment the supervisor sees now: a reassignment made meanwhile is not overwritten.
    seen = Assignment.objects.filter(account__customer_id=wanted, role=AssignmentRole.PRIMARY, active=True).first()
    initial = {"customer_id": wanted, "seen": seen.pk if seen is not None else 0} if wanted else {}
    form = forms.ReassignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        customer_id = form.cleaned_data["customer_id"].strip()
        account = Account.objects.active().filter(customer_id=customer_id).first()
        if account is None:
            form.add_error("customer_id", _("There is no account with customer id %(id)r.") % {"id": customer_id})
        else:
            try:
                services.account_reassign(
                    account=account, to_user=form.cleaned_data["to_user"], by=user, seen=form.cleaned_data["seen"]
                )
            except ConflictError as exc:
                form.add_error(None, exc.message)
                data: Any = form.data
                data = data.copy()
                data["seen"] = str(exc.current.pk)  # saving again is now a deliberate choice
                form.data = data
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(account)s now has %(user)s as primary manager.")
                    % {"account": account.name, "user": selectors.display_name(form.cleaned_data["to_user"])},
                )
                return HttpResponseRedirect(reverse("visits:reassign") + f"?manager={request.GET.get('manager', '')}")
    manager = request.GET.get("manager", "")
    accounts = selectors.key_accounts_with_cadence(accounts_visible_to(user)).order_by("customer_id")
    if manager:
        accounts = accounts.filter(assignments__staff__username=manager, assignments__active=True)
    shown = list(accounts[:200])
    primary = selectors.managers_of(a.pk for a in shown)
    context = {
        "form": form,
        "rows": [(a, primary.get(a.pk)) for a in shown],
        "manager": manager,
        "managers": selectors.staff_managers(),
    }
    return render(request, "visits/reassign.html", context, status=400 if request.method == "POST" else 200)


# ---- iCalendar feed ------------------------------------------------------------------------------


@login_required
def feed_settings(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        feed = services.feed_rotate(user=user)
        messages.success(request, _("A new link was made; the old one no longer works."))
    else:
        feed = services.feed_for(user=user)
    url = request.build_absolute_uri(reverse("visits:feed", args=[feed.token]))
    return render(request, "visits/feed.html", {"feed": feed, "url": url})


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no login (calendar apps cannot log in) — the secret in the link is the key."""
    from powerkam.visits.models import CalendarFeed

    found = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if found is None or not found.user.is_active:
        raise Http404
    with translation.override(settings.LANGUAGE_CODE):  # calendar apps send no useful language
        body = ics.manager_calendar(user=found.user, host=request.get_host().split(":")[0] or "powerkam")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="powerkam-visits.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
