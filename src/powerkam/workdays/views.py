"""The calendar page: the year at a glance, and the administrator's entries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.staff import permissions
from powerkam.workdays import selectors, services
from powerkam.workdays.forms import DeclareYearForm, OverrideForm, YearImportForm
from powerkam.workdays.models import CalendarOverride

MAX_UPLOAD_BYTES = 1_000_000


def _year_url(year: int) -> str:
    return f"{reverse('workdays:year')}?year={year}"


def _override_form(request: HttpRequest, year: int) -> OverrideForm:
    """The form to state a date; ``?edit=<id>`` fills it with that entry and the version it has now."""
    edit = request.GET.get("edit", "")
    entry = CalendarOverride.objects.filter(pk=int(edit)).first() if edit.isdigit() else None
    if entry is None:
        return OverrideForm(initial={"date": f"{year}-01-01"})
    return OverrideForm(
        initial={
            "date": entry.date,
            "is_workday": "1" if entry.is_workday else "0",
            "name": entry.name,
            "note": entry.note,
            "version": entry.version,
        }
    )


@login_required
def year_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    status = selectors.calendar_status(today=today)
    year_status = next((y for y in status["years"] if y.year == year), None)
    context = {
        "year": year,
        "prev_year": year - 1,
        "next_year": year + 1,
        "months": selectors.calendar_year_grid(year=year),
        "overrides": selectors.overrides_for_year(year=year),
        "known": bool(year_status and year_status.known),
        "year_status": year_status,
        "status": status,
        "today": today,
        "can_edit": permissions.can(request.user, "workdays.change_calendar"),
        "override_form": _override_form(request, year),
        "import_form": YearImportForm(),
        "declare_form": DeclareYearForm(initial={"year": year}),
        "weekday_names": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
    }
    return render(request, "workdays/year.html", context)


def _require_editor(request: HttpRequest) -> None:
    permissions.require(request.user, "workdays.change_calendar")


@login_required
@require_POST
def override_set(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}: {' '.join(str(e) for e in errors)}",
            )
        return HttpResponseRedirect(reverse("workdays:year"))
    data = form.cleaned_data
    try:
        override = services.calendar_override_set(
            date=data["date"],
            is_workday=data["is_workday"],
            name=data["name"],
            note=data["note"],
            by=request_user(request),
            version=data["version"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_year_url(data["date"].year))
    messages.success(request, _("%(date)s saved.") % {"date": override.date.isoformat()})
    return HttpResponseRedirect(_year_url(override.date.year))


@login_required
@require_POST
def override_archive(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    override = get_object_or_404(CalendarOverride, pk=pk)
    try:
        version = request.POST.get("version", "")
        services.calendar_override_archive(
            override=override, by=request_user(request), version=int(version) if version.isdigit() else None
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The entry for %(date)s is withdrawn.") % {"date": override.date.isoformat()})
    return HttpResponseRedirect(_year_url(override.date.year))


@login_required
@require_POST
def year_import(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = YearImportForm(request.POST, request.FILES)
    back = request.POST.get("year", "")
    target = _year_url(int(back)) if back.isdigit() else reverse("workdays:year")
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file to import."))
        return HttpResponseRedirect(target)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        messages.error(request, _("The file is too large for a year's calendar."))
        return HttpResponseRedirect(target)
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
        return HttpResponseRedirect(target)
    try:
        report = services.calendar_year_import(
            text=text, source_note=form.cleaned_data["source_note"] or upload.name, by=request_user(request)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        for err in exc.extra.get("errors", [])[:20]:
            messages.error(
                request,
                _("Row %(row)s, %(column)s = “%(value)s”: %(reason)s") % err,
            )
        return HttpResponseRedirect(target)
    messages.success(
        request,
        _("%(year)s imported and declared known: %(holidays)s days off, %(adjusted_workdays)s adjusted working days.")
        % report.as_dict(),
    )
    return HttpResponseRedirect(_year_url(report.year))


@login_required
@require_POST
def year_declare(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = DeclareYearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a year between 2000 and 2100."))
        return HttpResponseRedirect(reverse("workdays:year"))
    data = form.cleaned_data
    try:
        services.calendar_year_declare(
            year=data["year"], complete=data["complete"], source_note=data["source_note"], by=request_user(request)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if data["complete"]:
            messages.success(request, _("%(year)s is declared complete and now counts as known.") % data)
        else:
            messages.success(request, _("%(year)s no longer counts as known: its answers are provisional.") % data)
    return HttpResponseRedirect(_year_url(data["year"]))
