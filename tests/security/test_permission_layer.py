"""The permission layer itself (docs/permissions.md "Roles", "Actions")."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import translation

from factories import StaffFactory, UserFactory
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.staff import permissions
from powerkam.staff.models import Role
from powerkam.staff.permissions import Scope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make", "role", "scope"),
    [
        (lambda: StaffFactory(role=Role.MANAGER).user, Role.MANAGER, Scope.OWN_ACCOUNTS),
        (lambda: StaffFactory(role=Role.PLANNER).user, Role.PLANNER, Scope.WHOLE_BASE),
        (lambda: StaffFactory(role=Role.VIEWER).user, Role.VIEWER, Scope.WHOLE_BASE),
        (lambda: UserFactory(is_superuser=True), Role.ADMIN, Scope.WHOLE_BASE),  # a superuser is an administrator
        (lambda: UserFactory(), None, Scope.NONE),  # no staff profile
        (lambda: StaffFactory(role=Role.SUPERVISOR, archived=True).user, None, Scope.NONE),
        (lambda: StaffFactory(role=Role.SUPERVISOR, user__is_active=False).user, None, Scope.NONE),
        (lambda: UserFactory(is_superuser=True, is_active=False), None, Scope.NONE),
        (lambda: AnonymousUser(), None, Scope.NONE),
    ],
)
def test_role_and_scope(make: Any, role: str | None, scope: Scope) -> None:
    user = make()
    assert (permissions.role_of(user), permissions.scope_of(user)) == (role, scope)


def test_an_unknown_action_is_a_programming_error_not_a_refusal() -> None:
    user = StaffFactory(role=Role.ADMIN).user
    with pytest.raises(LookupError, match=r"service\.no_such_action"):
        permissions.can(user, "service.no_such_action")
    with pytest.raises(LookupError, match=r"nowhere\.thing"):
        permissions.can(user, "nowhere.thing")


def test_a_refusal_is_a_domain_error_and_a_403() -> None:
    viewer = StaffFactory(role=Role.VIEWER).user
    with translation.override("en"), pytest.raises(NotAllowed) as refused:
        permissions.require(viewer, "grading.start_run")
    assert isinstance(refused.value, ApplicationError)  # a form or CLI message
    assert isinstance(refused.value, PermissionDenied)  # an HTTP 403
    assert refused.value.extra == {"action": "grading.start_run"}
    assert refused.value.message == "Only supervisors and administrators can start a grading run."
    permissions.require(StaffFactory(role=Role.SUPERVISOR).user, "grading.start_run")  # no error
