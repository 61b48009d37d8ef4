"""Core's periodic task: the nightly backup (registered only when ``POWERKAM_BACKUP_DIR`` is set)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from powerkam.core.backup import nightly_backup as _nightly_backup


@task()
def nightly_backup() -> dict[str, Any]:
    """Queue with ``nightly_backup.enqueue()``: a backup into POWERKAM_BACKUP_DIR, the newest N kept."""
    return _nightly_backup()
