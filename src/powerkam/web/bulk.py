"""The web side of bulk actions (issue 19 part 6): which rows were selected, and how a refusal reads.

A list page's rows carry ``<input type="checkbox" name="selected" form="ID">``, the version of the row
the person sees (``<input type="hidden" name="version-KEY" form="ID">``, compared by the service: a row
changed since is refused, core/bulk.py) and a bulk bar holds the
``<form id="ID" method="post">`` with the action buttons (``web/_bulk_bar.html``): it works without
JavaScript; ``powerkam.js`` adds "select all" and the count. The actions themselves are services
(:func:`powerkam.core.bulk.all_or_nothing` around the single action's service).

**Registered actions.** A list's own actions (export) are the list's; an action another app owns is a
:class:`BulkAction` that app registers for the list in its ``AppConfig.ready()``
(:func:`powerkam.core.contributions.contribute`, as panels are): the visits' reassignment and the survey
campaigns on the account list. The list asks :func:`actions` which to offer (and which stamp keeps its
bar), and :func:`action` for the one a request names, without importing the apps that own them
(docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib import messages
from django.http import HttpRequest
from django.template import Template

from powerkam.core.bulk import MAX_ROWS, BulkRefused
from powerkam.core.contributions import load
from powerkam.core.errors import ApplicationError
from powerkam.staff import permissions

#: The lists that take registered actions.
BulkList = Literal["accounts"]


@dataclass(frozen=True)
class BulkDone:
    """What a registered action did: the page's message and the service's result for each row."""

    message: str
    rows: list[Any]


@dataclass(frozen=True)
class BulkAction:
    """An action an app adds to a list's bulk bar and to its bulk endpoint."""

    #: the request's ``action`` (the bar's button value, the API's ``action``)
    key: str
    #: the right (staff.permissions) that shows the action in the bar; the service checks it again
    right: str
    #: the template of the action's group in the bar (its name, or a compiled one), rendered with ``choices``
    template: str | Template
    #: () → what the group offers (managers, campaigns …), or None to leave it out of the bar
    choices: Callable[[], Any]
    #: (rows, by, seen, params) → what was done; raises ApplicationError (a choice missing, a refusal).
    #: ``seen``: key → the row version the person saw; ``params``: the request's fields (the form's POST)
    run: Callable[[list[Any], Any, Mapping[str, int | None], Mapping[str, str]], BulkDone]
    #: () → a stamp of what ``choices`` reads beyond the list's own version (the bar is kept under it)
    stamp: Callable[[], str] | None = None
    order: int = 100


_ACTIONS: dict[BulkList, dict[str, BulkAction]] = {"accounts": {}}


def register(lst: BulkList, bulk_action: BulkAction) -> None:
    _ACTIONS[lst][bulk_action.key] = bulk_action


def actions(lst: BulkList, user: Any = None) -> list[BulkAction]:
    """The list's registered actions in order; with ``user``, those that person's rights show."""
    load()
    found = sorted(_ACTIONS[lst].values(), key=lambda a: (a.order, a.key))
    return found if user is None else [a for a in found if permissions.can(user, a.right)]


def action(lst: BulkList, key: str) -> BulkAction | None:
    """The registered action a request names (None: no such action)."""
    load()
    return _ACTIONS[lst].get(key)


def stamp(found: list[BulkAction]) -> str:
    """The stamp of what the bar of ``found`` actions offers beyond the list's version."""
    return ":".join(a.stamp() for a in found if a.stamp is not None)


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
