"""Background work for visits (``powerkam worker`` runs it): the weekly digest to each manager."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from powerkam.visits.digest import send_weekly_digests


@task()
def weekly_digest(today: str | None = None) -> dict[str, Any]:
    """Queue with ``weekly_digest.enqueue()`` (each Monday); ``today`` (YYYY-MM-DD) to replay a week."""
    day = dt.date.fromisoformat(today) if today else None
    return send_weekly_digests(today=day).as_dict()
