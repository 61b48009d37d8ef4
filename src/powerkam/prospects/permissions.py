"""Who may read and change prospects: projects, follow-ups, contacts, reservations (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.staff.permissions import Predicate, is_editor, role_of


def _view_projects(user: Any, obj: Any) -> bool:
    """Every role reads the pipeline (people without a role do not)."""
    return role_of(user) is not None


def _change_projects(user: Any, obj: Any) -> bool:
    """Every role that may change data works the pipeline; viewers read."""
    return is_editor(user)


RULES: dict[str, Predicate] = {"view_projects": _view_projects, "change_projects": _change_projects}

MESSAGES = {
    "prospects.view_projects": _("Prospects are for PowerKAM staff."),
    "prospects.change_projects": _("Your role can view prospects but not change them."),
}
