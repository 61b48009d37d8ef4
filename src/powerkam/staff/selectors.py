"""Reads of staff: who works which role."""

from __future__ import annotations

from django.db.models import QuerySet

from powerkam.staff.models import Role, StaffProfile


def staff_active() -> QuerySet[StaffProfile]:
    return StaffProfile.objects.filter(archived=False, user__is_active=True).select_related("user")


def account_managers_active() -> QuerySet[StaffProfile]:
    """Staff who can be assigned as account managers."""
    return staff_active().filter(role=Role.MANAGER).order_by("name")
