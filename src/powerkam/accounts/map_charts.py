"""ECharts options of the maps (issue 19), drawn by static/web/map.js with the vendored ECharts.

An option carries, besides what ECharts reads, ``powerkamGeoJson`` (the district outlines, which the
script registers as the map ``powerkamMap`` names) and ``powerkamDetailUrl`` (where a click on a
point goes, ``{id}`` standing for its customer id, ``cid`` on the point). Points are ``[longitude, latitude]`` with the
account's name and id; each grade is a series in the grade's badge colour, so the legend filters by
grade too. Labels are translated here; nothing on the page comes from another origin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.urls import reverse
from django.utils.translation import gettext as _

from powerkam.accounts.maps import GRADES, MapPoint
from powerkam.analytics import geo
from powerkam.web.charts import GRADE_COLOURS

MAP_NAME = "powerkam-districts"
RIDING_THROUGH_COLOUR = "#868e96"


def grade_names() -> dict[str, str]:
    return {"A": _("Grade A"), "B": _("Grade B"), "C": _("Grade C"), "": _("Not graded yet")}


def _detail_url() -> str:
    return reverse("accounts:detail", args=["ID"]).replace("ID", "{id}")


def _series(name: str, colour: str, points: Sequence[MapPoint], *, symbol: str = "circle") -> dict[str, Any]:
    return {
        "name": name,
        "type": "scatter",
        "coordinateSystem": "geo",
        "symbol": symbol,
        "symbolSize": 8,
        "itemStyle": {"color": colour, "borderColor": "#fff", "borderWidth": 0.5},
        "emphasis": {"scale": 1.6},
        "data": [{"name": p.name, "cid": p.customer_id, "value": [p.longitude, p.latitude]} for p in points],
    }


def _option(series: list[dict[str, Any]], outlines: Mapping[str, np.ndarray]) -> dict[str, Any]:
    return {
        "powerkamMap": MAP_NAME,
        "powerkamGeoJson": geo.outlines_geojson(outlines),
        "powerkamDetailUrl": _detail_url(),
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "legend": {"data": [s["name"] for s in series], "top": 0},
        "geo": {
            "map": MAP_NAME,
            "roam": True,
            # Centre and size (of the smaller side) keep the outlines' aspect on a narrow phone too.
            "layoutCenter": ["50%", "54%"],
            "layoutSize": "86%",
            "scaleLimit": {"min": 0.8, "max": 40},
            "label": {"show": True, "color": "#868e96", "fontSize": 11},
            "itemStyle": {"areaColor": "#f1f3f5", "borderColor": "#adb5bd", "borderWidth": 1},
            "emphasis": {"itemStyle": {"areaColor": "#e9ecef"}, "label": {"color": "#495057"}},
            "select": {"disabled": True},
        },
        "series": series,
    }


def account_map_option(points: Sequence[MapPoint], outlines: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Key accounts on the district outlines, a series per grade."""
    names = grade_names()
    series = [
        _series(names[grade], GRADE_COLOURS[grade], [p for p in points if (p.grade or "") == grade]) for grade in GRADES
    ]
    return _option([s for s in series if s["data"]], outlines)


def outage_map_option(
    interrupted: Sequence[MapPoint], riding_through: Sequence[MapPoint], outlines: Mapping[str, np.ndarray]
) -> dict[str, Any]:
    """An outage's interrupted accounts by grade, and those riding through on another feeder (grey rings)."""
    option = account_map_option(interrupted, outlines)
    if riding_through:
        ring = _series(_("Riding through (dual supply)"), RIDING_THROUGH_COLOUR, riding_through, symbol="emptyCircle")
        option["series"].append(ring)
        option["legend"]["data"].append(ring["name"])
    return option
