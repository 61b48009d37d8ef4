"""The web side of bulk actions (issue 19 part 6): which rows were selected, and how a refusal reads.

A list page's rows carry ``<input type="checkbox" name="selected" form="ID">``, the version of the row
the person sees (``<input type="hidden" name="version-KEY" form="ID">``, compared by the service: a row
changed since is refused, core/bulk.py) and a bulk bar holds the
``<form id="ID" method="post">`` with the action buttons (``web/_bulk_bar.html``): it works without
JavaScript; ``powerkam.js`` adds "select all" and the count. The actions themselves are services
(:func:`powerkam.core.bulk.all_or_nothing` around the single action's service).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest

from powerkam.core.bulk import MAX_ROWS, BulkRefused
from powerkam.core.errors import ApplicationError


def selected(request: HttpRequest) -> list[str]:
    """The selected rows' keys, in the order shown, each once (at most one over the limit, which the
    service refuses with its message)."""
    seen: dict[str, None] = {}
    for value in request.POST.getlist("selected"):
        value = value.strip()
        if value:
            seen.setdefault(value, None)
        if len(seen) > MAX_ROWS:
            break
    return list(seen)


def versions(request: HttpRequest, keys: list[str]) -> dict[str, int | None]:
    """The version the person saw of each selected row: the list's hidden ``version-KEY`` field (the
    ticket's version, the account's primary assignment); a row without one is taken as it is."""
    found: dict[str, int | None] = {}
    for key in keys:
        value = request.POST.get(f"version-{key}", "").strip()
        found[key] = int(value) if value.isdigit() else None
    return found


def report(request: HttpRequest, exc: ApplicationError) -> None:
    """The refusal as page messages: the summary, then each refused row with the service's reason."""
    messages.error(request, exc.message)
    if isinstance(exc, BulkRefused):
        for refusal in exc.refusals:
            messages.error(request, f"{refusal.row}: {refusal.message}")
