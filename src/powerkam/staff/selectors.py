"""Reads of staff: who works which role."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from powerkam.staff.models import Role, StaffProfile


def staff_active() -> QuerySet[StaffProfile]:
    return StaffProfile.objects.filter(archived=False, user__is_active=True).select_related("user")


def account_managers_active() -> QuerySet[StaffProfile]:
    """Staff who can be assigned as account managers."""
    return staff_active().filter(role=Role.MANAGER).order_by("name")


def person_name(user: User | None) -> str:
    """How a person is named on pages and in reports: the staff profile's name, else the user's full
    name, else the user name; "" for nobody."""
    if user is None:
        return ""
    profile = getattr(user, "staff", None)
    if profile is not None and profile.name:
        return str(profile.name)
    return str(user.get_full_name() or user.get_username())


def supervisors_to_mail() -> list[User]:
    """Who gets the reports mailed to the supervisors: active supervisors with an email address."""
    profiles = StaffProfile.objects.filter(role=Role.SUPERVISOR, archived=False, user__is_active=True).exclude(
        user__email=""
    )
    return [p.user for p in profiles.select_related("user").order_by("user__username")]
