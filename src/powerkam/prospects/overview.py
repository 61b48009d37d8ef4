"""The prospects tile of the overview (web/dashboard.py): the government key projects in the
pipeline by stage, the capacity they bring and what is reserved for them."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from powerkam.prospects import selectors
from powerkam.prospects.models import Stage
from powerkam.staff.scope import Scope
from powerkam.web.dashboard import Figures, Tile, register


def prospects_figures(scope: Scope, today: dt.date) -> Figures | None:
    # prospects.view_projects: every role reads the whole pipeline, so every scope but none does.
    if scope.is_nothing:
        return None
    kpis = selectors.pipeline_kpis()
    return {
        "stages": [
            {"stage": stage, "label": str(Stage(stage).label), "projects": n} for stage, n in kpis["by_stage"].items()
        ],
        "in_progress": kpis["in_progress"],
        "pipeline_kva": kpis["pipeline_kva"],
        "reserved_kva": kpis["reserved_kva"],
        "missing_managers": kpis["missing_managers"],
        "green_channel": kpis["green_channel"],
    }


def register_tiles() -> None:
    register(Tile("prospects", _("Prospect pipeline"), "prospects/_tile_prospects.html", prospects_figures, order=50))
