"""The frame of "My work": what the page shows before its panels load — the figures and the accounts.

The shell (this app) is the lowest of the apps: the domains register into it (panels, overview tiles,
task and inbox sources, preparers) and it imports none of them (docs/architecture.md, "Layers"). The
frame of "My work" is the accounts', so the accounts app registers the function that answers its
context here (:func:`register`, from a contributed registration); :func:`context` asks it. Without a
provider the page shows its tasks and panels only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from powerkam.core.contributions import load

Frame = Callable[[HttpRequest], dict[str, Any]]

_providers: list[Frame] = []


def register(provider: Frame) -> None:
    """Add ``provider``'s context (a dict for the template web/home.html) to the frame of "My work"."""
    if provider not in _providers:
        _providers.append(provider)


def context(request: HttpRequest) -> dict[str, Any]:
    """The frame's context: every provider's, merged in the order they registered."""
    load()
    out: dict[str, Any] = {}
    for provider in _providers:
        out.update(provider(request))
    return out
