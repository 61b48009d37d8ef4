"""The one domain error type.

Services raise :class:`ApplicationError` with a message a user understands; the web, API and CLI
layers each turn it into their own clear message (never a traceback).
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
