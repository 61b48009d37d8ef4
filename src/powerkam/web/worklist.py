"""One work list across the apps: every open task a user owns, whatever app keeps it.

Follow-ups from visits, tasks on government projects, follow-ups after planned outages and the
service requests a user owns live in their own apps' tables (each with its own life cycle). An
app registers a *task source* in its ``AppConfig.ready()``: a function that answers the user's
open tasks as :class:`Task` rows. "My work" counts them and the work-list page (/tasks/) shows
them together, most urgent first; each row links to where the task is done. The web app imports
none of the apps that feed it.

"My work" asks for the summary on every visit, so it is kept in the shared cache under the stamp of
every table a source reads (each source names them: ``models``) and the day: a change to any of them
gives a new key, never a stale answer. A summary holding a live countdown (a round-the-clock ticket's
minutes left) is used only within the minute it was made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language

from powerkam.core.contributions import load
from powerkam.core.stamps import tables_stamp

#: How long a summary is kept (its key holds the day and the stamp of its inputs).
SUMMARY_CACHE_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Task:
    kind: str  # the source's key
    kind_label: str | Promise
    title: str
    subject: str  # the account or project it is about
    due_on: dt.date | None
    url: str
    customer_id: str = ""
    #: its title holds a countdown that moves with the clock (minutes left)
    live: bool = False

    def overdue(self, today: dt.date) -> bool:
        return self.due_on is not None and self.due_on < today


@dataclass(frozen=True)
class TaskSource:
    key: str
    label: str | Promise
    #: (user, today) → the user's open tasks
    tasks: Callable[[Any, dt.date], Iterable[Task]]
    order: int = 100
    #: every table its tasks are read from (their stamp keys the cached summary); a source that names
    #: none is asked on every request, and so is the whole summary
    models: tuple[type[Model], ...] = ()
    #: a further stamp, for a change its tables' newest ids cannot tell (rows updated in place in bulk)
    stamp: Callable[[], str] | None = None


_SOURCES: dict[str, TaskSource] = {}


def register(source: TaskSource) -> None:
    _SOURCES[source.key] = source


def sources() -> list[TaskSource]:
    load()
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def tasks_for(user: Any, today: dt.date, *, kind: str = "") -> list[Task]:
    """The user's open tasks from every source (or one), overdue and soonest first, undated last."""
    found = [t for s in sources() if not kind or s.key == kind for t in s.tasks(user, today)]
    return sorted(found, key=lambda t: (t.due_on is None, t.due_on or dt.date.max, t.kind, t.subject, t.title))


@dataclass(frozen=True)
class TaskSummary:
    total: int
    overdue: int
    due_this_week: int
    by_kind: list[tuple[TaskSource, int]]
    soonest: list[Task]


@dataclass(frozen=True)
class _Kept:
    """A summary as kept in the cache (the sources by key: they hold functions)."""

    total: int
    overdue: int
    due_this_week: int
    by_kind: list[tuple[str, int]]
    soonest: list[Task]
    #: the minute it was made, when it holds a live countdown
    minute: str | None


def _stamp() -> str | None:
    """The stamp of every source's tables, or None when a source does not name its tables."""
    found = sources()
    if any(not s.models for s in found):
        return None
    extra = [s.stamp() for s in found if s.stamp is not None]
    return ".".join([tables_stamp(*dict.fromkeys(m for s in found for m in s.models)), *extra])


def _minute() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def summary(user: Any, today: dt.date, *, show: int = 6, fresh: bool = False) -> TaskSummary:
    """Counts and the soonest ``show`` of the user's open tasks, from the shared cache when its inputs
    have not changed (``fresh``: made again and kept in its place)."""
    stamp = _stamp()
    key = f"work:summary:{user.pk}:{today.isoformat()}:{get_language()}:{show}:{stamp}"
    kept = None if stamp is None or fresh else cache.get(key)
    if not isinstance(kept, _Kept) or (kept.minute is not None and kept.minute != _minute()):
        kept = _make(user, today, show)
        if stamp is not None:
            cache.set(key, kept, SUMMARY_CACHE_SECONDS)
    by_key = {s.key: s for s in sources()}
    return TaskSummary(
        total=kept.total,
        overdue=kept.overdue,
        due_this_week=kept.due_this_week,
        by_kind=[(by_key[k], n) for k, n in kept.by_kind if k in by_key],
        soonest=kept.soonest,
    )


def register_preparers() -> None:
    """The morning's preparation of "My work" (:mod:`powerkam.web.prepare`) makes each user's summary
    in each language."""
    from powerkam.web.prepare import Preparer
    from powerkam.web.prepare import register as register_preparer

    register_preparer(
        Preparer("web.work-summary", lambda request, today: summary(request.user, today), per_language=True)
    )


def _make(user: Any, today: dt.date, show: int) -> _Kept:
    tasks = tasks_for(user, today)
    week_end = today + dt.timedelta(days=6 - today.weekday())
    counts = {s.key: 0 for s in sources()}
    for t in tasks:
        counts[t.kind] = counts.get(t.kind, 0) + 1
    return _Kept(
        total=len(tasks),
        overdue=sum(1 for t in tasks if t.overdue(today)),
        due_this_week=sum(1 for t in tasks if t.due_on is not None and today <= t.due_on <= week_end),
        by_kind=[(s.key, counts[s.key]) for s in sources() if counts[s.key]],
        soonest=tasks[:show],
        minute=_minute() if any(t.live for t in tasks) else None,
    )
