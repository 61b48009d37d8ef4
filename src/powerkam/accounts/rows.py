"""The account list's rows as HTML, built with ``format_html`` as Django's admin builds its change
list's cells.

A list page shows 25 rows and a filtered page's first request rendered each through the template
engine: ~0.26 ms of CPU a row, two thirds of the request (docs/benchmarks.md, "Load, findings").
Each cell here is one escaped ``format_html``; the row's markup (classes, ``data-label`` for the
card layout on phones, the bulk form's checkbox and version) is the one the table's header and the
stylesheet expect (templates/accounts/list.html, partial ``table``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from powerkam.accounts.forms import INDUSTRY_LABELS
from powerkam.web.templatetags.powerkam_ui import DASH, grade_badge, kv, kva


@dataclass(frozen=True)
class RowLabels:
    """What every row of a page shares, in the active language: looked up once per page, not per row."""

    important: str
    score: str
    voltage: str
    capacity: str
    log_visit: str
    open: str
    new_visit_url: str
    #: the 360 page's address with ``{}`` for the customer id (one ``reverse`` per page)
    detail_url: str

    @classmethod
    def active(cls) -> RowLabels:
        marker = "customer-id-marker"
        return cls(
            important=_("Important"),
            score=_("Credit score"),
            voltage=_("Voltage"),
            capacity=_("Contract capacity"),
            log_visit=_("Log a visit"),
            open=_("Open the 360 page"),
            new_visit_url=reverse("visits:new"),
            detail_url=reverse("accounts:detail", args=[marker]).replace(marker, "{}"),
        )


#: What ``reverse`` leaves unquoted in a path argument (RFC 3986 sub-delimiters and ``/~:@``).
URL_SAFE = "!$&'()*+,;=/~:@"


def _or_dash(value: Any) -> Any:
    return value if value else DASH


def account_row(account: Any, labels: RowLabels, *, can_log_visits: bool) -> SafeString:
    """One ``<tr>`` of the list for ``account`` (an :class:`Account` with ``manager_rows`` and
    ``primary_seen`` from the page's selector)."""
    customer_id = account.customer_id
    detail_url = labels.detail_url.format(quote(customer_id, safe=URL_SAFE))
    important = (
        format_html(
            ' <span class="badge badge-warn" title="{}">{}</span>',
            account.get_important_grade_display(),
            labels.important,
        )
        if account.important_grade
        else ""
    )
    managers = (
        format_html_join(
            "", '<span class="tag" title="{}">{}</span>', ((m.role_label, m.name) for m in account.manager_rows)
        )
        if account.manager_rows
        else format_html('<span class="muted">{}</span>', DASH)
    )
    if can_log_visits:
        action = format_html(
            '<a class="btn btn-small" href="{}?customer_id={}" data-testid="card-log-visit">{}</a>',
            labels.new_visit_url,
            quote(customer_id, safe="/"),  # as the template's urlencode filter
            labels.log_visit,
        )
    else:
        action = format_html('<a class="btn btn-small" href="{}">{}</a>', detail_url, labels.open)
    score = DASH if account.credit_score is None else localize(account.credit_score)
    return format_html(
        "<tr>"
        '<td class="nowrap cell-id"><label class="select-row"><input type="checkbox" name="selected" value="{id}"'
        ' form="account-bulk" aria-label="{select}"></label><input type="hidden" name="version-{id}" value="{seen}"'
        ' form="account-bulk"><a href="{url}">{id}</a></td>'
        '<td class="cell-title"><a href="{url}">{name}</a>{important}</td>'
        '<td class="cell-badge">{grade}</td>'
        '<td class="num cell-figure" data-label="{score_label}">{score}</td>'
        '<td class="num cell-figure" data-label="{voltage_label}">{voltage}</td>'
        '<td class="num cell-figure" data-label="{capacity_label}">{capacity}</td>'
        '<td class="hide-phone" title="{industry_label}">{industry}</td>'
        '<td class="hide-phone">{district}</td>'
        '<td class="hide-phone">{managers}</td>'
        '<td class="card-only cell-action">{action}</td>'
        "</tr>",
        id=customer_id,
        select=_("Select account %(id)s") % {"id": customer_id},
        seen=account.primary_seen,
        url=detail_url,
        name=account.name,
        important=important,
        grade=grade_badge(account.grade),
        score_label=labels.score,
        score=score,
        voltage_label=labels.voltage,
        voltage=kv(account.voltage_kv),
        capacity_label=labels.capacity,
        capacity=kva(account.contract_capacity_kva),
        industry_label=INDUSTRY_LABELS.get(account.industry, ""),
        industry=_or_dash(account.industry),
        district=_or_dash(account.district),
        managers=managers,
        action=action,
    )
