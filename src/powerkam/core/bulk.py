"""Bulk actions (issue 19 part 6): the same service as the single action, on every selected row, all or
nothing.

:func:`all_or_nothing` runs ``action`` on each item inside one transaction, each in its own savepoint so
that one refusal does not hide the next: every row is tried, and if any is refused the whole transaction
rolls back and :class:`BulkRefused` names each refused row with the service's own message. Nothing is
half-written; the history the single action keeps (simple_history, ticket events) is kept the same way.
Permission checks stay in the single action's service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from powerkam.core.errors import ApplicationError

T = TypeVar("T")
R = TypeVar("R")

#: More rows than this in one bulk action are refused before anything is tried.
MAX_ROWS = 500


@dataclass(frozen=True)
class Refusal:
    """One refused row: what the person sees to find it (an id and a name) and why."""

    row: str
    message: str


class BulkRefused(ApplicationError):
    """At least one row was refused: nothing was changed. ``refusals`` lists every refused row."""

    def __init__(self, refusals: list[Refusal], total: int) -> None:
        message = ngettext(
            "%(n)d of %(total)d selected rows was refused, so nothing was changed.",
            "%(n)d of %(total)d selected rows were refused, so nothing was changed.",
            len(refusals),
        ) % {"n": len(refusals), "total": total}
        super().__init__(message, {"refused": [{"row": r.row, "message": r.message} for r in refusals]})
        self.refusals = refusals


def _message(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    raise exc


def all_or_nothing(items: Iterable[T], action: Callable[[T], R], label: Callable[[T], str]) -> list[R]:
    """``action(item)`` for every item, in one transaction: all done, or none (:class:`BulkRefused`)."""
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
                refusals.append(Refusal(label(item), _message(exc)))
        if refusals:
            raise BulkRefused(refusals, len(rows))  # leaving the block rolls every row back
    return results
