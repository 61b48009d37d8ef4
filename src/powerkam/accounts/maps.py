"""Reads for the maps (issue 19): where the accounts a user sees are, on district outlines drawn from
the accounts' own coordinates (no tile server — docs/user-guide.md, "Maps").

- :func:`district_outlines` — every district's outline from the whole base's coordinates, rounded to
  :data:`OUTLINE_GRID_DEG` first (about a kilometre), so an outline shows where a district's accounts
  are without placing any single one of them; kept in the cache per version of the accounts.
- :func:`account_map` — the accounts of the list's filters in the user's scope, at most
  :data:`MAP_POINT_LIMIT` of them (an even sample by customer id beyond that — the page says so),
  with counts by district and grade over all of them.
- :func:`points_of` — the located accounts among some customer ids (an outage's interrupted accounts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from django.core.cache import cache
from django.db.models import Count

from powerkam.accounts.models import Account
from powerkam.accounts.selectors import LIST_CACHE_SECONDS, AccountFilters, AnyUser, account_list, accounts_version
from powerkam.analytics import geo

#: Most accounts drawn on a map; beyond it an even sample of this many (the page says so).
MAP_POINT_LIMIT = 2_000
#: The grid (degrees) the whole base's coordinates are rounded to before the outlines are drawn.
OUTLINE_GRID_DEG = 0.01
T = TypeVar("T")

#: Grades in the order the maps' legends and tables have them ("" is not graded yet).
GRADES = ("A", "B", "C", "")


@dataclass(frozen=True)
class MapPoint:
    customer_id: str
    name: str
    grade: str
    district: str
    longitude: float
    latitude: float


@dataclass(frozen=True)
class DistrictCount:
    district: str
    by_grade: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_grade.values())


@dataclass(frozen=True)
class AccountMap:
    points: list[MapPoint]
    matching: int  # accounts the filters keep in the user's scope
    located: int  # of them with coordinates
    districts: list[DistrictCount] = field(default_factory=list)

    @property
    def sampled(self) -> bool:
        return len(self.points) < self.located

    @property
    def unlocated(self) -> int:
        return self.matching - self.located


def district_outlines(*, districts: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """{district: closed ring of [longitude, latitude]} from the whole base (``districts``: only these)."""
    key = f"accounts:district-outlines:{accounts_version()}"
    outlines: dict[str, np.ndarray] | None = cache.get(key)
    if outlines is None:
        rows = (
            Account.objects.active()
            .exclude(district="")
            .filter(latitude__isnull=False, longitude__isnull=False)
            .order_by()
            .values_list("district", "latitude", "longitude")
        )
        step = OUTLINE_GRID_DEG
        rounded = (
            (d, round(float(lat) / step) * step, round(float(lon) / step) * step)
            for d, lat, lon in rows
            if lat is not None and lon is not None
        )
        # Grown by a whole step: an account is at most step × √2 / 2 from its rounded point, less than
        # the step × cos 22.5° the outline stands off it, so every account stays inside its district.
        outlines = geo.district_outlines(geo.district_points(rounded), margin_deg=step)
        cache.set(key, outlines, LIST_CACHE_SECONDS)
    if districts is None:
        return outlines
    wanted = set(districts)
    return {d: ring for d, ring in outlines.items() if d in wanted}


def account_map(*, user: AnyUser, filters: AccountFilters, limit: int = MAP_POINT_LIMIT) -> AccountMap:
    """The accounts of ``filters`` that ``user`` sees, for the map: located ones as points (an even
    sample by customer id when more than ``limit``), counts by district and grade over all of them.

    The counts are one GROUP BY; beyond ``limit`` only the located accounts' keys are read to pick
    the sample, then the sample's rows (docs/benchmarks.md, "Maps")."""
    accounts = account_list(user=user, filters=filters).prefetch_related(None).order_by()
    counts: dict[str, dict[str, int]] = {}
    for row in accounts.values("district", "grade").annotate(n=Count("id")):
        if row["district"] not in counts:
            counts[row["district"]] = dict.fromkeys(GRADES, 0)
        by_grade = counts[row["district"]]
        by_grade[row["grade"] if row["grade"] in by_grade else ""] += row["n"]
    located = accounts.filter(latitude__isnull=False, longitude__isnull=False)
    keys = list(located.order_by("customer_id").values_list("pk", flat=True))
    chosen = even_sample(keys, limit)
    rows = located.filter(pk__in=chosen) if len(chosen) < len(keys) else located
    points = [
        MapPoint(cid, name, grade, district, float(lon), float(lat))
        for cid, name, grade, district, lat, lon in rows.order_by("customer_id").values_list(
            "customer_id", "name", "grade", "district", "latitude", "longitude"
        )
        if lat is not None and lon is not None
    ]
    return AccountMap(
        points=points,
        matching=sum(sum(c.values()) for c in counts.values()),
        located=len(keys),
        districts=[DistrictCount(d, c) for d, c in sorted(counts.items())],
    )


def even_sample(points: Sequence[T], limit: int) -> list[T]:
    """At most ``limit`` of ``points``, evenly spread over their order (all of them if they fit)."""
    if len(points) <= limit:
        return list(points)
    picks = np.linspace(0, len(points) - 1, num=limit).round().astype(int)
    return [points[i] for i in np.unique(picks)]


def points_of(customer_ids: Iterable[str]) -> dict[str, MapPoint]:
    """The accounts among ``customer_ids`` that have coordinates, by customer id (the caller has
    already kept the ids the user may see)."""
    rows = (
        Account.objects.filter(customer_id__in=list(customer_ids), latitude__isnull=False, longitude__isnull=False)
        .order_by()
        .values_list("customer_id", "name", "grade", "district", "latitude", "longitude")
    )
    return {
        cid: MapPoint(cid, name, grade, district, float(lon), float(lat))
        for cid, name, grade, district, lat, lon in rows
        if lat is not None and lon is not None
    }
