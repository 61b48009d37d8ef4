"""The visits tile of the overview (web/dashboard.py): visits made on their grade's cadence this
quarter, and the key accounts overdue for a visit today."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from powerkam.staff.scope import Scope
from powerkam.visits import selectors
from powerkam.web.dashboard import Figures, Tile, register

#: Seconds the figures are kept: replaying every key account's visits costs ~0.3 ms an account
#: (18 s for 66,000); visits are recorded a few a day per manager.
CACHE_SECONDS = 600
#: Overdue accounts listed by name (the rest are in the count).
TOP_OVERDUE = 5


def visits_figures(scope: Scope, today: dt.date) -> Figures:
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    report = selectors.visit_compliance(user=scope, first_day=quarter_start, last_day=today)
    total = report.cell("*", "*")
    by_grade = {grade: report.cell("*", grade) for grade in ("A", "B", "C")}
    overdue = sorted(report.overdue, key=lambda r: (-r.days_overdue, r.customer_id))
    return {
        "first_day": quarter_start,
        "last_day": today,
        "visits": total.visits if total else 0,
        "on_time": total.on_time if total else 0,
        "rate": total.rate if total else None,
        "by_grade": {g: (c.rate if c else None) for g, c in by_grade.items()},
        "overdue_accounts": len(overdue),
        "overdue": [
            {"customer_id": r.customer_id, "name": r.account.name, "grade": r.grade, "days_overdue": r.days_overdue}
            for r in overdue[:TOP_OVERDUE]
        ],
    }


def register_tiles() -> None:
    register(
        Tile(
            "visits",
            _("Visits on cadence"),
            "visits/_tile_visits.html",
            visits_figures,
            order=40,
            cache_seconds=CACHE_SECONDS,
            prepared=True,
        )
    )
