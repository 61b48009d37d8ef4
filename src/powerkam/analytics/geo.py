"""District outlines drawn from the accounts' own coordinates, for maps without a tile server.

PowerKAM has no map tiles and no boundary files (it runs without the internet), but every account
carries WGS-84 coordinates and a district. A district's outline is the convex hull of its accounts'
points (scipy's Qhull — scipy comes with scikit-learn), pushed outwards a little so that no corner
sits on an account and points on the edge stay inside: each corner moves away from the district's
centre by ``pad`` of its distance plus ``margin_deg``. A district with fewer than three distinct
points (or all on a line) becomes the square of ``margin_deg`` around them.

The outlines are a picture of where the accounts are, not the administrative boundary: convex hulls
of neighbouring districts may overlap where a district is not convex. The result is GeoJSON
(``[longitude, latitude]`` rings, closed), which ECharts registers as a map (``echarts.registerMap``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull, QhullError

#: How far an outline's corners move outwards: a share of their distance from the centre, and degrees.
DEFAULT_PAD = 0.06
DEFAULT_MARGIN_DEG = 0.004


def district_points(rows: Iterable[tuple[str, float, float]]) -> dict[str, np.ndarray]:
    """``(district, latitude, longitude)`` rows → {district: array of ``[longitude, latitude]``}."""
    grouped: dict[str, list[tuple[float, float]]] = {}
    for district, latitude, longitude in rows:
        if district and latitude is not None and longitude is not None:
            grouped.setdefault(district, []).append((float(longitude), float(latitude)))
    return {d: np.asarray(points, dtype=float) for d, points in grouped.items()}


def outline(points: np.ndarray, *, pad: float = DEFAULT_PAD, margin_deg: float = DEFAULT_MARGIN_DEG) -> np.ndarray:
    """The padded convex hull of ``points`` (n × 2, lon/lat) as a closed ring, counter-clockwise."""
    unique = np.unique(np.asarray(points, dtype=float), axis=0)
    if len(unique) >= 3:
        try:
            hull = ConvexHull(unique)
        except QhullError:  # all on a line: no area to enclose
            hull = None
        if hull is not None:
            corners = unique[hull.vertices]  # counter-clockwise in 2-D
            centre = corners.mean(axis=0)
            offset = corners - centre
            length = np.hypot(offset[:, 0], offset[:, 1])
            length[length == 0] = 1.0
            grown = corners + offset * pad + offset / length[:, None] * margin_deg
            return np.vstack([grown, grown[:1]])
    low, high = unique.min(axis=0) - margin_deg, unique.max(axis=0) + margin_deg
    square = np.array([[low[0], low[1]], [high[0], low[1]], [high[0], high[1]], [low[0], high[1]]])
    return np.vstack([square, square[:1]])


def district_outlines(
    points: Mapping[str, np.ndarray], *, pad: float = DEFAULT_PAD, margin_deg: float = DEFAULT_MARGIN_DEG
) -> dict[str, np.ndarray]:
    """{district: closed ring} for every district with at least one point, by district name."""
    return {d: outline(p, pad=pad, margin_deg=margin_deg) for d, p in sorted(points.items()) if len(p)}


def outlines_geojson(outlines: Mapping[str, np.ndarray], *, digits: int = 5) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the outlines, one polygon feature named after its district
    (coordinates rounded to ``digits`` decimals: 5 is about a metre)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": district},
                "geometry": {"type": "Polygon", "coordinates": [np.round(ring, digits).tolist()]},
            }
            for district, ring in outlines.items()
        ],
    }


def contains(ring: np.ndarray, point: tuple[float, float]) -> bool:
    """Whether ``point`` (lon, lat) lies inside the closed convex ``ring`` (counter-clockwise)."""
    x, y = point
    edges = itertools.pairwise(ring.tolist())
    return all((bx - ax) * (y - ay) - (by - ay) * (x - ax) >= 0 for (ax, ay), (bx, by) in edges)
