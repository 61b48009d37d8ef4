"""Small helpers for views and API endpoints."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def request_user(request: HttpRequest) -> User:
    """The signed-in person making ``request``. Views are ``login_required`` and the API authenticates
    every call, so this is a user; if it ever is not, the answer is 403 (a page or the API's JSON), never
    an anonymous write."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
