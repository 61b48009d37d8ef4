"""The shared cache of the web processes and the worker: Django's file-based cache, culled at most
once a minute.

Django's ``FileBasedCache`` lists its whole directory on every ``set`` to see whether it is over
``MAX_ENTRIES`` (``_cull``): 0.6 ms of CPU per 1,000 entries, 12.7 ms at 20,000 (measured here,
docs/benchmarks.md "Load, findings"), paid by every request that keeps something. PowerKAM keeps many
small entries (table pages, rows, figures, each under stamps of its inputs), so the cache counts its
entries at most once every :data:`CULL_EVERY_SECONDS` in each process; between two counts it may run
over ``MAX_ENTRIES`` by what one minute writes, and the next count culls it back as Django does.
Expired entries are never served either way (each file holds its expiry, checked on read).
"""

from __future__ import annotations

import threading
import time

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY_SECONDS = 60.0

_last_cull: dict[str, float] = {}
_lock = threading.Lock()


class FileCache(FileBasedCache):
    # ``_cull`` and ``_dir`` are FileBasedCache's own (not in its type stubs): the one method overridden.
    def _cull(self) -> None:
        directory: str = self._dir  # type: ignore[attr-defined]
        now = time.monotonic()
        with _lock:  # Django makes a cache object per thread: the clock is the process's
            last = _last_cull.get(directory)
            if last is not None and now - last < CULL_EVERY_SECONDS:
                return
            _last_cull[directory] = now
        super()._cull()  # type: ignore[misc]
