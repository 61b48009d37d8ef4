"""The answer to a locked-out log-in (django-axes' ``AXES_LOCKOUT_CALLABLE``): 429, in the user's language.

The API gets its JSON error shape ``{"code", "message", "detail", "fields"}``; a page (the log-in page, the admin's) gets a page saying how
long the lock lasts. The event itself is in the audit log (``locked_out``), written by the axes signal.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

LOCKED_STATUS = 429


def cool_off_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def locked_message() -> str:
    minutes = cool_off_minutes()
    return ngettext(
        "Too many failed log-ins for this user name from your address: logging in is locked for "
        "%(minutes)d minute. Try again later, or ask an administrator to unlock it.",
        "Too many failed log-ins for this user name from your address: logging in is locked for "
        "%(minutes)d minutes. Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    message = locked_message()
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        # The API's error shape (docs/api.md).
        body = {"code": "locked_out", "message": message, "detail": message, "fields": []}
        response: HttpResponse = JsonResponse(body, status=LOCKED_STATUS)
    else:
        response = render(
            request,
            "audit/locked.html",
            {"message": message, "admin": request.path.startswith("/admin/")},
            status=LOCKED_STATUS,
        )
    response["Retry-After"] = retry_after
    return response
