"""Service pages: my tickets by urgency, a ticket with its timeline and actions, cases, letters,
and SLA compliance for supervisors. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from powerkam.accounts import selectors as account_selectors
from powerkam.accounts.models import Account, AreaClass
from powerkam.accounts.overview import arrears_table
from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.service import forms, selectors, services
from powerkam.service.letters import render_notice_html, render_pdf
from powerkam.service.messages import notification_text
from powerkam.service.models import (
    Case,
    FaultInterruption,
    NoticeDelivery,
    NoticeTemplate,
    Ticket,
    TicketKind,
    TicketStatus,
    Transfer,
)
from powerkam.staff import permissions
from powerkam.web import bulk
from powerkam.web.charts import PALETTE
from powerkam.web.excel import Column, Sheet, workbook_bytes, write_workbook, xlsx_response


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    try:
        return selectors.ticket_get(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404(_("No such ticket (or you may not see it).")) from None


def _detail_url(ticket: Ticket) -> str:
    return reverse("service:ticket", args=[ticket.pk])


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}" if label else " ".join(errors))


def _account_or_error(customer_id: str) -> Account | None:
    if not customer_id.strip():
        return None
    account = Account.objects.filter(customer_id=customer_id.strip()).first()
    if account is None:
        raise ApplicationError(_("There is no account with customer id %(id)r.") % {"id": customer_id.strip()})
    return account


@login_required
def my_tickets(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = request.GET.get("scope", "mine")
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "open")
    sees_all = selectors.user_sees_all_tickets(user)
    if scope == "all":
        rows = selectors.ticket_list(user=user, status=status, kind=kind)
    else:
        rows = selectors.my_tickets(user=user)
        if kind:
            rows = [r for r in rows if r.ticket.kind == kind]
    context = {
        "rows": rows,
        "scope": scope,
        "kind": kind,
        "status": status,
        "sees_all": sees_all,
        "kinds": TicketKind.choices,
        "statuses": [
            ("open", pgettext("ticket status", "Open")),
            ("paused", _("Paused")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ],
        "notifications": _worded(selectors.notifications_for(user=user)[:20]),
        "counts": {
            state: sum(1 for r in rows if r.sla.state == state) for state in ("breached", "due_soon", "on_track")
        },
        "can_change": permissions.can(user, "service.record_request"),
        "bulk_form": forms.BulkTicketForm(),
    }
    return render(request, "service/my_tickets.html", context)


def _worded(notes: Any) -> list[Any]:
    """The notifications with their text in the reader's language (service/messages.py)."""
    rows = list(notes)
    for note in rows:
        note.text = notification_text(note)
    return rows


@login_required
@require_POST
def tickets_bulk(request: HttpRequest) -> HttpResponse:
    """The ticket list's bulk actions (issue 19 part 6): transfer, close, export the selection. Each
    ticket goes through the single action's service, all or none (services.tickets_close/_transfer)."""
    back = request.POST.get("next") or reverse("service:mine")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("service:mine")
    form = forms.BulkTicketForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(back)
    data = form.cleaned_data
    wanted = bulk.selected(request)
    visible = selectors.tickets_visible_to(request.user).select_related("account", "owner__staff")
    found = {str(t.pk): t for t in visible.filter(pk__in=[int(k) for k in wanted if k.isdigit()])}
    missing = [k for k in wanted if k not in found]
    if missing:
        messages.error(request, _("No such ticket (or you may not see it): %(ids)s.") % {"ids": ", ".join(missing)})
        return HttpResponseRedirect(back)
    tickets = [found[k] for k in wanted]
    if data["action"] == "export":
        if not tickets:
            messages.error(request, _("Select at least one row."))
            return HttpResponseRedirect(back)
        return _tickets_export(tickets)
    by = request_user(request)
    try:
        if data["action"] == "close":
            services.tickets_close(
                tickets=tickets, by=by, resolution=data["resolution"], versions=bulk.versions(request, wanted)
            )
            done = _("%(n)d tickets closed.") % {"n": len(tickets)}
        else:
            if data["to_user"] is None:
                messages.error(request, _("Hand over to: choose who takes the tickets over."))
                return HttpResponseRedirect(back)
            services.tickets_transfer(
                tickets=tickets,
                to_user=data["to_user"],
                by=by,
                note=data["note"],
                versions=bulk.versions(request, wanted),
            )
            done = _(
                "Transfer of %(n)d tickets requested: %(user)s must accept each; until then the owners stay responsible."
            ) % {
                "n": len(tickets),
                "user": data["to_user"].get_username(),
            }
    except ApplicationError as exc:
        bulk.report(request, exc)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(back)


def _tickets_export(tickets: list[Ticket]) -> HttpResponse:
    headers = [
        Column(_("Ticket"), "int"),
        Column(_("Title"), "text"),
        Column(_("Business"), "text"),
        Column(_("Customer id"), "text"),
        Column(_("Account"), "text"),
        Column(_("Owner"), "text"),
        Column(_("Status"), "text"),
        Column(_("Accepted on"), "date"),
        Column(_("Due"), "date"),
        Column(_("Closed on"), "date"),
    ]
    rows = (
        [
            t.pk,
            t.title,
            t.get_kind_display(),
            t.account.customer_id if t.account else "",
            t.account.name if t.account else "",
            getattr(getattr(t.owner, "staff", None), "name", "") or t.owner.get_username(),
            t.get_status_display(),
            t.accepted_on,
            t.due_on,
            t.closed_on,
        ]
        for t in tickets
    )
    content = workbook_bytes(title=_("Service tickets"), headers=headers, rows=rows)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(content, f"powerkam-tickets-{stamp}")


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    selectors.notifications_for(user=request.user).update(read_at=timezone.now())
    return HttpResponseRedirect(reverse("service:mine"))


@login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    permissions.require_or_403(request.user, "service.record_request")
    form = forms.TicketCreateForm(
        request.POST or None,
        initial={"customer_id": request.GET.get("customer_id", ""), "kind": request.GET.get("kind", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        accepted_at = None
        if data["accepted_time"] is not None:
            accepted_at = timezone.make_aware(dt.datetime.combine(data["accepted_on"], data["accepted_time"]))
        try:
            ticket = services.ticket_create(
                kind=data["kind"],
                title=data["title"],
                by=request_user(request),
                accepted_on=data["accepted_on"],
                accepted_at=accepted_at,
                account=_account_or_error(data["customer_id"]),
                description=data["description"],
                green_channel=data["green_channel"],
                dual_supply=data["dual_supply"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Ticket #%(id)s recorded; due %(due)s.") % {"id": ticket.pk, "due": ticket.due_on}
            )
            return HttpResponseRedirect(_detail_url(ticket))
    return render(request, "service/ticket_form.html", {"form": form})


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    user = request_user(request)
    sla = selectors.ticket_sla(ticket)
    pending = selectors.pending_transfer(ticket)
    v = {"version": ticket.version}
    hours = ticket.round_the_clock
    transfer_form = forms.TransferForm(initial=v)
    transfer_form.fields["to_user"].queryset = transfer_form.fields["to_user"].queryset.exclude(pk=ticket.owner_id)  # type: ignore[attr-defined]
    context = {
        "ticket": ticket,
        "sla": sla,
        "pending": pending,
        "owners": selectors.owner_chain(ticket),
        "timeline": selectors.ticket_timeline(ticket),
        "pauses": list(ticket.pauses.all()),
        "notices": list(ticket.notices.select_related("delivered_by")),
        "has_template": NoticeTemplate.objects.filter(kind=ticket.kind).exists(),
        "can_manage": permissions.can(user, "service.change_ticket", ticket) and not ticket.is_closed,
        # First inquiry: an account that is not theirs shows its customer id and name, not a link.
        "account_link": ticket.account is not None and permissions.can(user, "accounts.view_account", ticket.account),
        "is_receiver": pending is not None and pending.to_user_id == user.pk,
        "transfer_form": transfer_form,
        "pause_form": (forms.HourPauseForm if hours else forms.PauseForm)(initial=v),
        "resume_form": (forms.HourResumeForm if hours else forms.ResumeForm)(initial=v),
        "close_form": (forms.HourCloseForm if hours else forms.CloseForm)(initial=v),
        "contact_form": forms.ContactForm(initial=v) if ticket.contact_due_on and not ticket.contacted_on else None,
        "area_label": AreaClass(ticket.area_class).label if ticket.area_class in AreaClass.values else "",
        "arrive_form": forms.ArriveForm(initial=v) if hours and ticket.arrived_at is None else None,
        "restore_form": forms.RestoreForm(initial=v)
        if hours and ticket.arrived_at and not ticket.restored_at
        else None,
        "edit_form": forms.EditForm(
            initial={
                **v,
                "title": ticket.title,
                "description": ticket.description,
                "green_channel": ticket.green_channel,
            }
        ),
        "decline_form": forms.DeclineForm(),
        "notice_form": forms.NoticeForm(),
        "next_step_form": forms.NextStepForm(),
        "case_next": services.case_next_step(ticket.case) if ticket.case else None,
        "history": list(ticket.history.select_related("history_user").order_by("-history_id")[:30]),
        # a restored fault repair's outage on the account's reliability record (docs/service.md)
        "interruption": FaultInterruption.objects.filter(ticket=ticket).first() if hours else None,
    }
    return render(request, "service/ticket_detail.html", context)


_ACTIONS: dict[str, type[forms.VersionedForm]] = {
    "contact": forms.ContactForm,
    "transfer": forms.TransferForm,
    "pause": forms.PauseForm,
    "resume": forms.ResumeForm,
    "close": forms.CloseForm,
    "edit": forms.EditForm,
}
#: A round-the-clock ticket records times, not days.
_HOUR_ACTIONS: dict[str, type[forms.VersionedForm]] = {
    **_ACTIONS,
    "pause": forms.HourPauseForm,
    "resume": forms.HourResumeForm,
    "close": forms.HourCloseForm,
    "arrive": forms.ArriveForm,
    "restore": forms.RestoreForm,
}


@login_required
@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = _ticket(request, pk)
    form_class = (_HOUR_ACTIONS if ticket.round_the_clock else _ACTIONS).get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(_detail_url(ticket))
    data = form.cleaned_data
    by = request_user(request)
    try:
        if action == "transfer":
            services.ticket_transfer_request(
                ticket=ticket, version=data["version"], to_user=data["to_user"], by=by, note=data["note"]
            )
            done = _("Transfer requested: %(user)s must accept it; until then you stay responsible.") % {
                "user": data["to_user"].get_username()
            }
        elif action == "pause":
            services.ticket_pause(
                ticket=ticket,
                version=data["version"],
                by=by,
                on=data.get("on"),
                at=data.get("at"),
                reason=data["reason"],
            )
            done = _("The clock is paused.")
        elif action == "resume":
            services.ticket_resume(ticket=ticket, version=data["version"], by=by, on=data.get("on"), at=data.get("at"))
            done = _("The clock runs again; new due date %(due)s.") % {"due": ticket.due_on}
        elif action == "close":
            services.ticket_close(
                ticket=ticket,
                version=data["version"],
                by=by,
                on=data.get("on"),
                at=data.get("at"),
                resolution=data["resolution"],
            )
            done = _("Ticket closed.")
        elif action == "contact":
            services.ticket_contact(ticket=ticket, version=data["version"], by=by, on=data["on"])
            done = _("First contact recorded.")
        elif action == "arrive":
            services.ticket_arrive(ticket=ticket, version=data["version"], by=by, at=data["at"])
            done = _("Arrival on site recorded; the restoration clock runs from it.")
        elif action == "restore":
            services.ticket_restore(ticket=ticket, version=data["version"], by=by, at=data["at"])
            done = _("Restoration recorded. Close the ticket once the work is reported.")
        else:
            services.ticket_update(
                ticket=ticket,
                version=data["version"],
                by=by,
                title=data["title"],
                description=data["description"],
                green_channel=data["green_channel"],
            )
            done = _("Ticket saved.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(_detail_url(ticket))


@login_required
@require_POST
def transfer_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    transfer = get_object_or_404(Transfer.objects.select_related("ticket"), pk=pk)
    by = request_user(request)
    try:
        if decision == "accept":
            services.ticket_transfer_accept(transfer=transfer, by=by)
            messages.success(request, _("You now own this ticket."))
        elif decision == "decline":
            form = forms.DeclineForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.ticket_transfer_decline(transfer=transfer, by=by, reason=reason)
            messages.success(request, _("Transfer declined; the ticket stays with its owner."))
        elif decision == "cancel":
            services.ticket_transfer_cancel(transfer=transfer, by=by)
            messages.success(request, _("Transfer request withdrawn."))
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    if selectors.tickets_visible_to(by).filter(pk=transfer.ticket_id).exists():
        return HttpResponseRedirect(_detail_url(transfer.ticket))
    return HttpResponseRedirect(reverse("service:mine"))


# -- one-time notification letters -------------------------------------------------------------


@login_required
def notice_preview(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    template = NoticeTemplate.objects.filter(kind=ticket.kind).first()
    if template is None:
        raise Http404(_("There is no one-time notification template for this business yet."))
    html = render_notice_html(ticket=ticket, template=template, on=timezone.localdate())
    if request.GET.get("format") == "pdf":
        return _pdf_response(html, f"notice-{ticket.pk}.pdf")
    return HttpResponse(html)


@login_required
@require_POST
def notice_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = forms.NoticeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(_detail_url(ticket))
    try:
        delivery = services.notice_deliver(ticket=ticket, by=request_user(request), **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("One-time notification recorded as delivered on %(on)s.") % {"on": delivery.delivered_on}
        )
    return HttpResponseRedirect(_detail_url(ticket))


def _pdf_response(html: str, filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def notice_view(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(NoticeDelivery, pk=pk)
    _ticket(request, delivery.ticket_id)  # visibility
    if request.GET.get("format") == "pdf":
        return _pdf_response(delivery.html, f"notice-{delivery.ticket_id}-{delivery.delivered_on}.pdf")
    return HttpResponse(delivery.html)


# -- cases ---------------------------------------------------------------------------------------


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    permissions.require_or_403(request.user, "service.record_request")
    form = forms.CaseCreateForm(
        request.POST or None,
        initial={"customer_id": request.GET.get("customer_id", ""), "kind": request.GET.get("kind", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = _account_or_error(data["customer_id"])
            assert account is not None
            case = services.case_create(
                account=account,
                title=data["title"],
                by=request_user(request),
                accepted_on=data["accepted_on"],
                dual_supply=data["dual_supply"],
                green_channel=data["green_channel"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return HttpResponseRedirect(reverse("service:case", args=[case.pk]))
    return render(request, "service/case_form.html", {"form": form})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case.objects.select_related("account"), pk=pk)
    visible = selectors.tickets_visible_to(request.user).filter(case=case)
    if not visible.exists():
        raise Http404
    steps = [selectors.TicketRow(t, selectors.ticket_sla(t), None) for t in case.steps.order_by("accepted_on", "id")]
    next_kind = services.case_next_step(case)
    context = {
        "case": case,
        "steps": steps,
        "next_kind": TicketKind(next_kind).label if next_kind else None,
        "can_open_next": next_kind is not None and all(r.ticket.status == TicketStatus.CLOSED for r in steps),
        "next_step_form": forms.NextStepForm(initial={"version": case.version}),
    }
    return render(request, "service/case_detail.html", context)


@login_required
@require_POST
def case_next_step(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=pk)
    if not selectors.tickets_visible_to(request.user).filter(case=case).exists():
        raise Http404
    form = forms.NextStepForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(reverse("service:case", args=[case.pk]))
    try:
        ticket = services.case_step_open(
            case=case,
            by=request_user(request),
            accepted_on=form.cleaned_data["accepted_on"],
            version=form.cleaned_data["version"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("service:case", args=[case.pk]))
    return HttpResponseRedirect(_detail_url(ticket))


# -- supervisor view --------------------------------------------------------------------------


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        months = max(1, min(36, int(request.GET.get("months", 12))))
    except ValueError:
        months = 12
    first = selectors.first_of_months_back(today, months)
    data = selectors.sla_compliance(user=request.user, first_month=first, last_month=today)
    chart = {
        "color": [*PALETTE, "#2f9e44", "#c6362b", "#66768a", "#d9730d"],
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": data["months"]},
        "yAxis": [{"type": "value", "name": "%", "min": 0, "max": 100, "unit": "%"}],
        "series": [
            {"name": s["label"], "type": "line", "connectNulls": True, "data": s["rates"]} for s in data["series"]
        ],
    }
    rows = [(label, data["totals"].get(kind)) for kind, label in data["kinds"]]
    return render(
        request,
        "service/compliance.html",
        {"data": data, "chart": chart, "rows": rows, "total": data["totals"].get("*"), "months": months},
    )


def _report_period(request: HttpRequest, default_first: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """?first=YYYY-MM-DD&last=YYYY-MM-DD; default: from ``default_first`` (else the three whole months
    before this one) to today."""
    today = timezone.localdate()
    default_first = default_first or selectors.first_of_months_back(today, 4)
    try:
        first = dt.date.fromisoformat(request.GET.get("first") or default_first.isoformat())
        last = dt.date.fromisoformat(request.GET.get("last") or today.isoformat())
    except ValueError:
        raise ApplicationError(_("Give the period as dates in the form YYYY-MM-DD.")) from None
    if last < first:
        raise ApplicationError(_("The period ends before it starts."))
    return first, last


def _unit(unit: str) -> str:
    return _("minutes") if unit == "minutes" else _("working days")


@login_required
def compliance_report(request: HttpRequest) -> HttpResponse:
    """Per kind and area class: count, on-time share, median and 90th percentile, breaches with owners."""
    from powerkam.service.compliance import compliance_report as build

    try:
        first, last = _report_period(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("service:compliance-report"))
    report = build(user=request.user, first=first, last=last)
    if request.GET.get("format") == "xlsx":
        heading = [_("Compliance %(first)s – %(last)s") % {"first": first, "last": last}]
        groups = Sheet(
            title=_("Compliance"),
            heading=heading,
            columns=[
                Column(_("Business")),
                Column(_("Area class")),
                Column(_("Unit")),
                Column(_("Closed"), "int"),
                Column(_("On time"), "int"),
                Column(_("On-time share"), "percent"),
                Column(_("Median"), "number"),
                Column(_("90th percentile"), "number"),
            ],
            rows=[
                (
                    g.label,
                    g.area_label,
                    _unit(g.unit),
                    g.count,
                    g.on_time,
                    None if g.on_time_share is None else g.on_time_share / 100,
                    g.median,
                    g.p90,
                )
                for g in report.groups
            ],
        )
        breaches = Sheet(
            title=_("Breaches"),
            columns=[
                Column(_("Ticket"), "int"),
                Column(_("Title")),
                Column(_("Business")),
                Column(_("Customer id")),
                Column(_("Owner")),
                Column(_("Due")),
                Column(_("Late by"), "int"),
                Column(_("Unit")),
                Column(_("Status")),
            ],
            rows=[
                (
                    b.ticket.pk,
                    b.ticket.title,
                    b.ticket.get_kind_display(),
                    b.ticket.account.customer_id if b.ticket.account else "",
                    b.ticket.owner.get_username(),
                    b.due.strftime("%Y-%m-%d %H:%M") if isinstance(b.due, dt.datetime) else b.due.isoformat(),
                    b.late,
                    _unit(b.unit),
                    _("Closed late") if b.closed else pgettext("ticket status", "Open"),
                )
                for b in report.breaches
            ],
        )
        return xlsx_response(write_workbook([groups, breaches]), f"compliance-{first}-{last}")
    return render(
        request,
        "service/compliance_report.html",
        {"report": report, "first": first, "last": last, "query": request.GET.urlencode()},
    )


def _complaint_period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """?first=YYYY-MM-DD&last=YYYY-MM-DD; default: the six months to today (this month the last)."""
    today = timezone.localdate()
    first, last = _report_period(request, selectors.first_of_months_back(today, 6))
    if (last - first).days > 3 * 366:
        raise ApplicationError(_("Choose a period of at most three years."))
    return first, last


@login_required
def complaints_report(request: HttpRequest) -> HttpResponse:
    """The monthly complaint report: complaints per month and per district, by type (95598
    complaints, reports of misconduct, complaint tickets without a work order), in the user's scope;
    ``?format=xlsx`` gives the same tables and every (month, type, district) count as a workbook."""
    from powerkam.service.compliance import COMPLAINT_TYPES, complaint_report, complaint_type_label

    try:
        first, last = _complaint_period(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("service:complaints-report"))
    report = complaint_report(user=request.user, first=first, last=last)
    types = [complaint_type_label(t) for t in COMPLAINT_TYPES]
    if request.GET.get("format") == "xlsx":
        heading = [_("Complaints %(first)s – %(last)s") % {"first": first, "last": last}]
        counts = [Column(t, "int") for t in types] + [Column(_("Total"), "int")]
        by_month = Sheet(
            title=_("By month"),
            heading=heading,
            columns=[Column(_("Month"), "text"), *counts],
            rows=[[line.key, *line.cells, line.total] for line in report.by_month]
            + [[_("Total"), *report.total.cells, report.total.total]],
        )
        by_district = Sheet(
            title=_("By district"),
            heading=heading,
            columns=[Column(_("District"), "text"), *counts],
            rows=[[line.key or "—", *line.cells, line.total] for line in report.by_district],
        )
        detail = Sheet(
            title=_("Detail"),
            columns=[
                Column(_("Month"), "text"),
                Column(_("Type"), "text"),
                Column(_("District"), "text"),
                Column(_("Complaints"), "int"),
            ],
            rows=[[r["month"], complaint_type_label(r["type"]), r["district"] or "—", r["count"]] for r in report.rows],
        )
        return xlsx_response(write_workbook([by_month, by_district, detail]), f"complaints-{first}-{last}")
    return render(
        request,
        "service/complaints_report.html",
        {"report": report, "types": types, "first": first, "last": last, "query": request.GET.urlencode()},
    )


ARREARS_PAGE_SIZE = 50


def _arrears_filters(request: HttpRequest) -> selectors.ArrearsFilters:
    get = request.GET
    return selectors.ArrearsFilters(
        q=get.get("q", "").strip(),
        district=get.get("district", "").strip(),
        age=get.get("age", "") if get.get("age", "") in selectors.ARREARS_AGES else "",
        manager=get.get("manager", "").strip(),
        without_ticket=get.get("without_ticket") == "1",
        sort=get.get("sort", "owed") if get.get("sort", "owed") in selectors.ARREARS_SORTS else "owed",
    )


@login_required
def arrears(request: HttpRequest) -> HttpResponse:
    """Arrears collection: the key accounts owing bills past their due date, with the collection
    ticket already open for each (or a button to open one); ``?format=xlsx`` exports the filtered list."""
    today = timezone.localdate()
    filters = _arrears_filters(request)
    accounts = selectors.arrears_accounts(user=request.user, filters=filters, today=today)
    if request.GET.get("format") == "xlsx":
        return _arrears_workbook(accounts, today)
    page = Paginator(accounts, ARREARS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "rows": selectors.arrears_rows(list(page.object_list)),
        "count": len(accounts),
        "outstanding_yuan": sum((a.outstanding_yuan for a in accounts), Decimal("0")),
        "penalty_yuan": sum((a.penalty_yuan for a in accounts), Decimal("0")),
        "today": today,
        "ages": list(selectors.ARREARS_AGES),
        "districts": account_selectors.filter_choices(user=request.user)["districts"],
        "managers": account_selectors.filter_choices(user=request.user)["managers"],
        "query": query.urlencode(),
    }
    return render(request, "service/arrears.html", context)


def _arrears_workbook(accounts: list[Any], today: dt.date) -> HttpResponse:
    columns, rows = arrears_table(accounts)
    content = workbook_bytes(title=_("Arrears"), headers=columns, rows=rows)
    return xlsx_response(content, f"arrears-{today.isoformat()}")
