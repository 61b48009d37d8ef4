"""The client's address, the same for the audit log and for log-in throttling (django-axes)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """``REMOTE_ADDR``; behind a reverse proxy (``POWERKAM_BEHIND_PROXY=1``) the last ``X-Forwarded-For`` entry.

    nginx's ``$proxy_add_x_forwarded_for`` appends the address it saw to whatever the client sent, so only
    the last entry can be trusted: the ones before it are the client's own claims.
    """
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return _valid(forwarded.split(",")[-1])
    return _valid(request.META.get("REMOTE_ADDR", "") or "")
