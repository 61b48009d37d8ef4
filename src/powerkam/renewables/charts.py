"""ECharts options of the renewables area, built on the server (labels translated, units per language)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from powerkam.analytics.renewables import MonthGeneration
from powerkam.web.charts import PALETTE


def _energy() -> tuple[float, str]:
    return (10_000, "万kWh") if (get_language() or "").lower().startswith("zh") else (1_000, "MWh")


def generation_chart(months: Sequence[MonthGeneration]) -> dict[str, Any]:
    """Monthly generation split into self-consumed and exported (stacked), with the self-use ratio."""
    divisor, unit = _energy()
    own, exported, ratio = _("Self-consumed"), _("Exported"), _("Self-consumption ratio")
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [own, exported, ratio], "top": 0},
        "grid": {"left": 56, "right": 56, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": [m.period for m in months]},
        "yAxis": [
            {"type": "value", "name": unit, "unit": unit},
            {"type": "value", "name": "%", "max": 100, "min": 0},
        ],
        "series": [
            {
                "name": own,
                "type": "bar",
                "stack": "g",
                "data": [round(m.self_consumed_kwh / divisor, 2) for m in months],
            },
            {
                "name": exported,
                "type": "bar",
                "stack": "g",
                "data": [round(m.exported_kwh / divisor, 2) for m in months],
            },
            {
                "name": ratio,
                "type": "line",
                "yAxisIndex": 1,
                "data": [
                    round(m.self_consumed_kwh / m.generated_kwh * 100, 1) if m.generated_kwh > 0 else None
                    for m in months
                ],
            },
        ],
    }


def share_chart(rows: Sequence[tuple[str, float | None, float | None]]) -> dict[str, Any]:
    """Renewable share reached against the weight, per account (name, share, weight; shares 0–1)."""
    share, quota = _("Renewable share"), _("Weight (quota)")
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [share, quota], "top": 0},
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 80},
        "xAxis": {"type": "category", "data": [r[0] for r in rows], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": "%"},
        "series": [
            {"name": share, "type": "bar", "data": [None if r[1] is None else round(r[1] * 100, 1) for r in rows]},
            {
                "name": quota,
                "type": "line",
                "step": "middle",
                "data": [None if r[2] is None else round(r[2] * 100, 1) for r in rows],
            },
        ],
    }
