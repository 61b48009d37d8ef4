"""ECharts options of the roster page (drawn by static/web/powerkam.js; ECharts is vendored): the
grade mix of the roster and the key accounts that joined and left, period by period."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from powerkam.grading.selectors import PeriodChanges

JOINED_COLOUR = "#2f9e44"
LEFT_COLOUR = "#c92a2a"
KEYS_COLOUR = "#1c7ed6"


def joined_left_chart(periods: Sequence[PeriodChanges]) -> dict[str, Any]:
    """Bars of the key accounts that joined and left in each graded period, and a line of how many
    key accounts there were (right axis). A period with nothing to compare with has no bars."""
    joined, left, keys = _("Joined"), _("Left"), _("Key accounts")
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [joined, left, keys], "top": 0},
        "grid": {"left": 48, "right": 56, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": [p.period for p in periods], "axisTick": {"alignWithLabel": True}},
        "yAxis": [
            {"type": "value", "minInterval": 1, "unit": ""},
            {"type": "value", "minInterval": 1, "unit": "", "splitLine": {"show": False}},
        ],
        "dataZoom": [{"type": "inside"}],
        "series": [
            {"name": joined, "type": "bar", "itemStyle": {"color": JOINED_COLOUR}, "data": [p.joined for p in periods]},
            {"name": left, "type": "bar", "itemStyle": {"color": LEFT_COLOUR}, "data": [p.left for p in periods]},
            {
                "name": keys,
                "type": "line",
                "yAxisIndex": 1,
                "itemStyle": {"color": KEYS_COLOUR},
                "showSymbol": len(periods) < 20,
                "data": [p.key_accounts for p in periods],
            },
        ],
    }
