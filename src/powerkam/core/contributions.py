"""What apps contribute to shared registries, imported when a registry is first read, not at start-up.

An app's ``AppConfig.ready()`` names the functions that register its panels, overview tiles, work-list
and inbox sources (``contribute("powerkam.visits.panels.register_panels")``); the registries in
:mod:`powerkam.web` call :func:`load` before they answer. Importing those modules pulls in the apps'
views, services and analytics (Ibis, DuckDB, PyArrow, openpyxl …: about 2 s), which a command such
as ``powerkam calendar add-workdays`` never needs (docs/architecture.md, "A fast command line").
"""

from __future__ import annotations

import threading

from django.utils.module_loading import import_string

_pending: list[str] = []
_loaded: set[str] = set()
_lock = threading.RLock()
_loading = threading.local()


def contribute(path: str) -> None:
    """Call the registration function at dotted ``path`` the first time a registry is read."""
    with _lock:
        if path not in _pending:
            _pending.append(path)


def load() -> None:
    """Run every contributed registration not run yet (once per process; safe across threads)."""
    if len(_loaded) == len(_pending) or getattr(_loading, "active", False):
        return
    with _lock:
        _loading.active = True
        try:
            for path in list(_pending):
                if path not in _loaded:
                    import_string(path)()
                    _loaded.add(path)
        finally:
            _loading.active = False
