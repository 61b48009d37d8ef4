"""Background work: escalate tickets that are due soon or breached (``powerkam worker`` runs it).

The owner and the owner's supervisor are told once per ticket and state, in the app and by email
(Django's mail API: the console in development, SMTP when POWERKAM_SMTP_HOST is set).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from powerkam.service.escalation import escalate_tickets


@task()
def escalate(today: str | None = None) -> dict[str, Any]:
    """Queue with ``escalate.enqueue()``; ``today`` (YYYY-MM-DD) only for replaying a day."""
    day = dt.date.fromisoformat(today) if today else None
    return escalate_tickets(today=day, clock_kind="workdays").as_dict()


@task()
def escalate_round_the_clock() -> dict[str, Any]:
    """The round-the-clock tickets only (fault repair), queued every few minutes by the schedule."""
    return escalate_tickets(clock_kind="hours").as_dict()
