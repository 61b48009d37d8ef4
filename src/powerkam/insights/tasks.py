"""Background work for insights (``powerkam worker`` runs it).

- :func:`health_snapshot` — every morning: today's health of every key account, for the trend and
  the accounts whose risk is rising (:mod:`powerkam.insights.health`).
- :func:`monthly_report` — on the first day of each month: the overview of the whole base as a
  workbook mailed to the supervisors (:mod:`powerkam.insights.report`), registered with the schedule
  in ``apps.py``.
- :func:`churn_model_train` — on the 5th of each month: the churn model retrained on the history
  (:mod:`powerkam.insights.churn`), a new version beside the old ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from powerkam.insights import churn
from powerkam.insights.health import health_snapshot_take
from powerkam.insights.report import monthly_report_send


@task()
def monthly_report(as_of: str | None = None) -> dict[str, Any]:
    """Build and mail the monthly overview as of ``as_of`` (YYYY-MM-DD; today by default)."""
    run = monthly_report_send(as_of=dt.date.fromisoformat(as_of) if as_of else None)
    return {"as_of": run.as_of.isoformat(), "recipients": run.recipients}


@task()
def health_snapshot(today: str | None = None) -> dict[str, Any]:
    """Record the health of every key account as of ``today`` (YYYY-MM-DD; today by default)."""
    day = dt.date.fromisoformat(today) if today else None
    return {"accounts": health_snapshot_take(today=day)}


@task()
def churn_model_train() -> dict[str, Any]:
    """Retrain the churn model on the history as it stands (monthly, after the month's billing)."""
    return churn.train()
