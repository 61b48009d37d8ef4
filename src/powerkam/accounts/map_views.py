"""The map of key accounts (issue 19): the list's filters (district, grade, manager, status) on a map
of the districts, in the user's scope. Thin: the reads are :mod:`powerkam.accounts.maps`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from powerkam.accounts import map_charts, maps, selectors
from powerkam.accounts.forms import AccountFilterForm
from powerkam.accounts.models import KeyStatus

#: The list's filters the map offers (search, industry and voltage stay on the list).
MAP_FILTERS = ("district", "grade", "manager", "key_status")


@login_required
@require_GET
def account_map(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if "key_status" not in data:
        data["key_status"] = KeyStatus.KEY  # key accounts unless asked otherwise ("All" sends an empty value)
    form = AccountFilterForm(data, choices=selectors.filter_choices(user=request.user))
    filters = form.filters()
    found = maps.account_map(user=request.user, filters=filters)
    outlines = maps.district_outlines()
    list_query = urlencode({name: data.get(name, "") for name in MAP_FILTERS if data.get(name)})
    # The district table's links keep the other filters (an empty status means "All").
    other_filters = urlencode({name: data.get(name, "") for name in MAP_FILTERS if name != "district"})
    context = {
        "form": form,
        "fields": [form[name] for name in MAP_FILTERS],
        "found": found,
        "map_option": map_charts.account_map_option(found.points, outlines),
        "grade_names": map_charts.grade_names(),
        "list_query": list_query,
        "other_filters": other_filters,
    }
    return render(request, "accounts/map.html", context)
