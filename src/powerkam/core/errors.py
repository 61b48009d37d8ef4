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


class ConflictError(ApplicationError):
    """An edit based on an old version of an object (someone else changed it meanwhile): HTTP 409.

    ``extra`` holds the JSON-ready facts (current and stale version, who changed which fields);
    ``current`` is the object as it is now, for a form to show or the API to answer with.
    """

    def __init__(
        self,
        message: str,
        *,
        current_version: int,
        your_version: int,
        changed_by: list[str],
        changed_fields: list[str],
        current: Any = None,
    ) -> None:
        super().__init__(
            message,
            {
                "current_version": current_version,
                "your_version": your_version,
                "changed_by": changed_by,
                "changed_fields": changed_fields,
            },
        )
        self.current = current
        self.current_version = current_version


class NotAllowed(PermissionDenied, ApplicationError):
    """The person's role may not do this (docs/permissions.md).

    A domain error like any other — a form message, a CLI message with exit code 1 — and, being a
    :class:`~django.core.exceptions.PermissionDenied` first, an HTTP 403 wherever it is not caught
    (the API's handler for ``PermissionDenied`` answers it before the one for ``ApplicationError``).
    """
