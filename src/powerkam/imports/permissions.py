"""Who may import extracts, read the import log and roll an import back (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.staff.models import Role
from powerkam.staff.permissions import Predicate, role_of


def _run_import(user: Any, obj: Any) -> bool:
    """Imports change the whole base: data administrators only."""
    return role_of(user) == Role.ADMIN


RULES: dict[str, Predicate] = {"run_import": _run_import}

MESSAGES = {"imports.run_import": _("Only the data administrator may import.")}
