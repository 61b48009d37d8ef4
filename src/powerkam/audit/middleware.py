"""Record every download an authenticated user receives (exports), without touching the export views.

A response is a download when it is an attachment (``Content-Disposition: attachment``) or of a file type
the exports produce (Excel, CSV, PDF, iCalendar). The middleware also makes the current request known to
receivers that have none at hand (an import run saved by a service).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponseBase

from powerkam.audit.models import AuditAction
from powerkam.audit.services import audit_record, current_request

DOWNLOAD_CONTENT_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "text/csv",
        "application/pdf",
        "text/calendar",
        "application/zip",
    }
)
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*(?:[\w-]+)?''([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?', re.IGNORECASE)


def download_file_name(response: HttpResponseBase) -> str | None:
    """The file name a response is downloaded as, "" for a download without one, None for no download."""
    disposition = response.headers.get("Content-Disposition", "")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not disposition.lower().startswith("attachment") and content_type not in DOWNLOAD_CONTENT_TYPES:
        return None
    if match := _FILENAME_STAR.search(disposition):
        return unquote(match.group(1).strip())
    if match := _FILENAME.search(disposition):
        return match.group(1).strip()
    return ""


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        if response.status_code != 200:
            return response
        file_name = download_file_name(response)  # the headers first: the user is loaded only for downloads
        if file_name is None:
            return response
        user = getattr(request, "user", None)  # an API token sets it inside the view
        if user is not None and user.is_authenticated:
            content_type = response.headers.get("Content-Type", "")
            audit_record(
                AuditAction.EXPORT,
                request=request,
                user=user,
                detail=file_name or content_type,
                extra={"file": file_name, "content_type": content_type},
            )
        return response
