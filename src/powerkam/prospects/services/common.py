"""The messages and small helpers every prospects use case shares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy

from powerkam.core.errors import NotAllowed
from powerkam.prospects.models import (
    Stage,
)
from powerkam.staff import permissions

# Messages the tests (and API clients) can rely on.
MANAGERS_MISSING = gettext_lazy(
    "%(project)s is approved: it moves on only with both “1+1” managers — a primary (business) and a "
    "secondary (technical) manager. Missing: %(missing)s."
)
SAME_MANAGER = gettext_lazy("The primary and the secondary manager must be two different people.")
NOT_STAFF = gettext_lazy("%(user)s is not a PowerKAM staff member who may manage projects.")
READ_ONLY = gettext_lazy("Your role can view prospects but not change them.")
BAD_MOVE = gettext_lazy("A project that is %(stage)s cannot move to %(to)s; next: %(allowed)s.")
FINAL_STAGE = gettext_lazy("%(project)s is %(stage)s; its stage cannot change any more.")
FUTURE_DATE = gettext_lazy("The date %(date)s is in the future.")
BEFORE_LAST = gettext_lazy("The date %(date)s is before the project's last stage change (%(last)s).")
LOST_REASON = gettext_lazy("Say why the project was lost.")
NO_HEADROOM = gettext_lazy(
    "Not enough headroom on %(place)s: rated %(rated_kva)s kVA × %(pf)s = %(rated_kw)s kW, minus peak load "
    "%(peak_kw)s kW, minus %(reserved_kva)s kVA already reserved (%(reserved_kw)s kW) leaves %(available_kw)s kW "
    "(%(available_kva)s kVA); this reservation needs %(kva)s kVA (%(kw)s kW)."
)
UNKNOWN_CAPACITY = gettext_lazy(
    "The headroom of %(place)s is not known: its rated capacity or peak load is missing (import the feeders "
    "file from GIS with both columns)."
)
RESERVE_STAGE = gettext_lazy("Only an approved project that is still on its way can hold supply capacity.")


def _user_label(user: User) -> str:
    profile = getattr(user, "staff", None)
    return f"{profile.name} ({user.get_username()})" if profile is not None else user.get_username()


def fmt_number(value: Decimal | float | int | None) -> str:
    """1234.5 → "1,234.5"; 3786.00 → "3,786"; two decimals at most."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def require_editor(by: User) -> None:
    if permissions.role_of(by) is None:
        raise NotAllowed(str(NOT_STAFF) % {"user": by.get_username()})
    permissions.require(by, "prospects.change_projects", message=str(READ_ONLY))


def is_manager_candidate(user: User) -> bool:
    return permissions.is_editor(user) and getattr(user, "staff", None) is not None


def local_today() -> dt.date:
    return timezone.localdate()


def stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage else "—"


def save_with_history(obj: Any, by: User | None, reason: str = "") -> None:
    obj._history_user = by
    if reason:
        obj._change_reason = reason[:100]
    obj.full_clean()
    obj.save()
