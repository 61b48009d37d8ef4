"""One work list across the apps: every open task a user owns, whatever app keeps it.

Follow-ups from visits, tasks on government projects, follow-ups after planned outages and the
service requests a user owns live in their own apps' tables (each with its own life cycle). An
app registers a *task source* in its ``AppConfig.ready()``: a function that answers the user's
open tasks as :class:`Task` rows. "My work" counts them and the work-list page (/tasks/) shows
them together, most urgent first; each row links to where the task is done. The web app imports
none of the apps that feed it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from powerkam.core.contributions import load


@dataclass(frozen=True)
class Task:
    kind: str  # the source's key
    kind_label: str | Promise
    title: str
    subject: str  # the account or project it is about
    due_on: dt.date | None
    url: str
    customer_id: str = ""

    def overdue(self, today: dt.date) -> bool:
        return self.due_on is not None and self.due_on < today


@dataclass(frozen=True)
class TaskSource:
    key: str
    label: str | Promise
    #: (user, today) → the user's open tasks
    tasks: Callable[[Any, dt.date], Iterable[Task]]
    order: int = 100


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


def summary(user: Any, today: dt.date, *, show: int = 6) -> TaskSummary:
    tasks = tasks_for(user, today)
    week_end = today + dt.timedelta(days=6 - today.weekday())
    counts = {s.key: 0 for s in sources()}
    for t in tasks:
        counts[t.kind] = counts.get(t.kind, 0) + 1
    return TaskSummary(
        total=len(tasks),
        overdue=sum(1 for t in tasks if t.overdue(today)),
        due_this_week=sum(1 for t in tasks if t.due_on is not None and today <= t.due_on <= week_end),
        by_kind=[(s, counts[s.key]) for s in sources() if counts[s.key]],
        soonest=tasks[:show],
    )
