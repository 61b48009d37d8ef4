"""A manager's overdue accounts, prepared each morning for "My work" (:mod:`powerkam.web.prepare`)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from powerkam.visits.selectors import overdue_for_manager
from powerkam.web.prepare import Preparer, register


def _overdue(request: HttpRequest, today: dt.date) -> None:
    overdue_for_manager(request.user, today)


def register_preparers() -> None:
    register(Preparer("visits.overdue", _overdue))
