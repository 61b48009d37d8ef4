"""django-axes' lockout check as the first authentication backend, for log-ins that come with a request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out user name + address (django-axes) before any password is checked.

    Every way in over HTTP passes its request (the log-in page, the admin, API tokens); a check without
    one — Django's test client ``login()``, a script — has no address to lock and is let through to the
    password check, where axes' own backend would raise instead.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
