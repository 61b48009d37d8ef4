"""The one domain error type.

Services raise :class:`ApplicationError` with a message a user understands; the web, API and CLI
layers each turn it into their own clear message (never a traceback).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


class ApplicationError(Exception):
    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotAllowed(PermissionDenied, ApplicationError):
    """The person's role may not do this (docs/permissions.md).

    A domain error like any other — a form message, a CLI message with exit code 1 — and, being a
    :class:`~django.core.exceptions.PermissionDenied` first, an HTTP 403 wherever it is not caught
    (the API's handler for ``PermissionDenied`` answers it before the one for ``ApplicationError``).
    """
