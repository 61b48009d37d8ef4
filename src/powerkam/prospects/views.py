"""Prospect pages: the pipeline list, a project with its stage actions, managers, tasks, contacts and
reservations, the weekly report (page, Excel, PDF, mail), the funnel and the feeders with headroom.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from powerkam.core.errors import ApplicationError, ConflictError
from powerkam.core.http import request_user
from powerkam.core.locking import form_conflict
from powerkam.prospects import charts, forms, selectors, services
from powerkam.prospects import funnel as funnel_math
from powerkam.prospects import report as weekly
from powerkam.prospects.models import FollowUp, Project, Reservation, Stage
from powerkam.staff.selectors import supervisors_to_mail
from powerkam.web import bulk
from powerkam.web.excel import Column, workbook_bytes, xlsx_response


def _require_visible(request: HttpRequest) -> None:
    if not selectors.user_sees_prospects(request.user):
        raise Http404(_("Prospects are for PowerKAM staff."))


def _project(request: HttpRequest, project_id: str) -> Project:
    try:
        return selectors.project_get(user=request.user, project_id=project_id)
    except Project.DoesNotExist:
        raise Http404(_("No such project.")) from None


def _detail_url(project: Project, anchor: str = "") -> str:
    return reverse("prospects:detail", args=[project.project_id]) + (f"#{anchor}" if anchor else "")


def _form_errors(request: HttpRequest, form: Any) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}" if label else " ".join(errors))


def _date_param(request: HttpRequest, name: str = "date") -> dt.date:
    raw = request.GET.get(name, "")
    try:
        return dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


# -- the pipeline --------------------------------------------------------------------------------------

COLUMNS = [
    ("project_id", gettext_lazy("Project id"), False),
    ("name", gettext_lazy("Project"), False),
    ("stage", gettext_lazy("Stage"), False),
    ("stage_since", gettext_lazy("Days in stage"), True),
    ("district", gettext_lazy("District"), False),
    ("industry", gettext_lazy("Industry"), False),
    ("expected_capacity_kva", gettext_lazy("Expected capacity"), True),
    ("expected_energize_on", gettext_lazy("Expected energise date"), False),
]


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    _require_visible(request)
    form = forms.FilterForm(request.GET or None)
    filters = form.filters()
    sort = request.GET.get("sort", "project_id")
    projects = selectors.project_list(user=request.user, filters=filters, sort=sort)
    page = Paginator(projects, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(p, selectors.days_in_stage(p, today)) for p in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "sort": sort,
        "columns": COLUMNS,
        "kpis": selectors.pipeline_kpis(),
        "notes": list(selectors.notes_for(user=request.user)[:20]),
        "can_edit": selectors.user_can_edit_prospects(request.user),
    }
    template = "prospects/list.html#table" if request.headers.get("HX-Request") else "prospects/list.html"
    return render(request, template, context)


@login_required
def project_export(request: HttpRequest) -> HttpResponse:
    _require_visible(request)
    filters = forms.FilterForm(request.GET or None).filters()
    projects = selectors.project_list(user=request.user, filters=filters, sort=request.GET.get("sort", "project_id"))
    if request.method == "POST":  # the list's bulk bar: exactly the selected projects (issue 19 part 6)
        wanted = bulk.selected(request)
        if not wanted:
            messages.error(request, _("Select at least one row."))
            return HttpResponseRedirect(reverse("prospects:list"))
        projects = projects.filter(project_id__in=wanted)
    today = timezone.localdate()
    headers = [
        Column(_("Project id"), "text"), Column(_("Project"), "text"), Column(_("Stage"), "text"),
        Column(_("Days in stage"), "int"), Column(_("District"), "text"), Column(_("Industry"), "text"),
        Column(_("Expected capacity (kVA)"), "kva"), Column(_("Expected annual consumption (kWh)"), "kwh"),
        Column(_("Expected energise date"), "date"), Column(_("Likely supply voltage (kV)"), "number"),
        Column(_("Green channel"), "text"), Column(_("Primary manager"), "text"),
        Column(_("Secondary manager"), "text"), Column(_("Government contact"), "text"),
        Column(_("Project owner"), "text"),
    ]  # fmt: skip

    def name(user: User | None) -> str:
        return weekly._person(user) if user is not None else ""

    rows = (
        [
            p.project_id,
            p.name,
            str(p.get_stage_display()),
            selectors.days_in_stage(p, today),
            p.district,
            p.industry,
            p.expected_capacity_kva,
            p.expected_annual_kwh,
            p.expected_energize_on,
            p.supply_voltage_kv,
            _("yes") if p.green_channel else "",
            name(p.primary_manager),
            name(p.secondary_manager),
            p.government_contact,
            p.owner_name,
        ]
        for p in projects
    )
    return xlsx_response(
        workbook_bytes(title=_("Prospects"), headers=headers, rows=rows), f"prospects-{today.isoformat()}"
    )


@login_required
@require_POST
def notes_read(request: HttpRequest) -> HttpResponse:
    services.notes_mark_read(user=request_user(request))
    return HttpResponseRedirect(reverse("prospects:list"))


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    _require_visible(request)
    form = forms.ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        project_id, name, stage, on = data.pop("project_id"), data.pop("name"), data.pop("stage"), data.pop("on")
        try:
            project = services.project_create(
                by=request_user(request), project_id=project_id, name=name, stage=stage, on=on, **data
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Project %(id)s registered.") % {"id": project.project_id})
            return HttpResponseRedirect(_detail_url(project))
    return render(request, "prospects/project_form.html", {"form": form, "project": None})


@login_required
def project_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    form = forms.ProjectForm(request.POST or None, instance=Project.objects.get(pk=project.pk))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.project_update(project=project, by=request_user(request), version=data.pop("version"), **data)
        except ConflictError as exc:
            form_conflict(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Project saved."))
            return HttpResponseRedirect(_detail_url(project))
    return render(request, "prospects/project_form.html", {"form": form, "project": project})


@login_required
def project_detail(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    today = timezone.localdate()
    next_stages = services.NEXT[project.stage]
    stage_form = forms.StageForm(
        initial={"to_stage": next_stages[0] if next_stages else "", "version": project.version}
    )
    stage_form.fields["to_stage"].choices = [(s, Stage(s).label) for s in next_stages]  # type: ignore[attr-defined]
    blocked = ""
    if next_stages:
        try:
            services.stage_check(project, next_stages[0])
        except ApplicationError as exc:
            blocked = exc.message
    feeder_headroom = selectors.feeder_headroom(project.feeder) if project.feeder else None
    context = {
        "project": project,
        "days_in_stage": selectors.days_in_stage(project, today),
        "changes": selectors.stage_changes(project),
        "tasks": selectors.follow_ups(project),
        "contacts": selectors.contact_log(project),
        "reservations": selectors.reservations_for(project),
        "steps": selectors.case_steps(project, today=today),
        "feeder_headroom": feeder_headroom,
        "next_stages": next_stages,
        "blocked": blocked,
        "can_edit": selectors.user_can_edit_prospects(request.user),
        "managers_form": forms.ManagersForm(
            initial={
                "primary": project.primary_manager_id,
                "secondary": project.secondary_manager_id,
                "version": project.version,
            }
        ),
        "stage_form": stage_form,
        "task_form": forms.FollowUpForm(),
        "done_form": forms.FollowUpDoneForm(),
        "contact_form": forms.ContactForm(),
        "reservation_form": forms.ReservationForm(
            initial={
                "feeder": project.feeder_id,
                "kva": project.expected_capacity_kva,
                "valid_until": project.expected_energize_on,
            }
        ),
        "history": list(project.history.select_related("history_user").order_by("-history_id")[:30]),
    }
    return render(request, "prospects/detail.html", context)


@login_required
@require_POST
def project_action(request: HttpRequest, project_id: str, action: str) -> HttpResponse:
    project = _project(request, project_id)
    by = request_user(request)
    anchor = action
    try:
        if action == "managers":
            form: Any = forms.ManagersForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return HttpResponseRedirect(_detail_url(project, anchor))
            services.project_managers_set(
                project=project,
                by=by,
                primary=form.cleaned_data["primary"],
                secondary=form.cleaned_data["secondary"],
                version=form.cleaned_data["version"],
            )
            done = _("Managers saved.")
        elif action == "stage":
            form = forms.StageForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return HttpResponseRedirect(_detail_url(project, anchor))
            data = form.cleaned_data
            connection = None
            if data["to_stage"] == Stage.APPLIED:
                connection = services.Connection(
                    customer_id=data["customer_id"],
                    tariff=data["tariff"] or "large_industrial",
                    voltage_kv=data["voltage_kv"],
                    capacity_kva=data["capacity_kva"],
                )
            services.project_advance(
                project=project, to_stage=data["to_stage"], by=by, on=data["on"], note=data["note"],
                lost_reason=data["lost_reason"], connection=connection, version=data.get("version"),
            )  # fmt: skip
            done = _("The project is now %(stage)s.") % {"stage": project.get_stage_display()}
        elif action == "task":
            form = forms.FollowUpForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return HttpResponseRedirect(_detail_url(project, "tasks"))
            services.follow_up_create(project=project, by=by, **form.cleaned_data)
            done, anchor = _("Task added."), "tasks"
        elif action == "contact":
            form = forms.ContactForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return HttpResponseRedirect(_detail_url(project, "contacts"))
            services.contact_log_add(project=project, by=by, **form.cleaned_data)
            done, anchor = _("Contact logged."), "contacts"
        elif action == "reserve":
            form = forms.ReservationForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return HttpResponseRedirect(_detail_url(project, "reservations"))
            reservation = services.reservation_create(project=project, by=by, **form.cleaned_data)
            done = _("%(kva)s kVA reserved on %(place)s until %(until)s.") % {
                "kva": services.fmt_number(reservation.kva),
                "place": reservation.place,
                "until": reservation.valid_until.isoformat(),
            }
            anchor = "reservations"
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(_detail_url(project, anchor))


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require_visible(request)
    task = get_object_or_404(FollowUp.objects.select_related("project"), pk=pk)
    try:
        if action == "done":
            form = forms.FollowUpDoneForm(request.POST)
            data = form.cleaned_data if form.is_valid() else {}
            services.follow_up_done(
                follow_up=task,
                by=request_user(request),
                on=data.get("on"),
                outcome=data.get("outcome", ""),
                version=data.get("version"),
            )
            messages.success(request, _("Task done."))
        elif action == "cancel":
            services.follow_up_cancel(follow_up=task, by=request_user(request), reason=request.POST.get("reason", ""))
            messages.success(request, _("Task cancelled."))
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(_detail_url(task.project, "tasks"))


@login_required
@require_POST
def reservation_release(request: HttpRequest, pk: int) -> HttpResponse:
    _require_visible(request)
    reservation = get_object_or_404(Reservation.objects.select_related("project"), pk=pk)
    form = forms.ReleaseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.reservation_release(reservation=reservation, by=request_user(request), reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reservation released."))
    return HttpResponseRedirect(_detail_url(reservation.project, "reservations"))


# -- weekly report ------------------------------------------------------------------------------------------


@login_required
def weekly_report(request: HttpRequest) -> HttpResponse:
    _require_visible(request)
    as_of = _date_param(request)
    report = weekly.build_weekly_report(as_of=as_of)
    fmt = request.GET.get("format", "")
    stem = f"weekly-report-{as_of.isoformat()}"
    if fmt == "xlsx":
        return xlsx_response(weekly.report_xlsx(report), stem)
    if fmt == "pdf":
        response = HttpResponse(weekly.report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{stem}.pdf"'
        return response
    context = {
        **weekly.report_context(report),
        "supervisors": supervisors_to_mail(),
        "last_runs": list(weekly.WeeklyReportRun.objects.all()[:5]),
        "can_edit": selectors.user_can_edit_prospects(request.user),
    }
    return render(request, "prospects/report.html", context)


@login_required
@require_POST
def weekly_report_send(request: HttpRequest) -> HttpResponse:
    _require_visible(request)
    if not selectors.user_can_edit_prospects(request.user):
        messages.error(request, _("Your role can view prospects but not change them."))
        return HttpResponseRedirect(reverse("prospects:report"))
    as_of = _date_param(request)
    try:
        run = weekly.weekly_report_send(as_of=as_of, by=request_user(request))
    except OSError as exc:  # the mail server did not answer
        messages.error(request, _("The report could not be mailed: %(error)s") % {"error": exc})
    else:
        if run.recipients:
            messages.success(request, _("Report mailed to %(to)s.") % {"to": ", ".join(run.recipients)})
        else:
            messages.error(request, _("No supervisor has an email address; nothing was sent."))
    return HttpResponseRedirect(reverse("prospects:report") + f"?date={as_of.isoformat()}")


# -- funnel, demand and feeders -------------------------------------------------------------------------------


@login_required
def funnel(request: HttpRequest) -> HttpResponse:
    _require_visible(request)
    services.stage_log_sync()  # an import may have moved projects on since the last look
    paths = selectors.funnel_paths()
    overall = funnel_math.funnel(paths, "")
    quarters = funnel_math.load_by_quarter(selectors.expected_loads())
    context = {
        "overall": overall,
        "by_district": funnel_math.funnels_by(paths, "district"),
        "by_industry": funnel_math.funnels_by(paths, "industry"),
        "stage_labels": dict(Stage.choices),
        "quarters": quarters,
        "funnel_chart": charts.funnel_chart(overall),
        "load_chart": charts.quarter_load_chart(quarters),
        "groups": selectors.demand_groups(),
    }
    return render(request, "prospects/funnel.html", context)


@login_required
def feeders(request: HttpRequest) -> HttpResponse:
    _require_visible(request)
    all_feeders = request.GET.get("all") == "1"
    rows = selectors.prospects_by_feeder(all_feeders=all_feeders)
    return render(request, "prospects/feeders.html", {"rows": rows, "all_feeders": all_feeders})
