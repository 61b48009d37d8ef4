"""The API side of "no lost update" (docs/architecture.md): versions in, ETags out, 409 with the current row.

A client reads one object (``GET`` answers ``ETag: "<version>"`` and the body's ``version``) and sends
the version it edited back, either as the ``If-Match`` header or as the body's ``version`` field.
A change without either answers 428; a stale one 409 with the current state (:class:`ConflictOut`).
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from powerkam.api.errors import ErrorOut
from powerkam.core.errors import ApplicationError

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


class VersionRequired(ApplicationError):
    """A change that names no version: HTTP 428 Precondition Required."""


class ConflictOut(ErrorOut):
    """The error shape (docs/api.md) with the facts of the conflict and the object as it is now."""

    current_version: int
    your_version: int
    changed_by: list[str]
    changed_fields: list[str]
    current: dict[str, Any]


class VersionRequiredOut(ErrorOut):
    """The error shape: the change named no version (send ``version`` or ``If-Match``)."""


#: The statuses every versioned change may answer besides its own (add to ``response={…}``).
VERSIONED = {409: ConflictOut, 428: VersionRequiredOut}


def expected_version(request: HttpRequest, body_version: int | None = None) -> int:
    """The version the client edited: ``If-Match`` or the body's ``version`` (they must agree)."""
    header = request.headers.get("If-Match")
    from_header = None
    if header is not None:
        match = _ETAG.match(header)
        if match is None:
            raise ApplicationError(
                _('If-Match must be the ETag of the object you edited, such as "3"; got %(value)r.') % {"value": header}
            )
        from_header = int(match.group(1))
    if from_header is not None and body_version is not None and from_header != body_version:
        raise ApplicationError(
            _("If-Match (%(header)s) and the body's version (%(body)s) differ; send one of them.")
            % {"header": from_header, "body": body_version}
        )
    version = from_header if from_header is not None else body_version
    if version is None:
        raise VersionRequired(
            _(
                "Send the version you edited (the body's version field or an If-Match header with the ETag), "
                "so that a change someone made meanwhile is not lost."
            )
        )
    return version


def optional_version(request: HttpRequest, body_version: int | None = None) -> int | None:
    """Like :func:`expected_version` for an action that may also be sent without one (a stage move)."""
    try:
        return expected_version(request, body_version)
    except VersionRequired:
        return None


def set_etag(response: HttpResponse, obj: Any) -> None:
    """``ETag: "<version>"`` on the answer about one versioned object."""
    response["ETag"] = f'"{obj.version}"'
