"""Receivers that fill the audit log: Django's log-in signals and django-axes' lock-out. Apps above record
their own events with :func:`powerkam.audit.services.audit_record` (import runs: ``imports/signals.py``)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from powerkam.audit.models import AuditAction
from powerkam.audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="powerkam.audit.login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(AuditAction.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="powerkam.audit.logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(AuditAction.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="powerkam.audit.login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Django has already masked the password in ``credentials``; only the user name is kept.
    username = str(credentials.get("username") or "")
    audit_record(AuditAction.LOGIN_FAILED, request=request, username=username)


@receiver(user_locked_out, dispatch_uid="powerkam.audit.locked_out")
def _locked_out(sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    audit_record(AuditAction.LOCKED_OUT, request=request, username=username or "")
