"""Changes elsewhere that make the derived typical loads stale: the working-day calendar (an
administrator's override or a declared year, from any page, the admin or the command line) and
the outage rules (``load.days``). Each queues one rebuild after its transaction commits."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save


def _changed(sender: Any, **kwargs: Any) -> None:
    from powerkam.outages.tasks import queue_typical_loads_refresh

    queue_typical_loads_refresh()


def connect() -> None:
    from powerkam.outages.models import OutageRulesVersion
    from powerkam.workdays.models import CalendarOverride, CalendarYear

    for model in (CalendarOverride, CalendarYear):
        post_save.connect(_changed, sender=model, dispatch_uid=f"typical-loads-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"typical-loads-{model.__name__}-delete")
    post_save.connect(_changed, sender=OutageRulesVersion, dispatch_uid="typical-loads-rules-save")
