"""Energy not supplied by one outage window (docs/rules.md §4).

ENS of a window = Σ over interrupted customers Σ over its 15-minute slots of typical kW × 0.25 h
(:func:`outage_impact`). Each slot takes the profile of its own day's type. A window whose ends
are not on the 15-minute grid counts the part of a slot it covers (kW × covered hours), which is
the same sum for a window on the grid. An interrupted account without interval data is never
counted as zero: its ENS is ``None`` and its id is listed in ``unknown``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from powerkam.analytics.outages.model import (
    SLOT,
    SLOT_MINUTES,
    BadWindowError,
    SupplyPoint,
    check_feeders,
    interrupted_by,
    riding_through,
)
from powerkam.analytics.typical import SLOTS_PER_DAY, TYPICAL_DAYS, DayTypes, TypicalLoads, typical_loads
from powerkam.analytics.workcal import WorkCalendar


def _window_slots(start: dt.datetime, end: dt.datetime, types: DayTypes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day type, slot of day, covered hours) of every 15-minute slot that ``[start, end)`` touches."""
    origin = dt.datetime.combine(start.date(), dt.time())
    first = int((start - origin) // SLOT)
    last = math.ceil((end - origin) / SLOT)
    index = np.arange(first, last)
    slot_start = [origin + SLOT * int(i) for i in index]
    covered = np.array(
        [(min(end, s + SLOT) - max(start, s)).total_seconds() / 3600 for s in slot_start], dtype=np.float64
    )
    day_types = np.array([types.of(s.date()) for s in slot_start], dtype=np.int64)
    return day_types, index % SLOTS_PER_DAY, covered


def window_ens(
    loads: TypicalLoads, customer_ids: Sequence[str], start: dt.datetime, end: dt.datetime, calendar: WorkCalendar
) -> dict[str, float | None]:
    """ENS (kWh) of each customer over ``[start, end)``: Σ typical kW × covered hours per slot.

    ``None`` for a customer without a typical value in some slot of the window (never a silent zero).
    """
    if end <= start:
        raise BadWindowError("The outage must end after it starts.", reason="end_before_start", start=start, end=end)
    types = DayTypes(calendar)
    day_types, slots, covered = _window_slots(start, end, types)
    result: dict[str, float | None] = {}
    for cid in customer_ids:
        profile = loads.profile(cid)
        if profile is None:
            result[cid] = None
            continue
        values = profile[day_types, slots]
        result[cid] = None if np.isnan(values).any() else float(values @ covered)
    return result


@dataclass(frozen=True)
class AccountImpact:
    customer_id: str
    name: str
    feeders: tuple[str, ...]
    weight: float
    #: None: no interval data for the window's slots (ENS unknown).
    ens_kwh: float | None

    @property
    def weighted_ens_kwh(self) -> float | None:
        return None if self.ens_kwh is None else self.ens_kwh * self.weight

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "feeders": list(self.feeders),
            "dual_supply": len(set(self.feeders)) >= 2,
            "weight": self.weight,
            "ens_kwh": None if self.ens_kwh is None else round(self.ens_kwh, 3),
            "weighted_ens_kwh": None if self.ens_kwh is None else round(self.ens_kwh * self.weight, 3),
        }


@dataclass(frozen=True)
class Impact:
    feeders: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    interrupted: tuple[AccountImpact, ...]
    #: Accounts that lose a feeder but stay supplied by another.
    riding_through: tuple[str, ...]
    #: Interrupted accounts whose ENS is unknown (no interval data for the window).
    unknown: tuple[str, ...]
    provisional: bool = False

    @property
    def ens_kwh(self) -> float:
        """Sum over the accounts whose ENS is known (see :attr:`unknown` for the others)."""
        return sum(a.ens_kwh for a in self.interrupted if a.ens_kwh is not None)

    @property
    def weighted_ens_kwh(self) -> float:
        return sum(a.ens_kwh * a.weight for a in self.interrupted if a.ens_kwh is not None)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def outage_impact(
    *,
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    feeders: str | Iterable[str],
    start: dt.datetime,
    end: dt.datetime,
    calendar: WorkCalendar,
    loads: TypicalLoads | None = None,
    store_dir: Path | None = None,
    typical_days: int = TYPICAL_DAYS,
) -> Impact:
    """Who a window with ``feeders`` out interrupts, and the energy each would not get.

    Give either ``loads`` (covering the interrupted accounts) or ``store_dir`` to read them.
    """
    out = check_feeders(feeders, known_feeders)
    if end <= start:
        raise BadWindowError("The outage must end after it starts.", reason="end_before_start", start=start, end=end)
    hit = interrupted_by(points, out)
    if loads is None:
        if store_dir is None:
            raise ValueError("outage_impact needs loads or store_dir")
        loads = typical_loads(store_dir, [p.customer_id for p in hit], calendar, days=typical_days)
    ens = window_ens(loads, [p.customer_id for p in hit], start, end, calendar)
    impacts = tuple(
        AccountImpact(p.customer_id, p.name, p.feeders, p.weight, ens[p.customer_id])
        for p in sorted(hit, key=lambda p: (-(ens[p.customer_id] or 0.0), p.customer_id))
    )
    types = DayTypes(calendar)
    types.of(start.date())
    types.of((end - dt.timedelta(microseconds=1)).date())
    return Impact(
        feeders=out,
        start=start,
        end=end,
        interrupted=impacts,
        riding_through=tuple(p.customer_id for p in riding_through(points, out)),
        unknown=tuple(a.customer_id for a in impacts if a.ens_kwh is None),
        provisional=loads.provisional or types.provisional,
    )


def window_curves(
    loads: TypicalLoads,
    customer_ids: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
    calendar: WorkCalendar,
    *,
    margin: dt.timedelta = dt.timedelta(hours=2),
) -> tuple[list[dt.datetime], dict[str, list[float | None]]]:
    """Typical kW of each customer, slot by slot, from ``margin`` before the window to ``margin`` after
    (each slot on its own day's type) — what the impact view draws."""
    origin = dt.datetime.combine(start.date(), dt.time())
    first = int((start - margin - origin) // SLOT)
    last = math.ceil((end + margin - origin) / SLOT)
    types = DayTypes(calendar)
    times = [origin + SLOT * i for i in range(first, last)]
    day_types = np.array([types.of(t.date()) for t in times], dtype=np.int64)
    slots = np.array([(t.hour * 60 + t.minute) // SLOT_MINUTES for t in times], dtype=np.int64)
    curves: dict[str, list[float | None]] = {}
    for cid in customer_ids:
        profile = loads.profile(cid)
        if profile is None:
            continue
        values = profile[day_types, slots]
        curves[cid] = [None if np.isnan(v) else round(float(v), 2) for v in values]
    return times, curves
