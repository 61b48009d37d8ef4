"""ECharts options built on the server, so labels are translated and units chosen per language.

Templates embed an option with ``json_script`` next to ``<div class="chart" data-chart="ID">``;
``static/web/powerkam.js`` draws it. An axis may carry ``"unit"``: the script formats its labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from powerkam.analytics.accounts import LoadCurve, MonthFigures

PALETTE = ["#00706b", "#e8590c", "#1c7ed6", "#7048e8"]


def _scale() -> tuple[float, str, float, str]:
    """(energy divisor, energy unit, money divisor, money unit) for the current language."""
    if (get_language() or "").lower().startswith("zh"):
        return 10_000, "万kWh", 10_000, "万元"
    return 1_000, "MWh", 1_000, "k¥"


def _scaled(values: Sequence[Any], divisor: float) -> list[float | None]:
    return [None if v is None else round(float(v) / divisor, 2) for v in values]


def consumption_chart(months: Sequence[MonthFigures]) -> dict[str, Any]:
    energy_div, energy_unit, money_div, money_unit = _scale()
    energy_name = _("Consumption")
    revenue_name = _("Billed revenue")
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [energy_name, revenue_name], "top": 0},
        "grid": {"left": 56, "right": 64, "top": 40, "bottom": 48},
        "xAxis": {"type": "category", "data": [m.period for m in months], "axisTick": {"alignWithLabel": True}},
        "yAxis": [
            {"type": "value", "name": energy_unit, "unit": ""},
            {"type": "value", "name": money_unit, "unit": "", "splitLine": {"show": False}},
        ],
        "dataZoom": [{"type": "inside"}],
        "series": [
            {"name": energy_name, "type": "bar", "data": _scaled([m.kwh for m in months], energy_div)},
            {
                "name": revenue_name,
                "type": "line",
                "yAxisIndex": 1,
                "smooth": True,
                "data": _scaled([m.amount_yuan for m in months], money_div),
            },
        ],
    }


def load_curve_chart(curve: LoadCurve) -> dict[str, Any]:
    working = _("Working day")
    non_working = _("Non-working day")
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [working, non_working], "top": 0},
        "grid": {"left": 56, "right": 24, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": LoadCurve.slot_labels(), "boundaryGap": False},
        "yAxis": [{"type": "value", "name": "kW", "unit": ""}],
        "series": [
            {
                "name": working,
                "type": "line",
                "showSymbol": False,
                "data": curve.working_kw,
                "areaStyle": {"opacity": 0.08},
            },
            {"name": non_working, "type": "line", "showSymbol": False, "data": curve.non_working_kw},
        ],
    }


#: Grade colours as the badges have them (A green, B blue, C orange; not graded grey).
GRADE_COLOURS = {"A": "#2f9e44", "B": "#1c7ed6", "C": "#e8590c", "": "#adb5bd"}


def grade_mix_chart(counts: dict[str, int]) -> dict[str, Any]:
    """A doughnut of key accounts by grade (``""`` for not graded yet)."""
    names = {"A": _("A · premium"), "B": _("B · medium"), "C": _("C · low credit"), "": _("Not graded yet")}
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["45%", "70%"],
                "center": ["50%", "42%"],
                "label": {"formatter": "{c}"},
                "data": [
                    {"name": names[g], "value": n, "itemStyle": {"color": GRADE_COLOURS[g]}}
                    for g, n in counts.items()
                    if n
                ],
            }
        ],
    }


def share_chart(months: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The key accounts' share of the base's consumption and revenue, month by month (percent)."""
    energy_name = _("Share of consumption")
    revenue_name = _("Share of revenue")

    def percent(values: list[float | None]) -> list[float | None]:
        return [None if v is None else round(v * 100, 1) for v in values]

    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [energy_name, revenue_name], "top": 0},
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": [m["period"] for m in months], "boundaryGap": False},
        "yAxis": [{"type": "value", "name": "%", "unit": "%", "scale": True}],
        "series": [
            {
                "name": energy_name,
                "type": "line",
                "showSymbol": False,
                "data": percent([m["kwh_share"] for m in months]),
            },
            {
                "name": revenue_name,
                "type": "line",
                "showSymbol": False,
                "data": percent([m["yuan_share"] for m in months]),
            },
        ],
    }


def score_trend_chart(points: Sequence[tuple[Any, float]]) -> dict[str, Any]:
    """An account's health score day by day (0–100), the risk bands shaded."""
    name = _("Health score")
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 16, "top": 16, "bottom": 32},
        "xAxis": {"type": "category", "data": [f"{day:%Y-%m-%d}" for day, _score in points], "boundaryGap": False},
        "yAxis": [{"type": "value", "min": 0, "max": 100, "unit": ""}],
        "series": [
            {
                "name": name,
                "type": "line",
                "showSymbol": len(points) < 40,
                "data": [score for _day, score in points],
                "markArea": {
                    "silent": True,
                    "data": [
                        [{"yAxis": 0, "itemStyle": {"color": "rgba(201,42,42,0.06)"}}, {"yAxis": 50}],
                        [{"yAxis": 50, "itemStyle": {"color": "rgba(232,89,12,0.05)"}}, {"yAxis": 70}],
                    ],
                },
            }
        ],
    }


#: The churn risk levels' colours (as the badges: high red, medium orange, low green).
RISK_COLOURS = {"high": "#c92a2a", "medium": "#e8590c", "low": "#2b8a3e"}


def _risk_names() -> dict[str, str]:
    return {"high": _("High risk"), "medium": _("Medium risk"), "low": _("Low risk")}


def risk_distribution_chart(bins: dict[str, list[int]]) -> dict[str, Any]:
    """Key accounts by health score (bins of 10 points), stacked by churn risk level."""
    names = _risk_names()
    size = len(next(iter(bins.values()))) if bins else 10
    width = 100 // size
    labels = [f"{i * width}–{(i + 1) * width - 1 if i < size - 1 else 100}" for i in range(size)]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 28, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": labels,
            "name": _("Health score"),
            "nameLocation": "middle",
            "nameGap": 28,
        },
        "yAxis": [{"type": "value", "minInterval": 1, "unit": ""}],
        "series": [
            {
                "name": names[level],
                "type": "bar",
                "stack": "risk",
                "itemStyle": {"color": RISK_COLOURS[level]},
                "data": counts,
            }
            for level, counts in bins.items()
        ],
    }


def risk_trend_chart(points: Sequence[tuple[Any, dict[str, int]]]) -> dict[str, Any]:
    """Key accounts at each churn risk level, week by week."""
    names = _risk_names()
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 32, "right": 40, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [f"{day:%Y-%m-%d}" for day, _c in points], "boundaryGap": False},
        "yAxis": [{"type": "value", "minInterval": 1, "unit": ""}],
        "series": [
            {
                "name": names[level],
                "type": "line",
                "itemStyle": {"color": colour},
                "showSymbol": len(points) < 40,
                "data": [counts.get(level, 0) for _day, counts in points],
            }
            for level, colour in RISK_COLOURS.items()
        ],
    }


def probability_trend_chart(points: Sequence[tuple[Any, float]]) -> dict[str, Any]:
    """An account's churn probability (the model's, percent) day by day, from the morning snapshots."""
    name = _("Probability of loss (model)")
    return {
        "color": [RISK_COLOURS["high"]],
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 32, "right": 40, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [f"{day:%Y-%m-%d}" for day, _p in points], "boundaryGap": False},
        "yAxis": [{"type": "value", "min": 0, "max": 100, "unit": "%"}],
        "series": [
            {
                "name": name,
                "type": "line",
                "showSymbol": len(points) < 40,
                "data": [round(100 * p, 1) for _day, p in points],
            }
        ],
    }
