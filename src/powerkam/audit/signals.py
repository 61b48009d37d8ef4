"""Receivers that fill the audit log: Django's log-in signals, django-axes' lock-out, and import runs."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from powerkam.audit.models import AuditAction, AuditEvent
from powerkam.audit.services import audit_record
from powerkam.imports.models import ImportRun, ImportStatus


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


@receiver(post_save, sender=ImportRun, dispatch_uid="powerkam.audit.import")
def _import_saved(sender: Any, instance: ImportRun, created: bool, **kwargs: Any) -> None:
    """One row per import run and outcome (landed, refused, interrupted, rolled back): a run is logged
    "running" before anything lands; it is audited when it ends (a run saved again with the same
    status adds nothing)."""
    status = str(instance.status)
    if status == ImportStatus.RUNNING:
        return
    if (
        not created
        and AuditEvent.objects.filter(action=AuditAction.IMPORT, extra__run=instance.pk, extra__status=status).exists()
    ):
        return
    rows = getattr(instance, "rows", None)
    audit_record(
        AuditAction.IMPORT,
        user=instance.by,
        detail=f"{instance.kind} · {instance.file_name} · {status}",
        extra={"run": instance.pk, "kind": instance.kind, "file": instance.file_name, "status": status, "rows": rows},
    )
