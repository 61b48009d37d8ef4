"""Preparing each user's "My work" before the working day starts.

The figures "My work" and its fragments show are cached under stamps of their inputs (the accounts'
version, a manager's visits and grades: an entry is never stale, only unused), but the first visit of
each user computes them. At the start of a working day everyone's first visit comes within minutes,
and on a busy server those first, cold requests made the slow tail of the load benchmark
(docs/benchmarks.md, "Load, findings"). So a morning job (:func:`prepare_everyone`, at 06:45 after the
health check) computes them for every active member of staff, in each language of the UI, as their
first visit would.

An app registers a :class:`Preparer` in its ``AppConfig.ready()``, as it registers its panels: a
function given a GET request of the user (on "My work", in one language) and today's date, which reads
what the user's pages will read. The web app imports none of the apps it prepares.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone, translation

from powerkam.core.contributions import load

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preparer:
    key: str
    #: (a GET request of the user, today) → nothing: reads what the user's pages will read
    prepare: Callable[[HttpRequest, dt.date], object]
    #: run once per language of the UI (it caches rendered HTML), not once per user
    per_language: bool = False


_PREPARERS: dict[str, Preparer] = {}


def register(preparer: Preparer) -> None:
    _PREPARERS[preparer.key] = preparer


def preparers() -> list[Preparer]:
    load()
    return sorted(_PREPARERS.values(), key=lambda p: p.key)


def request_for(user: object, path: str = "/") -> HttpRequest:
    """A GET request of ``user`` for ``path``, as the pages receive one (no query)."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80", "REQUEST_METHOD": "GET"}
    request.user = user  # type: ignore[assignment]
    return request


_run_started: ContextVar[dt.datetime | None] = ContextVar("prepare_run_started", default=None)


def run_started() -> dt.datetime | None:
    """When the :func:`prepare_everyone` under way started (None outside one): what a preparer keeps
    for several users at once (a tile of the whole base) and computed since need not be computed again."""
    return _run_started.get()


def prepare_for(user: object, today: dt.date, seconds: dict[str, float] | None = None) -> None:
    """Every registered preparer for ``user``: once, and once more per further UI language for those
    that cache HTML. With ``seconds``, each preparer's time is added to it under its key."""
    found = preparers()
    for index, (code, _name) in enumerate(settings.LANGUAGES):
        with translation.override(code):
            for preparer in found:
                if index == 0 or preparer.per_language:
                    started = time.perf_counter()
                    preparer.prepare(request_for(user), today)
                    if seconds is not None:
                        seconds[preparer.key] = seconds.get(preparer.key, 0.0) + time.perf_counter() - started


@dataclass(frozen=True)
class PrepareRun:
    users: int
    failed: int
    seconds: float
    #: each preparer's time over every user and language (where a morning goes: the nightly report)
    by_preparer: dict[str, float] = field(default_factory=dict)


def prepare_everyone(today: dt.date) -> PrepareRun:
    """:func:`prepare_for` every active user with a staff profile not archived. One user's failure is
    logged and does not stop the others: the pages compute what was not prepared, as without this job."""
    started = time.perf_counter()
    users = get_user_model().objects.filter(is_active=True, staff__isnull=False, staff__archived=False)
    done = failed = 0
    by_preparer: dict[str, float] = {}
    token = _run_started.set(timezone.now())
    try:
        for user in users.select_related("staff").order_by("pk").iterator():
            try:
                prepare_for(user, today, by_preparer)
                done += 1
            except Exception:  # a preparation is an optimisation: never the reason a morning job fails
                log.exception("preparing My work for %s failed", user.get_username())
                failed += 1
    finally:
        _run_started.reset(token)
    return PrepareRun(
        users=done,
        failed=failed,
        seconds=round(time.perf_counter() - started, 1),
        by_preparer={key: round(value, 1) for key, value in sorted(by_preparer.items())},
    )
