"""One inbox across the apps: the in-app messages PowerKAM sends a user (a ticket transferred to
them or about to breach; a capacity reservation released; a project's stage changed …).

Each app keeps its messages in its own table, next to what they are about; it registers an
*inbox source* in its ``AppConfig.ready()`` — how many are unread, the recent ones as uniform
:class:`Message` rows, and how to mark them read. The top bar shows the unread count (loaded after
the page, so it never slows one), ``/inbox/`` lists them together, newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from powerkam.core.contributions import load


@dataclass(frozen=True)
class Message:
    kind: str
    kind_label: str | Promise
    text: str
    created_at: dt.datetime
    read: bool
    url: str


@dataclass(frozen=True)
class InboxSource:
    key: str
    label: str | Promise
    unread: Callable[[Any], int]
    recent: Callable[[Any, int], list[Message]]
    mark_read: Callable[[Any], int]


def table_source(
    key: str,
    label: str | Promise,
    rows: Callable[[Any, bool], Any],
    text: Callable[[Any], str],
    url: Callable[[Any], str],
) -> InboxSource:
    """The source for an app's table of notifications: ``rows(user, unread_only)`` is a queryset of
    the user's rows, each with ``created_at`` and ``read_at`` (unread while it is NULL); ``text`` and
    ``url`` word a row in the reader's language and say where it leads. Counting, the newest first and
    marking read are the same for every such table."""

    def recent(user: Any, limit: int) -> list[Message]:
        found = rows(user, False).order_by("-created_at", "-pk")[:limit]
        return [Message(key, label, text(r), r.created_at, r.read_at is not None, url(r)) for r in found]

    def mark_read(user: Any) -> int:
        from django.utils import timezone

        return int(rows(user, True).update(read_at=timezone.now()))

    return InboxSource(
        key, label, unread=lambda user: int(rows(user, True).count()), recent=recent, mark_read=mark_read
    )


_SOURCES: dict[str, InboxSource] = {}


def register(source: InboxSource) -> None:
    _SOURCES[source.key] = source


def sources() -> list[InboxSource]:
    load()
    return [_SOURCES[k] for k in sorted(_SOURCES)]


def unread_count(user: Any) -> int:
    return sum(s.unread(user) for s in sources()) if user.is_authenticated else 0


def messages_for(user: Any, *, limit: int = 100) -> list[Message]:
    """The user's newest messages from every source, unread and read, newest first."""
    if not user.is_authenticated:
        return []
    found = [m for s in sources() for m in s.recent(user, limit)]
    return sorted(found, key=lambda m: m.created_at, reverse=True)[:limit]


def mark_all_read(user: Any) -> int:
    return sum(s.mark_read(user) for s in sources())
