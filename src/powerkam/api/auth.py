"""API authentication: a bearer token (``Authorization: Bearer <token>``), or the browser's session.

Token guessing is throttled like the log-in page, by django-axes: wrong tokens count as failed log-ins
of the pseudo user name :data:`API_TOKEN_USERNAME` from the client's address, so after
``AXES_FAILURE_LIMIT`` of them that address gets 429 for every token — the right one included — until
the cool-off has passed (or an administrator deletes the lock in the admin's "Access attempts").
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from powerkam.api.services import api_token_user

#: What a failed token counts as in django-axes and in the audit log (no real user name can contain spaces).
API_TOKEN_USERNAME = "(API token)"  # noqa: S105  (a label, not a secret)


class LockedOut(Exception):
    """Too many wrong tokens from this address; answered 429 by the API's exception handler."""


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        credentials = {"username": API_TOKEN_USERNAME}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            raise LockedOut
        user = api_token_user(token=token)
        if user is None:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                raise LockedOut
            return None
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The logged-in browser session (CSRF-checked for unsafe methods by django-ninja)."""


AUTH = [TokenAuth(), ActiveSessionAuth()]


def docs_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI schema and the docs page only for a logged-in session or a valid token.

    Without either, the docs page sends the browser to the log-in page and the schema answers 401 JSON.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            token_user = TokenAuth()(request)
        except LockedOut:
            from powerkam.audit.lockout import lockout_response

            return lockout_response(request)
        if token_user:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            message = _("Log in or send an API token to read the API schema.")
            return JsonResponse(
                {"code": "unauthorized", "message": message, "detail": message, "fields": []}, status=401
            )
        return redirect_to_login(request.get_full_path())

    return wrapper
