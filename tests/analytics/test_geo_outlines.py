"""District outlines from the accounts' coordinates (analytics/geo.py): padded convex hulls that hold
every point strictly inside, squares for districts too small for a hull, GeoJSON for ECharts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powerkam.analytics import geo

coordinate = st.tuples(st.floats(118.0, 119.0), st.floats(31.5, 32.5))


def _distance_inside(ring: np.ndarray, point: tuple[float, float]) -> float:
    """How far ``point`` is inside the convex counter-clockwise ``ring`` (negative: outside)."""
    (x, y), edges = point, itertools.pairwise(ring.tolist())
    return min(
        ((bx - ax) * (y - ay) - (by - ay) * (x - ax)) / np.hypot(bx - ax, by - ay) for (ax, ay), (bx, by) in edges
    )


@settings(max_examples=80, deadline=None)
@given(st.lists(coordinate, min_size=1, max_size=40), st.sampled_from([0.001, 0.004, 0.02]))
def test_every_point_lies_well_inside_its_districts_outline(points: list[tuple[float, float]], margin: float) -> None:
    ring = geo.outline(np.array(points), margin_deg=margin)
    assert np.allclose(ring[0], ring[-1])  # closed
    assert all(geo.contains(ring, p) for p in points)
    assert min(_distance_inside(ring, p) for p in points) >= margin * np.cos(np.pi / 8) - 1e-9


def test_no_corner_is_an_account_and_the_margin_is_all_round() -> None:
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]])
    ring = geo.outline(square, margin_deg=0.1)
    corners = {tuple(np.round(c, 9)) for c in ring[:-1]}
    assert not corners & {tuple(p) for p in square.tolist()}
    xs, ys = ring[:, 0], ring[:, 1]
    m = 0.1 * np.cos(np.pi / 8)  # the octagons' flat sides face the axes
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == pytest.approx((-m, 1 + m, -m, 1 + m))
    assert not geo.contains(ring, (1.2, 0.5))


def test_one_point_or_points_on_a_line_still_enclose_an_area() -> None:
    one = geo.outline(np.array([[118.5, 32.0], [118.5, 32.0]]), margin_deg=0.01)
    assert len(one) == 9  # an octagon, closed
    assert np.allclose(np.hypot(one[:, 0] - 118.5, one[:, 1] - 32.0), 0.01)
    line = geo.outline(np.array([[118.0, 32.0], [118.1, 32.1], [118.2, 32.2]]), margin_deg=0.01)
    assert geo.contains(line, (118.1, 32.1))
    assert not geo.contains(line, (118.1, 32.0))
    with pytest.raises(ValueError, match="positive"):
        geo.outline(np.array([[1.0, 1.0]]), margin_deg=0)


def test_districts_become_a_geojson_feature_collection() -> None:
    points = geo.district_points(
        [("东城区", 32.0, 118.0), ("东城区", 32.1, 118.1), ("东城区", 32.0, 118.1), ("西城区", 31.0, 117.0), ("", 1, 1)]
    )
    assert sorted(points) == ["东城区", "西城区"]  # a point without a district is left out
    collection = geo.outlines_geojson(geo.district_outlines(points))
    assert collection["type"] == "FeatureCollection"
    names = [f["properties"]["name"] for f in collection["features"]]
    assert names == ["东城区", "西城区"]
    ring = collection["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    assert all(len(c) == 2 for c in ring)  # [longitude, latitude]
