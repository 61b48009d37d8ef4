"""Who may read the audit log (docs/permissions.md): administrators; nobody changes it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.staff.models import Role
from powerkam.staff.permissions import Predicate, role_of


def _view_log(user: Any, obj: Any) -> bool:
    return role_of(user) == Role.ADMIN


RULES: dict[str, Predicate] = {"view_log": _view_log}

MESSAGES = {"audit.view_log": _("Only an administrator may read the audit log.")}
