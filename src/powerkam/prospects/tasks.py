"""Background work for prospects (``powerkam worker`` runs it).

- :func:`release_expired_reservations` — daily: release reservations past their last valid day and
  tell the project's managers (in the app and by email).
- :func:`weekly_report` — weekly (e.g. Friday morning): the progress report of approved prospects,
  mailed to the supervisors with the workbook and the PDF.

Both are registered with the schedule (:mod:`powerkam.core.schedule`, see ``apps.py``): ``powerkam
worker`` queues the expiry every morning and the report on Monday mornings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task

from powerkam.prospects.report import weekly_report_send
from powerkam.prospects.services import reservations_release_expired


@task()
def release_expired_reservations(today: str | None = None) -> dict[str, Any]:
    """``today`` (YYYY-MM-DD) only for replaying a day."""
    day = dt.date.fromisoformat(today) if today else None
    return reservations_release_expired(today=day).as_dict()


def last_finished_week_end(today: dt.date) -> dt.date:
    """The Sunday that ended the last full week before ``today`` (a Monday run reports Mon–Sun just gone)."""
    return today - dt.timedelta(days=today.weekday() + 1)


@task()
def weekly_report(as_of: str | None = None) -> dict[str, Any]:
    """Build and mail the weekly report as of ``as_of`` (YYYY-MM-DD); by default the week just finished
    (Monday to Sunday), as the Monday schedule queues it."""
    day = dt.date.fromisoformat(as_of) if as_of else last_finished_week_end(timezone.localdate())
    run = weekly_report_send(as_of=day)
    return {
        "week_start": run.week_start.isoformat(),
        "as_of": run.as_of.isoformat(),
        "projects": run.projects,
        "recipients": run.recipients,
    }
