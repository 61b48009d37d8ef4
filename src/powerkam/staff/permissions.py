"""The one permission layer (docs/permissions.md): roles, scopes and ``can(user, action, obj)``.

Each app declares its actions in its own ``permissions.py`` as a module-level ``RULES`` mapping of
action name to predicate ``(user, obj) -> bool``. ``can(user, "service.change_ticket", ticket)``
imports ``powerkam.service.permissions`` when first asked (so this low layer imports no app above
it) and answers with that app's predicate; ``require`` raises :class:`NotAllowed` with the action's
message. Services call ``require`` — so the web page, the API and the command line check the same
rule — and selectors, views and templates call ``can`` to decide what to show.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.utils.translation import gettext as _

from powerkam.core.errors import NotAllowed
from powerkam.staff.models import Role, StaffProfile

AnyUser = User | AbstractBaseUser | AnonymousUser
Predicate = Callable[[Any, Any], bool]

#: Roles whose scope is the whole customer base.
WHOLE_BASE_ROLES = frozenset({Role.SUPERVISOR, Role.PLANNER, Role.VIEWER, Role.ADMIN})
#: Roles that may change data (everybody but viewers).
EDITOR_ROLES = frozenset({Role.MANAGER, Role.SUPERVISOR, Role.PLANNER, Role.ADMIN})
#: Roles that lead the team: reassign accounts, make the visit plan, start grading runs, change rules.
LEAD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class Scope(enum.Enum):
    """Which accounts a person (or a job) works on."""

    WHOLE_BASE = "whole_base"
    OWN_ACCOUNTS = "own_accounts"
    NONE = "none"


def profile_of(user: AnyUser | None) -> StaffProfile | None:
    """The active staff profile of an active user, else None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    profile: StaffProfile | None = getattr(user, "staff", None)
    if profile is None or profile.archived:
        return None
    return profile


def role_of(user: AnyUser | None) -> str | None:
    """The person's role (docs/permissions.md "Roles"): a superuser is an administrator; no active
    staff profile (or an inactive user) is no role at all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    profile = profile_of(user)
    return None if profile is None else str(profile.role)


def scope_of(user: AnyUser | None) -> Scope:
    role = role_of(user)
    if role is None:
        return Scope.NONE
    return Scope.WHOLE_BASE if role in WHOLE_BASE_ROLES else Scope.OWN_ACCOUNTS


def has_role(user: AnyUser | None, roles: frozenset[str]) -> bool:
    return role_of(user) in roles


def is_editor(user: AnyUser | None) -> bool:
    """May change data at all (every role but viewers)."""
    return has_role(user, EDITOR_ROLES)


def is_lead(user: AnyUser | None) -> bool:
    """A supervisor or an administrator."""
    return has_role(user, LEAD_ROLES)


def _rules(app: str) -> Mapping[str, Predicate]:
    module = importlib.import_module(f"powerkam.{app}.permissions")
    rules: Mapping[str, Predicate] = module.RULES
    return rules


def can(user: AnyUser | None, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` ("app.verb_object") on ``obj``? (docs/permissions.md "Actions")."""
    app, _sep, name = action.partition(".")
    try:
        predicate = _rules(app)[name]
    except (ImportError, KeyError):
        raise LookupError(f"Unknown permission action {action!r}") from None
    if user is None:
        return False
    return bool(predicate(user, obj))


def _message(action: str) -> str:
    app, _sep, _name = action.partition(".")
    messages: Mapping[str, str] = getattr(importlib.import_module(f"powerkam.{app}.permissions"), "MESSAGES", {})
    message = messages.get(action)
    return str(message) if message else _("Your role may not do this.")


def require(user: AnyUser | None, action: str, obj: Any = None, message: str | None = None) -> None:
    """Raise :class:`NotAllowed` unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        raise NotAllowed(message or _message(action), {"action": action})


def require_or_403(user: AnyUser | None, action: str, obj: Any = None) -> None:
    """For a page: answer 403 with the action's message unless ``can(user, action, obj)`` (a viewer who
    opens an entry form's address is refused before seeing it, not after submitting)."""
    from django.core.exceptions import PermissionDenied

    if not can(user, action, obj):
        raise PermissionDenied(_message(action))
