"""Rules versions over the API: the outage, tariff, health and renewables rules (docs/api.md, "Rules versions").

A rules document is **append-only** (docs/architecture.md, "No lost update"): it is never edited in
place; saving makes a new version, the newest applies, and the older ones stay as the history of what
applied when. So the API has no PATCH: a client reads the history (``GET /rules/{kind}``, whose ``ETag``
is the newest version's id), then ``POST``s a new version naming the one it started from
(``based_on`` or ``If-Match``). A newer version saved meanwhile answers 409 with it as ``current``;
without a version, once one exists, 428. Grading rules are not here: they are given with each grading
run and recorded on it (``POST /grading/runs``, ``rules_toml``).

Each kind is saved by its app's service, which checks the permission, the version and the document.
The apps declare their kinds in :mod:`powerkam.core.rules`; this module imports none of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from powerkam.api.errors import ErrorOut
from powerkam.api.fields import length
from powerkam.api.versioning import VERSIONED, expected_version, optional_version
from powerkam.core import rules as rules_kinds
from powerkam.core.errors import NotAllowed
from powerkam.core.models import RulesVersion
from powerkam.staff import permissions

router = Router(tags=["rules"])

#: The kinds the API documents (each declared by its app in ``core.rules``: outages, insights, renewables).
Kind = Literal["outage", "tariff", "health", "renewables"]

_REFUSED = gettext_lazy("Your role may not read or change these rules.")


class RulesVersionOut(Schema):
    id: int = Field(description="The version's id: its ETag, and what a new version is based on")
    kind: str
    current: bool = Field(description="The newest version: the one that applies")
    rules_toml: str
    note: str
    created_by: str | None = Field(description="User name; null: the command line or an import")
    created_at: dt.datetime


class RulesVersionIn(Schema):
    rules_toml: str = Field(min_length=1, max_length=100_000, description="The whole document (TOML)")
    note: Annotated[str, length(RulesVersion, "note")] = ""
    based_on: int | None = Field(
        None,
        ge=1,
        description="The id of the newest version when you started editing (or If-Match: its ETag); "
        "needed once a version exists",
    )


def _kind(request: HttpRequest, kind: str) -> rules_kinds.RulesKind:
    rules = rules_kinds.get(kind)
    if rules is None:
        raise Http404(kind)
    if not permissions.can(request.user, rules.action):
        raise NotAllowed(str(_REFUSED), {"action": rules.action})
    return rules


def _out(kind: str, version: RulesVersion, newest_id: int | None) -> dict[str, Any]:
    by = version.created_by
    return {
        "id": version.pk,
        "kind": kind,
        "current": version.pk == newest_id,
        "rules_toml": version.rules_toml,
        "note": version.note,
        "created_by": by.get_username() if by is not None else None,
        "created_at": version.created_at,
    }


def _newest_id(model: type[RulesVersion]) -> int | None:
    return model._default_manager.order_by("-pk").values_list("pk", flat=True).first()


@router.get(
    "/{kind}",
    response={200: list[RulesVersionOut], 403: ErrorOut},
    summary="The history of one kind of rules, newest (the one that applies) first; ETag: the newest id",
    operation_id="rules_history",
)
def rules_history(
    request: HttpRequest, kind: Kind, response: HttpResponse, limit: int = Query(50, ge=1, le=500)
) -> list[dict[str, Any]]:
    """An empty list: no version was saved, the defaults of docs/rules.md apply."""
    rules = _kind(request, kind)
    newest = _newest_id(rules.model)
    response["ETag"] = f'"{newest or 0}"'
    rows = rules.model._default_manager.select_related("created_by").order_by("-pk")[:limit]
    return [_out(kind, row, newest) for row in rows]


@router.get(
    "/{kind}/{version_id}",
    response={200: RulesVersionOut, 403: ErrorOut, 404: ErrorOut},
    summary="One version of the rules",
    operation_id="rules_version",
)
def rules_version(request: HttpRequest, kind: Kind, version_id: int) -> dict[str, Any]:
    rules = _kind(request, kind)
    row = get_object_or_404(rules.model._default_manager.select_related("created_by"), pk=version_id)
    return _out(kind, row, _newest_id(rules.model))


@router.post(
    "/{kind}",
    response={201: RulesVersionOut, 400: ErrorOut, 403: ErrorOut, **VERSIONED},
    summary="Save a new version of the rules (it applies from now on; none is edited in place)",
    operation_id="rules_add",
)
def rules_add(
    request: HttpRequest, kind: Kind, payload: RulesVersionIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """Name the version you started from (``based_on`` or ``If-Match``): a newer one saved meanwhile answers
    409 with it as ``current``; none named once a version exists answers 428."""
    rules = _kind(request, kind)
    exists = _newest_id(rules.model) is not None
    based_on = expected_version(request, payload.based_on) if exists else optional_version(request, payload.based_on)
    version = rules.save(rules_toml=payload.rules_toml, note=payload.note, by=request.user, based_on=based_on)
    response["ETag"] = f'"{version.pk}"'
    return Status(201, _out(kind, version, version.pk))
