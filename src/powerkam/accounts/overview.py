"""The accounts' tiles of the overview (web/dashboard.py): the key-account portfolio — how many,
which grades, what share of the base's consumption and revenue — and its arrears."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from powerkam.accounts import selectors
from powerkam.staff.scope import Scope
from powerkam.web import charts
from powerkam.web.dashboard import Figures, Tile, register
from powerkam.web.excel import Column

#: Accounts listed by name on the arrears tile (the rest are in the count and the totals).
TOP_ARREARS = 10


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def portfolio_figures(scope: Scope, today: dt.date) -> Figures:
    mix = selectors.portfolio_mix(user=scope)
    months = selectors.portfolio_share(user=scope, today=today)
    year = months[-12:]
    total_kwh = sum(m.total_kwh for m in year)
    key_kwh = sum(m.portfolio_kwh for m in year)
    total_yuan = sum(m.total_yuan for m in year)
    key_yuan = sum(m.portfolio_yuan for m in year)
    return {
        **mix,
        "not_graded": mix["key_accounts"] - mix["grade_a"] - mix["grade_b"] - mix["grade_c"],
        "period": year[-1].period if year else None,
        "kwh_12": key_kwh,
        "kwh_share_12": _ratio(key_kwh, total_kwh),
        "yuan_12": key_yuan,
        "yuan_share_12": _ratio(float(key_yuan), float(total_yuan)),
        "months": [
            {
                "period": m.period,
                "kwh_share": None if m.kwh_share is None else round(m.kwh_share, 4),
                "yuan_share": None if m.yuan_share is None else round(m.yuan_share, 4),
            }
            for m in months
        ],
    }


def portfolio_context(figures: Figures) -> dict[str, Any]:
    counts = {"A": figures["grade_a"], "B": figures["grade_b"], "C": figures["grade_c"], "": figures["not_graded"]}
    return {
        "grade_counts": list(counts.items()),
        "grade_chart": charts.grade_mix_chart(counts),
        "share_chart": charts.share_chart(figures["months"]) if figures["months"] else None,
    }


def arrears_figures(scope: Scope, today: dt.date) -> Figures:
    """The tile's few figures, kept like the arrears they sum up (same stamps, scope and day): a web
    process then reads these back from the shared cache, not every key account's arrears (a pickle of
    thousands of rows: tens of milliseconds for each process's first request, docs/benchmarks.md)."""
    return selectors.cached_store_figures(
        "arrears-tile", scope, today, ("billing", "payments"), lambda: _arrears_summary(scope, today)
    )


def _arrears_summary(scope: Scope, today: dt.date) -> Figures:
    arrears = selectors.portfolio_arrears(user=scope, today=today)
    biggest = max((b.outstanding_yuan for b in arrears.aging), default=0)
    return {
        "as_of": arrears.as_of,
        "accounts": len(arrears.accounts),
        "bills": arrears.bills,
        "outstanding_yuan": arrears.outstanding_yuan,
        "penalty_yuan": arrears.penalty_yuan,
        "aging": [
            {
                "first_day": b.first_day,
                "last_day": b.last_day,
                "bills": b.bills,
                "customers": b.customers,
                "outstanding_yuan": b.outstanding_yuan,
                "percent_of_largest": round(float(b.outstanding_yuan / biggest) * 100) if biggest else 0,
            }
            for b in arrears.aging
        ],
        "top": [
            {
                "customer_id": a.customer_id,
                "name": a.name,
                "bills": a.bills,
                "outstanding_yuan": a.outstanding_yuan,
                "days_overdue": a.days_overdue,
                "penalty_yuan": a.penalty_yuan,
            }
            for a in arrears.accounts[:TOP_ARREARS]
        ],
    }


def register_tiles() -> None:
    register(
        Tile(
            "portfolio",
            _("Key-account portfolio"),
            "accounts/_tile_portfolio.html",
            portfolio_figures,
            order=10,
            wide=True,
            extra_context=portfolio_context,
        )
    )
    register(Tile("arrears", _("Arrears of key accounts"), "accounts/_tile_arrears.html", arrears_figures, order=20))


def arrears_table(accounts: Iterable[selectors.AccountArrears]) -> tuple[list[Column], Iterator[list[Any]]]:
    """Columns and rows of the key accounts in arrears, as the workbooks give them (the arrears page's
    export and the monthly report's sheet)."""
    columns = [
        Column(gettext("Customer id"), "text"),
        Column(gettext("Name"), "text"),
        Column(gettext("Grade"), "text"),
        Column(gettext("District"), "text"),
        Column(gettext("Bills"), "int"),
        Column(gettext("Owed (yuan)"), "money"),
        Column(gettext("Days past due"), "int"),
        Column(gettext("Penalty accrued (yuan)"), "money"),
    ]
    rows = (
        [a.customer_id, a.name, a.grade, a.district, a.bills, a.outstanding_yuan, a.days_overdue, a.penalty_yuan]
        for a in accounts
    )
    return columns, rows
