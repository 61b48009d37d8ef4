"""Who may change the working-day calendar (docs/permissions.md); everybody signed in reads it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from powerkam.staff.models import Role
from powerkam.staff.permissions import Predicate, role_of


def _change_calendar(user: Any, obj: Any) -> bool:
    """Administrators, and whoever an administrator granted ``workdays.change_calendaroverride``."""
    if role_of(user) == Role.ADMIN:
        return True
    return isinstance(user, User) and user.is_active and user.has_perm("workdays.change_calendaroverride")


RULES: dict[str, Predicate] = {"change_calendar": _change_calendar}

MESSAGES = {"workdays.change_calendar": _("Only an administrator can change the calendar.")}
