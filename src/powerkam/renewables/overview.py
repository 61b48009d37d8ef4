"""The renewables tile of the overview (web/dashboard.py): how many renewable key accounts there are,
how far they are from the consumption-responsibility quota, who breaks the self-use minimum, and whose
own generation is growing (they will buy less from the grid: the retention signal)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.analytics.renewables import self_consumption, self_generation_signal
from powerkam.renewables import selectors
from powerkam.staff.scope import Scope
from powerkam.web.dashboard import Figures, Tile, register

#: A self-generation signal from this value on counts as "own generation growing" on the tile.
GROWING_SIGNAL = 0.25


def renewables_figures(scope: Scope, today: dt.date) -> Figures | None:
    found = selectors.renewable_list(user=scope, with_headroom=False)
    if not found.rows:
        return None
    totals = found.totals
    growing: list[dict[str, Any]] = []
    for r in found.rows:
        signal = self_generation_signal(r.figures)
        if signal is not None and signal >= GROWING_SIGNAL:
            growing.append({"customer_id": r.account.customer_id, "name": r.account.name, "signal": signal})
    growing.sort(key=lambda g: (-g["signal"], g["customer_id"]))
    rules = found.rows[0].rules
    # The accounts' own generation together: self-consumed ÷ generated (docs/rules.md §7).
    self_use = (
        self_consumption(
            totals["generated_mwh"], self_consumed_kwh=totals["self_consumed_mwh"], minimum=rules.self_consumption_min
        )
        if totals["generated_mwh"] > 0
        else None
    )
    return {
        "year": found.year,
        "accounts": totals["accounts"],
        "short": totals["short"],
        "no_weight": totals["no_weight"],
        "below_minimum": totals["below_minimum"],
        "obligation_mwh": round(totals["obligation_mwh"], 1),
        "fulfilled_mwh": round(totals["fulfilled_mwh"], 1),
        "shortfall_certificates": totals["shortfall_certificates"],
        "shortfall_cost_yuan": round(totals["shortfall_cost_yuan"], 2),
        "shortfall_mwh": round(totals["shortfall_mwh"], 1),
        "generated_mwh": round(totals["generated_mwh"], 1),
        "self_consumed_mwh": round(totals["self_consumed_mwh"], 1),
        "self_consumption_ratio": None if self_use is None else self_use.ratio,
        "self_consumption_min": rules.self_consumption_min,
        # the billed months of the year so far (12: the whole year)
        "months": max(r.figures.months for r in found.rows),
        # whose weight for the year is not loaded: the report says so (in its own language)
        "province": rules.province,
        "missing_weights": found.missing_weights,
        "growing": len(growing),
        "growing_accounts": growing[:5],
    }


def register_tiles() -> None:
    register(
        Tile(
            "renewables",
            _("Renewable energy"),
            "renewables/_tile_renewables.html",
            renewables_figures,
            order=55,
            cache_seconds=300,
        )
    )
