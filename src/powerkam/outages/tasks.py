"""Background work for outages (``powerkam worker`` runs it): keep the derived typical loads current."""

from __future__ import annotations

from django_tasks import task

from powerkam.outages.services import typical_loads_refresh


@task()
def refresh_typical_loads() -> int | None:
    """Rebuild the typical loads unless current (queued after a calendar or rules change, and nightly)."""
    return typical_loads_refresh()
