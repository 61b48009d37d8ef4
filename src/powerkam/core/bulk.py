"""Bulk actions (issue 19 part 6): the same service as the single action, on every selected row, all or
nothing.

:func:`all_or_nothing` runs ``action`` on each item inside one transaction, each in its own savepoint so
that one refusal does not hide the next: every row is tried, and if any is refused the whole transaction
rolls back and :class:`BulkRefused` names each refused row with the service's own message. Nothing is
half-written; the history the single action keeps (simple_history, ticket events) is kept the same way.
Permission checks stay in the single action's service.

**Row versions.** A bulk request carries, for each selected row, the version the person saw (the web
list's hidden ``version-KEY`` field, the API's ``version`` of each row, the CLI's ``KEY:VERSION``); the
single action's service compares it under its row lock (:func:`powerkam.core.locking.lock`), so a row
changed since is refused like any other refusal — named, with who changed what — and, all or nothing,
none of the selected rows is changed. The web, the API and the CLI behave the same way (docs/api.md,
docs/user-guide.md "Lists on a phone, and work in bulk").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from powerkam.core.errors import ApplicationError, ConflictError

T = TypeVar("T")
R = TypeVar("R")

#: More rows than this in one bulk action are refused before anything is tried.
MAX_ROWS = 500


@dataclass(frozen=True)
class Refusal:
    """One refused row: what the person sees to find it (an id and a name) and why."""

    row: str
    message: str
    #: the row's key as the request named it (a ticket number, a customer id); "" when not given
    key: str = ""
    #: refused because the row changed since the version the person saw
    conflict: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "key": self.key, "conflict": self.conflict, "message": self.message}


class BulkRefused(ApplicationError):
    """At least one row was refused: nothing was changed. ``refusals`` lists every refused row."""

    def __init__(self, refusals: list[Refusal], total: int) -> None:
        message = ngettext(
            "%(n)d of %(total)d selected rows was refused, so nothing was changed.",
            "%(n)d of %(total)d selected rows were refused, so nothing was changed.",
            len(refusals),
        ) % {"n": len(refusals), "total": total}
        super().__init__(message, {"refused": [r.as_dict() for r in refusals]})
        self.refusals = refusals

    def with_rows(self) -> ApplicationError:
        """The refusal with one line per refused row, for a text output (the command line)."""
        lines = [self.message, *(f"  {r.row}: {r.message}" for r in self.refusals)]
        return ApplicationError("\n".join(lines), self.extra)


def _message(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    raise exc


def all_or_nothing(
    items: Iterable[T],
    action: Callable[[T], R],
    label: Callable[[T], str],
    key: Callable[[T], str] | None = None,
) -> list[R]:
    """``action(item)`` for every item, in one transaction: all done, or none (:class:`BulkRefused`).
    ``key``: the row's key as a request names it (each refusal carries it)."""
    rows = list(items)
    if not rows:
        raise ApplicationError(_("Select at least one row."))
    if len(rows) > MAX_ROWS:
        raise ApplicationError(
            _("At most %(max)d rows at a time: you selected %(n)d.") % {"max": MAX_ROWS, "n": len(rows)}
        )
    results: list[R] = []
    refusals: list[Refusal] = []
    with transaction.atomic():
        for item in rows:
            try:
                with transaction.atomic():
                    results.append(action(item))
            except (ApplicationError, ValidationError) as exc:
                refusals.append(
                    Refusal(
                        label(item),
                        _message(exc),
                        key=key(item) if key is not None else "",
                        conflict=isinstance(exc, ConflictError),
                    )
                )
        if refusals:
            raise BulkRefused(refusals, len(rows))  # leaving the block rolls every row back
    return results


def parse_rows(values: Iterable[str]) -> dict[str, int | None]:
    """The rows a command line names, ``KEY`` or ``KEY:VERSION`` each (the version the person saw), in
    the order given, each once; a version that is not a whole number is refused, naming it."""
    rows: dict[str, int | None] = {}
    for value in values:
        for part in str(value).replace(",", " ").split():
            name, sep, version = part.partition(":")
            if not name:
                raise ApplicationError(_("%(row)r: a row is KEY or KEY:VERSION.") % {"row": part})
            seen: int | None = None
            if sep:
                if not version.isdigit():
                    raise ApplicationError(
                        _("%(row)r: the version after the colon must be a whole number.") % {"row": part}
                    )
                seen = int(version)
            rows.setdefault(name, seen)
    return rows


def version_of(versions: Mapping[str, int | None] | None, key: object) -> int | None:
    """The version the person saw of the row ``key`` (None: not given, the row is taken as it is)."""
    return None if versions is None else versions.get(str(key))
