"""ECharts options for the funnel page (drawn by static/web/powerkam.js; ECharts is vendored)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from powerkam.prospects.funnel import Funnel, QuarterLoad
from powerkam.prospects.models import PIPELINE, Stage
from powerkam.web.charts import PALETTE

STAGE_COLOURS: dict[str, str] = {
    Stage.PLANNED: "#66768a",
    Stage.APPROVED: "#1c7ed6",
    Stage.APPLIED: "#7048e8",
    Stage.UNDER_CONSTRUCTION: "#e8590c",
    Stage.ENERGISED: "#00706b",
}


def funnel_chart(funnel: Funnel) -> dict[str, Any]:
    name = _("Projects that reached the stage")
    return {
        "color": [STAGE_COLOURS[s.stage] for s in funnel.stages],
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
        "series": [
            {
                "name": name,
                "type": "funnel",
                "sort": "none",
                "left": "10%",
                "width": "80%",
                "minSize": "8%",
                "label": {"show": True, "position": "inside", "formatter": "{b} {c}"},
                "data": [{"name": str(Stage(s.stage).label), "value": s.reached} for s in funnel.stages],
            }
        ],
    }


def quarter_load_chart(quarters: list[QuarterLoad]) -> dict[str, Any]:
    """Expected capacity (kVA, bars stacked by stage) and annual consumption (line) by quarter."""
    in_chinese = (get_language() or "").lower().startswith("zh")
    energy_div, energy_unit = (10_000, "万kWh") if in_chinese else (1_000_000, "GWh")
    stages = [s for s in PIPELINE if s != Stage.ENERGISED]
    series: list[dict[str, Any]] = [
        {
            "name": str(Stage(stage).label),
            "type": "bar",
            "stack": "kva",
            "itemStyle": {"color": STAGE_COLOURS[stage]},
            "data": [float(q.capacity_kva.get(stage, 0)) for q in quarters],
        }
        for stage in stages
    ]
    series.append(
        {
            "name": _("Expected annual consumption"),
            "type": "line",
            "yAxisIndex": 1,
            "itemStyle": {"color": PALETTE[1]},
            "data": [round(float(q.total_kwh) / energy_div, 2) for q in quarters],
        }
    )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 64, "right": 64, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": [q.quarter for q in quarters]},
        "yAxis": [
            {"type": "value", "name": "kVA", "unit": ""},
            {"type": "value", "name": f"{energy_unit}/{_('yr')}", "unit": "", "splitLine": {"show": False}},
        ],
        "series": series,
    }
