"""The audit log's record of import runs (the audit app is below the imports and knows nothing of them)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from powerkam.audit.models import AuditAction, AuditEvent
from powerkam.audit.services import audit_record
from powerkam.imports.models import ImportRun, ImportStatus


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
