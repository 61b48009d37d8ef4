"""Background work for outages (``powerkam worker`` runs it): keep the derived typical loads current.

The tasks call the services, never the other way round: what queues a task (a calendar or rules change,
:mod:`powerkam.outages.signals`) asks this module, so the services stay free of the queue.
"""

from __future__ import annotations

from django_tasks import task

from powerkam.core.queue import enqueue_once_on_commit
from powerkam.outages.services import typical_loads_refresh


@task()
def refresh_typical_loads() -> int | None:
    """Rebuild the typical loads unless current (queued after a calendar or rules change, and nightly)."""
    return typical_loads_refresh()


def queue_typical_loads_refresh() -> None:
    """Queue one background rebuild of the typical loads once the current transaction commits (a
    calendar or outage-rules change makes them stale; until the worker rebuilds them, outage
    windows compute from the readings). Several changes in one transaction queue it once."""
    enqueue_once_on_commit(refresh_typical_loads)
