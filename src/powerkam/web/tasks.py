"""Background work of the shell (``powerkam worker`` runs it).

- :func:`prepare_my_work` — every morning at 06:45, after the health check: each user's "My work"
  figures computed before the day's first visit (:mod:`powerkam.web.prepare`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task

from powerkam.web.prepare import prepare_everyone


@task()
def prepare_my_work(today: str | None = None) -> dict[str, Any]:
    """Prepare every active user's "My work" as of ``today`` (YYYY-MM-DD; today by default)."""
    run = prepare_everyone(dt.date.fromisoformat(today) if today else timezone.localdate())
    return {"users": run.users, "failed": run.failed, "seconds": run.seconds}
