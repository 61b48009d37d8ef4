"""The network screens of /grid/: the topology (substations, feeders and the accounts they supply),
the reliability table and the upgrade candidates with the connection priority.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from powerkam.accounts.models import Account
from powerkam.accounts.selectors import accounts_visible_to, user_sees_all_accounts
from powerkam.outages import network
from powerkam.outages import selectors as outage_selectors


def visible_ids(request: HttpRequest) -> set[str]:
    """The customer ids of the accounts the user may see (docs/permissions.md)."""
    return set(accounts_visible_to(request.user).values_list("customer_id", flat=True))


#: Feeders on a page of the topology (grouped by substation on the page).
TOPOLOGY_PAGE_SIZE = 40


@login_required
def topology(request: HttpRequest) -> HttpResponse:
    """Substations, their feeders and the accounts each supplies: filtered, grouped by substation and
    paged by feeders (476 feeders were one 21,000 px page — issue 19)."""
    filters = network.TopologyFilters(
        substation=request.GET.get("substation", "").strip(),
        q=request.GET.get("q", "").strip()[:100],
        with_key_accounts=request.GET.get("key") == "1",
        all_accounts=request.GET.get("all") == "1",
    )
    visible = None if user_sees_all_accounts(request.user) else visible_ids(request)
    nodes = network.topology_feeders(visible=visible, filters=filters)
    page = Paginator(nodes, TOPOLOGY_PAGE_SIZE).get_page(request.GET.get("page"))
    network.fill_headroom(page.object_list)
    return render(
        request,
        "outages/topology.html",
        {
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "filters": filters,
            "substations": network.substation_choices(),
            "show_all": filters.all_accounts,
            "feeders": page.paginator.count,
            "filtered": bool(filters.substation or filters.q or filters.with_key_accounts),
        },
    )


@login_required
def reliability(request: HttpRequest) -> HttpResponse:
    visible = visible_ids(request)
    rows = [r for r in network.reliability_table() if r.customer_id in visible]
    names = dict(
        Account.objects.filter(customer_id__in=[r.customer_id for r in rows]).values_list("customer_id", "name")
    )
    rules = outage_selectors.outage_rules()
    return render(
        request,
        "outages/reliability.html",
        {
            "rows": rows,
            "names": names,
            "rules": rules,
            "since": rows[0].since if rows else None,
            "until": rows[0].until if rows else None,
        },
    )


@login_required
def upgrades(request: HttpRequest) -> HttpResponse:
    visible = visible_ids(request)
    candidates = [c for c in network.upgrade_candidates() if c.kind == "feeder" or c.subject_id in visible]
    context: dict[str, Any] = {
        "accounts": [c for c in candidates if c.kind == "account"],
        "feeders": [c for c in candidates if c.kind == "feeder"],
        "rules": outage_selectors.outage_rules(),
        "substations": network.substations_newest_first(),
        "district": request.GET.get("district", ""),
        "substation_id": request.GET.get("substation", ""),
        "max_km": request.GET.get("max_km", ""),
    }
    if context["district"] or context["substation_id"]:
        source: dict[str, Any] = {}
        if context["substation_id"]:
            source = network.source_of(substation_id=context["substation_id"])
        district = context["district"] or source.get("district", "")
        try:
            max_km = float(context["max_km"]) if context["max_km"] else None
        except ValueError:
            max_km = None
        ranking = network.connection_priority(
            district=district,
            latitude=source.get("latitude"),
            longitude=source.get("longitude"),
            max_distance_km=max_km,
            source_id=source.get("source_id", ""),
        )
        context["priority"] = [e for e in ranking if e.customer_id in visible]
        context["priority_district"] = district
    return render(request, "outages/upgrades.html", context)
