"""ECharts options for the grid pages (built on the server, labels translated)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from powerkam.web.charts import PALETTE

MORE_COLOURS = [*PALETTE, "#2f9e44", "#c2255c", "#f08c00", "#495057", "#0c8599", "#5f3dc4"]


def load_curves_chart(
    times: list[dt.datetime],
    curves: dict[str, list[float | None]],
    names: dict[str, str],
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, Any]:
    labels = [f"{t:%m-%d %H:%M}" for t in times]
    start_label, end_label = f"{start:%m-%d %H:%M}", f"{end:%m-%d %H:%M}"
    series: list[dict[str, Any]] = []
    for i, (cid, values) in enumerate(curves.items()):
        entry: dict[str, Any] = {
            "name": f"{names.get(cid, cid)} ({cid})",
            "type": "line",
            "showSymbol": False,
            "step": "start",
            "data": values,
        }
        if i == 0:
            entry["markArea"] = {
                "silent": True,
                "itemStyle": {"color": "rgba(224, 49, 49, 0.08)"},
                "data": [[{"name": _("Outage"), "xAxis": start_label}, {"xAxis": end_label}]],
            }
        series.append(entry)
    return {
        "color": MORE_COLOURS,
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 56, "right": 24, "top": 40, "bottom": 56},
        "xAxis": {"type": "category", "data": labels, "boundaryGap": False},
        "yAxis": [{"type": "value", "name": "kW", "unit": ""}],
        "dataZoom": [{"type": "inside"}],
        "series": series,
    }
