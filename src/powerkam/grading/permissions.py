"""Who may start grading runs (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.staff.permissions import Predicate, is_lead


def _start_run(user: Any, obj: Any) -> bool:
    """Supervisors and administrators grade the whole base."""
    return is_lead(user)


RULES: dict[str, Predicate] = {"start_run": _start_run}

MESSAGES = {"grading.start_run": _("Only supervisors and administrators can start a grading run.")}
