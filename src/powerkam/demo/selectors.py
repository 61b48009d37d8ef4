"""Reads about the demo province: whether it is built, and its logins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from powerkam.core.errors import ApplicationError
from powerkam.staff.models import Role, StaffProfile

MARKER_NAME = "demo-province.json"
#: Every demo login has this password (it is a demo: documented in docs/demo.md and by `demo logins`).
DEMO_PASSWORD = "demo1234"  # noqa: S105


def demo_marker_path() -> Path:
    return Path(settings.DATA_DIR) / MARKER_NAME


def demo_marker() -> dict[str, Any] | None:
    """What the last ``demo build`` into this data directory recorded, or None if none did."""
    path = demo_marker_path()
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def demo_logins() -> list[dict[str, Any]]:
    """The demo's logins: username, name, role and password (while it is still the demo password)."""
    marker = demo_marker()
    if marker is None:
        raise ApplicationError(
            _("The demo province has not been built in this data directory: run `powerkam demo build`.")
        )
    password_hash = marker.get("password_hash")
    usernames = marker.get("logins", [])
    users = User.objects.in_bulk(usernames, field_name="username")
    profiles = {p.user_id: p for p in StaffProfile.objects.filter(user__username__in=usernames)}
    rows = []
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        profile = profiles.get(user.pk)
        role = Role(profile.role).label if profile else ""
        rows.append(
            {
                "username": username,
                "name": profile.name if profile else "",
                "role": str(role),
                "password": DEMO_PASSWORD if user.password == password_hash else _("(changed)"),
                "superuser": user.is_superuser,
            }
        )
    return rows
