"""District outlines drawn from the accounts' own coordinates, for maps without a tile server.

PowerKAM has no map tiles and no boundary files (it runs without the internet), but every account
carries WGS-84 coordinates and a district. A district's outline is the convex hull of its accounts'
points (scipy's Qhull — scipy comes with scikit-learn) grown by a margin all round, so that no corner
sits on an account and points on the edge stay well inside; a district of one point, or of points on
a line, gets the same treatment (an octagon, a long octagon).

The outlines are a picture of where the accounts are, not the administrative boundary: convex hulls
of neighbouring districts may overlap where a district is not convex. The result is GeoJSON
(``[longitude, latitude]`` rings, closed), which ECharts registers as a map (``echarts.registerMap``).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull, QhullError

#: How far an outline stands off its district's outermost accounts (degrees; 0.004° is about 400 m).
DEFAULT_MARGIN_DEG = 0.004


def district_points(rows: Iterable[tuple[str, float, float]]) -> dict[str, np.ndarray]:
    """``(district, latitude, longitude)`` rows → {district: array of ``[longitude, latitude]``}."""
    grouped: dict[str, list[tuple[float, float]]] = {}
    for district, latitude, longitude in rows:
        if district and latitude is not None and longitude is not None:
            grouped.setdefault(district, []).append((float(longitude), float(latitude)))
    return {d: np.asarray(points, dtype=float) for d, points in grouped.items()}


def outline(points: np.ndarray, *, margin_deg: float = DEFAULT_MARGIN_DEG) -> np.ndarray:
    """The convex hull of ``points`` (n × 2, lon/lat) grown by ``margin_deg`` all round, as a closed
    ring, counter-clockwise: the hull of an octagon of that radius around each corner. Any number of
    points works (one point gives an octagon, points on a line a long one), and every point lies at
    least ``margin_deg × cos 22.5°`` inside, whatever the rounding."""
    if margin_deg <= 0:
        raise ValueError("margin_deg must be positive")
    corners = np.unique(np.asarray(points, dtype=float).reshape(-1, 2), axis=0)
    if len(corners) >= 3:
        with contextlib.suppress(QhullError):  # all on a line: the octagons around them enclose it
            corners = corners[ConvexHull(corners).vertices]
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False) + np.pi / 8
    octagon = np.column_stack([np.cos(angles), np.sin(angles)]) * margin_deg
    grown = (corners[:, None, :] + octagon[None, :, :]).reshape(-1, 2)
    ring = grown[ConvexHull(grown).vertices]  # counter-clockwise in 2-D
    return np.vstack([ring, ring[:1]])


def district_outlines(
    points: Mapping[str, np.ndarray], *, margin_deg: float = DEFAULT_MARGIN_DEG
) -> dict[str, np.ndarray]:
    """{district: closed ring} for every district with at least one point, by district name."""
    return {d: outline(p, margin_deg=margin_deg) for d, p in sorted(points.items()) if len(p)}


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
