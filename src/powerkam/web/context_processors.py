"""``may`` in every template: what the signed-in person's role may do, for showing only the menus,
buttons and forms they can use (docs/permissions.md). The server still checks each action; this only
keeps a viewer from meeting a form that would refuse them after they filled it in."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from powerkam.staff import permissions


class May:
    """Answers are computed when a template first asks, once per request."""

    def __init__(self, user: Any) -> None:
        self._user = user

    @cached_property
    def record_visits(self) -> bool:
        return permissions.can(self._user, "visits.change_visits")

    @cached_property
    def make_plan(self) -> bool:
        return permissions.can(self._user, "visits.make_plan")

    @cached_property
    def record_request(self) -> bool:
        return permissions.can(self._user, "service.record_request")

    @cached_property
    def reassign(self) -> bool:
        return permissions.can(self._user, "accounts.reassign")

    @cached_property
    def run_import(self) -> bool:
        return permissions.can(self._user, "imports.run_import")

    @cached_property
    def change_calendar(self) -> bool:
        return permissions.can(self._user, "workdays.change_calendar")

    @cached_property
    def admin_site(self) -> bool:
        """Django's admin site opens to administrators only (docs/permissions.md, "Roles")."""
        user = self._user
        return bool(user.is_authenticated and user.is_active and user.is_staff)


def may(request: HttpRequest) -> dict[str, May]:
    from django.contrib.auth.models import AnonymousUser

    return {"may": May(getattr(request, "user", None) or AnonymousUser())}
