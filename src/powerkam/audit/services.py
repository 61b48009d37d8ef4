"""Write audit rows. Every writer goes through :func:`audit_record`; nothing here ever changes a row."""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.http import HttpRequest

from powerkam.audit.client import client_ip
from powerkam.audit.models import AuditAction, AuditEvent

logger = logging.getLogger("powerkam.audit")

#: The request being served, for events raised without one at hand (an import saved by a service).
current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "powerkam_audit_request", default=None
)

_PATH_MAX = AuditEvent._meta.get_field("path").max_length or 500
_DETAIL_MAX = AuditEvent._meta.get_field("detail").max_length or 500
_USERNAME_MAX = AuditEvent._meta.get_field("username").max_length or 150


def audit_record(
    action: AuditAction,
    *,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    username: str = "",
    detail: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one row: who (``user``, else the request's user), from where and on which address (the request)."""
    if request is None:
        request = current_request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if user is not None and not username:
        username = user.get_username()
    path = ""
    ip = None
    if request is not None:
        path = request.get_full_path()
        ip = client_ip(request)
    event = AuditEvent.objects.create(
        action=action,
        user=user if isinstance(user, User) else None,
        username=username[:_USERNAME_MAX],
        ip_address=ip,
        path=path[:_PATH_MAX],
        detail=detail[:_DETAIL_MAX],
        extra=extra or {},
    )
    level = logging.WARNING if action in {AuditAction.LOGIN_FAILED, AuditAction.LOCKED_OUT} else logging.INFO
    logger.log(level, "audit %s user=%r ip=%s path=%s %s", action.value, username, ip, path, detail)
    return event
