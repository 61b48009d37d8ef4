"""Who may change the renewables weights table and rules (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.staff.permissions import Predicate, is_lead


def _lead(user: Any, obj: Any) -> bool:
    return is_lead(user)


RULES: dict[str, Predicate] = {"change_settings": _lead}

MESSAGES = {
    "renewables.change_settings": _("Only supervisors and administrators may change these figures."),
}
