"""Who may plan outages and change the outage rules (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.staff.models import Role
from powerkam.staff.permissions import Predicate, has_role

PLANNER_ROLES = frozenset({Role.PLANNER, Role.SUPERVISOR, Role.ADMIN})


def _plan_outages(user: Any, obj: Any) -> bool:
    """Outage planners, supervisors and administrators change outage records, notices and rules."""
    return has_role(user, PLANNER_ROLES)


RULES: dict[str, Predicate] = {"plan_outages": _plan_outages}

MESSAGES = {
    "outages.plan_outages": _("Only outage planners, supervisors and administrators may change outage records."),
}
