"""Accounts' value ranks, which the grading app keeps (issue 21).

A value rank is a figure of one grading run: the percentile of the account's revenue among that
run's key accounts. It moves for every key account every month, so it is kept in each run's grade
rows and not on the account (docs/grading.md, "What a run changes"). The accounts app sits below
grading and cannot import it: grading registers the function that reads the ranks here
(:func:`powerkam.core.contributions.contribute`), and the accounts API asks it for a page at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from powerkam.core.contributions import load

#: account ids → each one's value rank in the newest published run that graded it (None: it was
#: not a key account there); accounts never graded are left out.
Reader = Callable[[Sequence[int]], dict[int, float | None]]

_reader: list[Reader] = []


def register(reader: Reader) -> None:
    _reader[:] = [reader]


def value_ranks(account_ids: Sequence[int]) -> dict[int, float | None]:
    """The value ranks of *account_ids* (see :data:`Reader`); none while no app keeps them."""
    load()
    if not _reader or not account_ids:
        return {}
    return _reader[0](account_ids)
