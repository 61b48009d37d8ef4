"""District outlines from the accounts' coordinates (analytics/geo.py): padded convex hulls that hold
every point strictly inside, squares for districts too small for a hull, GeoJSON for ECharts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from powerkam.analytics import geo

coordinate = st.tuples(st.floats(118.0, 119.0), st.floats(31.5, 32.5))


@settings(max_examples=60, deadline=None)
@given(st.lists(coordinate, min_size=1, max_size=40))
def test_every_point_lies_inside_its_districts_outline(points: list[tuple[float, float]]) -> None:
    ring = geo.outline(np.array(points))
    assert np.allclose(ring[0], ring[-1])  # closed
    assert all(geo.contains(ring, p) for p in points)


def test_the_hull_is_pushed_outwards_so_no_corner_is_an_account() -> None:
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]])
    ring = geo.outline(square, pad=0.1, margin_deg=0.0)
    assert len(ring) == 5  # four corners (the middle point is inside), closed
    corners = {tuple(np.round(c, 6)) for c in ring[:-1]}
    assert corners == {(-0.05, -0.05), (1.05, -0.05), (1.05, 1.05), (-0.05, 1.05)}
    assert not any(tuple(p) in corners for p in square.tolist())


def test_a_point_or_a_line_becomes_a_small_square() -> None:
    one = geo.outline(np.array([[118.5, 32.0], [118.5, 32.0]]), margin_deg=0.01)
    assert np.allclose(one[:-1], [[118.49, 31.99], [118.51, 31.99], [118.51, 32.01], [118.49, 32.01]])
    line = geo.outline(np.array([[118.0, 32.0], [118.1, 32.1], [118.2, 32.2]]), margin_deg=0.01)
    assert len(line) == 5
    assert geo.contains(line, (118.1, 32.1))


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
