"""The tariff advice page's chart (issue 19): the savings a year by kind of advice, stacked by the
accounts' grade. Drawn by static/web/powerkam.js with the vendored ECharts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from powerkam.insights.selectors import GRADES, KindSavings
from powerkam.web.charts import GRADE_COLOURS


def kind_label(kind: str) -> str:
    """The name of a kind of advice, as insights/_kind.html has it."""
    return {"basic_charge": _("Basic charge mode"), "time_of_use": _("Time-of-use shifting")}.get(
        kind, _("Power factor")
    )


def money_scale() -> tuple[float, str]:
    """(divisor, unit) of yuan on the chart: 万元 on a Chinese page, thousands of yuan in English."""
    if (get_language() or "").lower().startswith("zh"):
        return 10_000, "万元"
    return 1_000, "k¥"


def savings_by_kind_chart(kinds: Sequence[KindSavings]) -> dict[str, Any]:
    divisor, unit = money_scale()
    names = {"A": _("Grade A"), "B": _("Grade B"), "C": _("Grade C"), "": _("Not graded yet")}
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": [names[g] for g in GRADES], "top": 0},
        "grid": {"left": 64, "right": 24, "top": 40, "bottom": 32, "containLabel": True},
        "xAxis": {"type": "category", "data": [kind_label(k.kind) for k in kinds]},
        "yAxis": [{"type": "value", "name": unit, "unit": ""}],
        "series": [
            {
                "name": names[grade],
                "type": "bar",
                "stack": "yuan",
                "itemStyle": {"color": GRADE_COLOURS[grade]},
                "data": [round(k.yuan_by_grade[grade] / divisor, 2) for k in kinds],
            }
            for grade in GRADES
        ],
    }
