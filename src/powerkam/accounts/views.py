"""Account pages: the list (filters, sort, pages, Excel export) and the 360 page with its sections.

Views are thin: they parse the request, call a selector or service and render. The 360 page's
store-backed sections (consumption, load curve, payments) and its history of changes load as HTMX
fragments so the header shows at once.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from powerkam.accounts import selectors, services
from powerkam.accounts.forms import INDUSTRY_LABELS, AccountFilterForm, ContactEditForm, ContactForm
from powerkam.accounts.models import Account, Assignment, Contact
from powerkam.accounts.rows import RowLabels, account_row
from powerkam.core.errors import ApplicationError, ConflictError
from powerkam.core.locking import form_conflict
from powerkam.staff import permissions
from powerkam.web import bulk, charts
from powerkam.web.excel import Column, workbook_bytes, xlsx_response
from powerkam.web.panels import panel_for, panel_stylesheets, panels_for

PAGE_SIZE = 25


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


#: The export carries everything filtered, up to this many rows (beyond: narrow the filters).
EXPORT_LIMIT = 200_000


def _filters(request: HttpRequest, version: str | None = None) -> tuple[AccountFilterForm, selectors.AccountFilters]:
    form = AccountFilterForm(request.GET, choices=selectors.filter_choices(user=request.user, version=version))
    return form, form.filters()


@login_required
@require_GET
def account_list(request: HtmxHttpRequest) -> HttpResponse:
    version = selectors.accounts_version()
    form, filters = _filters(request, version)
    table = _account_table(request, filters, version)
    if request.htmx:
        return HttpResponse(table)
    context = {"form": form, "sort": filters.sort, "table": table, "bulk_bar": _bulk_bar(request, version)}
    return render(request, "accounts/list.html", context)


def _bulk_bar(request: HttpRequest, version: str) -> SafeString:
    """The list's bulk bar, rendered once per version of the accounts (the managers it offers are
    staff profiles, in that version), of what the registered actions offer (their stamps: the survey
    campaigns), and per user and language: a supervisor's bar lists every manager, and rendering it was
    a third of their list's time. It holds no form token (the bulk form before the table does)."""
    offered = bulk.actions("accounts", request.user)
    stamp = f"{version}:{bulk.stamp(offered)}"
    name = "bulk-bar:" + ":".join(sorted(a.key for a in offered))
    key = selectors.list_fragment_key(name, user=request.user, version=stamp, query="")
    html = cache.get(key)
    if html is None:
        groups = []
        for found in offered:
            choices = found.choices()
            if choices is not None:
                groups.append({"template": found.template, "choices": choices})
        html = render_to_string("accounts/list.html#bulk_bar", {"groups": groups}, request=request)
        cache.set(key, html, selectors.LIST_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our own template above


@login_required
@require_POST
def account_bulk(request: HttpRequest) -> HttpResponse:
    """The list's bulk actions (issue 19 part 6): export the selection (the list's own), and the actions
    other apps register for the list (web/bulk.py: reassign the primary manager, add to a survey
    campaign). Each account goes through the single action's service, all or none; the service checks
    the person's right."""
    from django.contrib import messages

    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("accounts:list")
    action = request.POST.get("action", "")
    wanted = bulk.selected(request)
    found = {a.customer_id: a for a in selectors.accounts_visible_to(request.user).filter(customer_id__in=wanted)}
    missing = [k for k in wanted if k not in found]
    if missing:
        messages.error(request, _("No account with this customer id: %(ids)s.") % {"ids": ", ".join(missing)})
        return redirect(back)
    if not wanted:
        messages.error(request, _("Select at least one row."))
        return redirect(back)
    accounts = [found[k] for k in wanted]
    try:
        if action == "export":
            return _export_response(
                selectors.account_list(user=request.user, filters=selectors.AccountFilters()).filter(
                    customer_id__in=wanted
                )
            )
        registered = bulk.action("accounts", action)
        if registered is None:
            raise Http404
        done = registered.run(accounts, request.user, bulk.versions(request, wanted), request.POST)
    except ApplicationError as exc:
        bulk.report(request, exc)
    else:
        messages.success(request, done.message)
    return redirect(back)


def _account_table(request: HttpRequest, filters: selectors.AccountFilters, version: str) -> SafeString:
    """The table of one page, rendered once per version of the accounts: everything it shows (the
    accounts, their managers) is in that version, so a page read again is the same HTML; rendering 25
    rows was most of the list's time (docs/benchmarks.md, "Load")."""
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    # Each row's next action on a phone (the card) is "Log a visit" for those who may log one.
    can_log_visits = permissions.can(request.user, "visits.change_visits", None)
    name = "table:log" if can_log_visits else "table"
    key = selectors.list_fragment_key(name, user=request.user, version=version, query=query)
    table = cache.get(key)
    if table is None:
        page = selectors.account_page(
            user=request.user, filters=filters, number=request.GET.get("page"), per_page=PAGE_SIZE, version=version
        )
        context = {
            "filters": filters,
            "page": page,
            "rows": _rows(page.object_list, version=version, can_log_visits=can_log_visits),
            "sort": filters.sort,
            "columns": _columns(),
        }
        table = render_to_string("accounts/list.html#table", context, request=request)
        cache.set(key, table, selectors.LIST_CACHE_SECONDS)
    return mark_safe(table)  # noqa: S308 - our own template's output, kept as rendered


#: Rows built last in this process: the same account's row shows on many pages (each filter, sort and
#: page of everyone who sees it). Only in the process: a row costs ~0.1 ms to build
#: (:mod:`powerkam.accounts.rows`), less than reading or writing an entry of the shared file cache.
_row_memo: OrderedDict[str, str] = OrderedDict()
_row_memo_lock = threading.Lock()
ROW_MEMO_ENTRIES = 5000


def _rows(accounts: Iterable[Any], *, version: str, can_log_visits: bool) -> list[SafeString]:
    """Each account's row of the table: everything a row shows (the account, its managers, the
    version the bulk form sends back) is in ``version``, so it is kept under that version, the
    language and the right to log visits, for whoever's page shows it."""
    accounts = list(accounts)
    prefix = f"accounts:row:{version}:{get_language()}:{int(can_log_visits)}:"
    keys = {a.pk: prefix + str(a.pk) for a in accounts}
    with _row_memo_lock:
        found = {k: _row_memo[k] for k in keys.values() if k in _row_memo}
    missing = [a for a in accounts if keys[a.pk] not in found]
    if missing:
        labels = RowLabels.active()
        found |= {keys[a.pk]: account_row(a, labels, can_log_visits=can_log_visits) for a in missing}
    with _row_memo_lock:
        for key in keys.values():
            _row_memo[key] = found[key]
            _row_memo.move_to_end(key)
        while len(_row_memo) > ROW_MEMO_ENTRIES:
            _row_memo.popitem(last=False)
    return [mark_safe(found[keys[a.pk]]) for a in accounts]  # noqa: S308 - built by accounts.rows (format_html)


def prepare_list(request: HttpRequest) -> None:
    """What the list's first page reads for ``request.user`` (filter choices, count, the table's and the
    bulk bar's HTML) into the cache, for the morning's preparation of "My work" (:mod:`powerkam.web.prepare`)."""
    version = selectors.accounts_version()
    _form, filters = _filters(request, version)
    _account_table(request, filters, version)
    _bulk_bar(request, version)


def _columns() -> list[tuple[str, str, bool]]:
    """(sort key, header, numeric) of the sortable columns, in display order."""
    return [
        ("customer_id", _("Customer id"), False),
        ("name", _("Name"), False),
        ("grade", _("Grade"), False),
        ("credit_score", _("Credit score"), True),
        ("voltage_kv", _("Voltage"), True),
        ("contract_capacity_kva", _("Contract capacity"), True),
        ("industry", _("Industry"), False),
        ("district", _("District"), False),
    ]


@login_required
@require_GET
def account_export(request: HttpRequest) -> HttpResponse:
    _form, filters = _filters(request)
    return _export_response(selectors.account_list(user=request.user, filters=filters)[:EXPORT_LIMIT])


def _export_response(accounts: selectors.AccountQuerySet) -> HttpResponse:
    headers = [
        Column(_("Customer id"), "text"),
        Column(_("Name"), "text"),
        Column(_("Grade"), "text"),
        Column(_("Credit score"), "int"),
        Column(_("Key-account status"), "text"),
        Column(_("Voltage (kV)"), "number"),
        Column(_("Contract capacity (kVA)"), "kva"),
        Column(_("Tariff"), "text"),
        Column(_("Industry"), "text"),
        Column(_("District"), "text"),
        Column(_("Important-user grade"), "text"),
        Column(_("Supply feeders"), "text"),
        Column(_("Primary manager"), "text"),
        Column(_("Secondary manager"), "text"),
    ]

    def rows() -> Iterator[list[Any]]:
        for account in accounts.iterator(chunk_size=2000):
            managers = {a.role: _manager_name(a) for a in getattr(account, "active_assignments", [])}
            yield [
                account.customer_id,
                account.name,
                account.grade,
                account.credit_score,
                account.get_key_status_display(),
                account.voltage_kv,
                account.contract_capacity_kva,
                account.get_tariff_display(),
                account.industry,
                account.district,
                account.get_important_grade_display(),
                account.feeders,
                managers.get("primary", ""),
                managers.get("secondary", ""),
            ]

    content = workbook_bytes(title=_("Key accounts"), headers=headers, rows=rows())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(content, f"powerkam-accounts-{stamp}")


def _manager_name(assignment: Assignment) -> str:
    profile = getattr(assignment.staff, "staff", None)
    return profile.name if profile is not None else assignment.staff.get_username()


def _get_account(request: HttpRequest, customer_id: str) -> Account:
    try:
        return selectors.account_get(user=request.user, customer_id=customer_id)
    except Account.DoesNotExist:
        raise Http404(_("No account with this customer id.")) from None


@functools.lru_cache(maxsize=8)
def _empty_contact_fields(language: str) -> SafeString:
    """The empty "Add a contact" form's fields, rendered once per process and language: the same for
    every account (the account is in the form's action, outside the fields), and Django's widget
    templates make rendering a form the costliest part of the 360 page. A new release starts new
    processes, so the HTML follows the form's code; a bound form (with errors) renders as usual."""
    html = render_to_string("accounts/detail.html#contact_fields", {"contact_form": ContactForm()})
    return mark_safe(html)  # noqa: S308 - rendered by our own template above


def empty_contact_fields() -> SafeString:
    return _empty_contact_fields(get_language())


@login_required
@require_GET
def account_detail(request: HttpRequest, customer_id: str) -> HttpResponse:
    account = _get_account(request, customer_id)
    panels = panels_for("account", request, account)
    can_edit = permissions.can(request.user, "accounts.change_account", account)
    context = {
        "account": account,
        "head": _detail_head(request, account, panels, can_edit=can_edit),
        "contacts": selectors.account_contacts(account=account),
        "feeders": selectors.account_feeders(account=account),
        "can_edit": can_edit,
        "contact_form": ContactForm(),
        "empty_contact_fields": empty_contact_fields(),
        "panels": panels,
        "panel_css": panel_stylesheets(panels),
    }
    return render(request, "accounts/detail.html", context)


def _detail_head(request: HttpRequest, account: Account, panels: list[Any], *, can_edit: bool) -> SafeString:
    """The 360 page's head — the account's facts, its managers, the section links — rendered once per
    version of the accounts (which covers the account, its group company, assignments and staff),
    language, edit right and the sections the other apps' panels add, and kept: it was half the page's
    rendering (docs/benchmarks.md, "Load, findings"). It holds no form token."""
    sections = ",".join(p.key for p in panels)
    key = f"accounts:head:{selectors.accounts_version()}:{account.pk}:{get_language()}:{int(can_edit)}:{sections}"
    html = cache.get(key)
    if html is None:
        context = {
            "account": account,
            "managers": selectors.account_managers(account=account),
            "can_edit": can_edit,
            "industry_label": INDUSTRY_LABELS.get(account.industry, account.industry),
            "panels": panels,
        }
        html = render_to_string("accounts/detail.html#head", context, request=request)
        cache.set(key, html, selectors.LIST_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, kept as rendered


@login_required
@require_GET
def account_panel(request: HttpRequest, customer_id: str, key: str) -> HttpResponse:
    """A panel another app adds to the 360 page, loaded after the page; nothing when it has nothing to show."""
    account = _get_account(request, customer_id)
    panel = panel_for("account", key, request, account)
    if panel is None:
        return HttpResponse("")
    return render(request, "accounts/_panel_section.html", {"account": account, "panel": panel})


@login_required
@require_GET
def account_consumption(request: HttpRequest, customer_id: str) -> HttpResponse:
    account = _get_account(request, customer_id)
    months = selectors.account_monthly_history(account=account)
    known = [m for m in months if m.kwh is not None]
    context = {
        "account": account,
        "months": months,
        "chart": charts.consumption_chart(months) if known else None,
        "total_kwh_12": sum(m.kwh or 0 for m in months[-12:]),
        "total_yuan_12": sum((m.amount_yuan or 0) for m in months[-12:]),
    }
    return render(request, "accounts/detail.html#consumption", context)


@login_required
@require_GET
def account_load(request: HttpRequest, customer_id: str) -> HttpResponse:
    account = _get_account(request, customer_id)
    curve = selectors.account_load_curve(account=account)
    context = {"account": account, "curve": curve, "chart": None if curve.empty else charts.load_curve_chart(curve)}
    return render(request, "accounts/detail.html#load", context)


@login_required
@require_GET
def account_payments(request: HttpRequest, customer_id: str) -> HttpResponse:
    account = _get_account(request, customer_id)
    record = selectors.account_payment_record(account=account)
    context = {"account": account, "record": record, "older": request.GET.get("older") == "1"}
    return render(request, "accounts/detail.html#payments", context)


@login_required
@require_GET
def account_history(request: HttpRequest, customer_id: str) -> HttpResponse:
    account = _get_account(request, customer_id)
    history = selectors.account_history(account=account)
    return render(request, "accounts/detail.html#history", {"account": account, "history": history})


@login_required
@require_POST
def account_contact_add(request: HttpRequest, customer_id: str) -> HttpResponse:
    account = _get_account(request, customer_id)
    form = ContactForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.contact_create(account=account, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ApplicationError as exc:
            error = exc.message
        else:
            form = ContactForm()
    context = {
        "account": account,
        "contacts": selectors.account_contacts(account=account),
        "can_edit": permissions.can(request.user, "accounts.change_account", account),
        "contact_form": form,
        "empty_contact_fields": empty_contact_fields(),
        "contact_error": error,
    }
    status = 403 if error else 200
    return render(request, "accounts/detail.html#contacts", context, status=status)


@login_required
def account_contact_edit(request: HttpRequest, customer_id: str, pk: int) -> HttpResponse:
    """Change one contact; a stale version re-shows the form saying who changed what meanwhile."""
    account = _get_account(request, customer_id)
    contact = get_object_or_404(Contact, pk=pk, account=account, archived=False)
    form = ContactEditForm(request.POST or None, instance=Contact.objects.get(pk=contact.pk))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.contact_update(contact=contact, by=request.user, version=data.pop("version"), **data)  # type: ignore[arg-type]
        except ConflictError as exc:
            form_conflict(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(reverse("accounts:detail", args=[account.customer_id]) + "#contacts")
    context = {"account": account, "contact": contact, "form": form}
    return render(request, "accounts/contact_form.html", context, status=400 if form.errors else 200)
