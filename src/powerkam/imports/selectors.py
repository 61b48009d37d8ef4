"""Reads about imported data."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from powerkam.accounts.models import Account, Assignment
from powerkam.analytics.store import STORE_KINDS, dataset_rows
from powerkam.grid.models import Feeder
from powerkam.prospects.models import Project
from powerkam.staff import permissions
from powerkam.staff.models import StaffProfile
from powerkam.visits.models import Visit


def data_summary() -> dict[str, int]:
    """Row counts per kind: the analytics store's datasets and the CRM's tables."""
    store = Path(settings.ANALYTICS_DIR)
    counts: dict[str, int] = {}
    for kind in STORE_KINDS:
        counts[kind] = dataset_rows(store, kind)
    counts["feeders"] = Feeder.objects.count()
    counts["projects"] = Project.objects.count()
    counts["staff"] = StaffProfile.objects.count()
    counts["assignments"] = Assignment.objects.filter(active=True).count()
    counts["visits"] = Visit.objects.count()
    counts["crm_accounts"] = Account.objects.count()
    return counts


def user_may_import(user: object) -> bool:
    """Imports change the whole base: data administrators only (``imports.run_import``)."""
    return permissions.can(user, "imports.run_import")  # type: ignore[arg-type]
