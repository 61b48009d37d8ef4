"""The least harmful windows for one outage (docs/rules.md §4).

Suggested window (:func:`suggest_windows`): the start on the 15-minute grid, inside the allowed
dates and hours, with the least ENS weighted by account weight (default 1); ties → earliest.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from powerkam.analytics.outages.model import (
    SLOT,
    SLOT_HOURS,
    SLOT_MINUTES,
    TIE_KWH,
    BadWindowError,
    NoWindowError,
    SupplyPoint,
    check_feeders,
    interrupted_by,
)
from powerkam.analytics.typical import SLOTS_PER_DAY, TYPICAL_DAYS, DayTypes, TypicalLoads, typical_loads
from powerkam.analytics.workcal import WorkCalendar


@dataclass(frozen=True)
class HoursOfDay:
    """Allowed hours each day, e.g. 08:00–18:00; an end at or before the start runs past midnight
    (22:00–06:00: the night that starts on each allowed date)."""

    start_minute: int
    end_minute: int

    @classmethod
    def parse(cls, text: str) -> HoursOfDay:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*", text or "")
        if not match:
            raise BadWindowError(f"Hours {text!r} are not in the form HH:MM-HH:MM.", reason="hours", hours=text)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise BadWindowError(f"Hours {text!r} are not times of day.", reason="hours", hours=text)
        start, end = h1 * 60 + m1, h2 * 60 + m2
        return cls(start, end + 1440 if end <= start else end)

    def __str__(self) -> str:
        end = self.end_minute % 1440 if self.end_minute != 1440 else 1440
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def duration_minutes(hours: float | str) -> int:
    try:
        value = float(hours)
    except (TypeError, ValueError):
        raise BadWindowError(
            f"Duration {hours!r} is not a number of hours.", reason="duration", duration=hours
        ) from None
    minutes = round(value * 60)
    if not math.isfinite(value) or minutes <= 0:
        raise BadWindowError(
            f"The duration must be more than zero hours, not {hours!r}.", reason="duration", duration=hours
        )
    return minutes


def candidate_starts(first: dt.date, last: dt.date, minutes: int, hours: HoursOfDay | None) -> np.ndarray:
    """Starts (in 15-minute slots from ``first`` 00:00) of every window of ``minutes`` that fits
    inside the allowed dates and hours; sorted, each once."""
    if last < first:
        raise BadWindowError(
            f"The period ends ({last}) before it starts ({first}).", reason="dates", first=first, last=last
        )
    days = (last - first).days + 1
    if hours is None:
        intervals = [(0, days * 1440)]
    else:
        intervals = [(d * 1440 + hours.start_minute, d * 1440 + hours.end_minute) for d in range(days)]
    chunks = []
    for lo, hi in intervals:
        k0 = -(-lo // SLOT_MINUTES)
        k1 = (hi - minutes) // SLOT_MINUTES
        if k1 >= k0:
            chunks.append(np.arange(k0, k1 + 1, dtype=np.int64))
    if not chunks:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(chunks))


def day_series(profile: np.ndarray, day_types: np.ndarray) -> np.ndarray:
    """A (2, 96) profile laid out over consecutive days of the given types, slot by slot."""
    return profile[day_types].reshape(-1)


def window_sums(series: np.ndarray, starts: np.ndarray, minutes: int) -> np.ndarray:
    """ENS (kWh) of windows of ``minutes`` starting at each slot of ``starts`` over a kW ``series``.

    Every window is summed in the same order, so windows over identical loads tie exactly.
    """
    full, part = divmod(minutes, SLOT_MINUTES)
    if full:
        windows = sliding_window_view(series, full)[starts]
        total = windows.sum(axis=1) * SLOT_HOURS
    else:
        total = np.zeros(len(starts))
    if part:
        total = total + series[starts + full] * (part / 60)
    return total


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    ens_kwh: float
    weighted_ens_kwh: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "ens_kwh": round(self.ens_kwh, 3),
            "weighted_ens_kwh": round(self.weighted_ens_kwh, 3),
        }


@dataclass(frozen=True)
class Suggestion:
    feeders: tuple[str, ...]
    windows: tuple[Window, ...]
    interrupted: tuple[SupplyPoint, ...]
    #: Interrupted accounts left out of the ranking because their typical load is incomplete.
    unknown: tuple[str, ...]
    candidates: int
    provisional: bool = False


def profile_sum(loads: TypicalLoads, points: Sequence[SupplyPoint]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(Σ kW, Σ weight × kW) over the points with a complete typical load, and the others' ids."""
    plain = np.zeros((2, SLOTS_PER_DAY))
    weighted = np.zeros((2, SLOTS_PER_DAY))
    unknown = []
    rows, weights = [], []
    for p in points:
        i = loads.row(p.customer_id)
        if i is None or np.isnan(loads.kw[i]).any():
            unknown.append(p.customer_id)
        else:
            rows.append(i)
            weights.append(p.weight)
    if rows:
        block = loads.kw[np.array(rows)]
        plain = block.sum(axis=0)
        weighted = np.tensordot(np.array(weights), block, axes=1)
    return plain, weighted, unknown


def suggest_windows(
    *,
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    feeders: str | Iterable[str],
    duration_hours: float | str,
    first: dt.date,
    last: dt.date,
    calendar: WorkCalendar,
    hours: HoursOfDay | str | None = None,
    loads: TypicalLoads | None = None,
    store_dir: Path | None = None,
    typical_days: int = TYPICAL_DAYS,
    limit: int = 5,
) -> Suggestion:
    """The ``limit`` least harmful windows (least weighted ENS, earliest on ties), best first."""
    out = check_feeders(feeders, known_feeders)
    minutes = duration_minutes(duration_hours)
    allowed = HoursOfDay.parse(hours) if isinstance(hours, str) else hours
    starts = candidate_starts(first, last, minutes, allowed)
    if len(starts) == 0:
        where = f" between {allowed}" if allowed else ""
        raise NoWindowError(
            f"A {minutes / 60:g}-hour outage fits nowhere from {first} to {last}{where}.",
            duration_hours=minutes / 60,
            first=first,
            last=last,
            hours=str(allowed) if allowed else "",
        )
    hit = interrupted_by(points, out)
    if loads is None:
        if store_dir is None:
            raise ValueError("suggest_windows needs loads or store_dir")
        loads = typical_loads(store_dir, [p.customer_id for p in hit], calendar, days=typical_days)
    plain, weighted, unknown = profile_sum(loads, hit)
    span_days = int((starts[-1] * SLOT_MINUTES + minutes) // 1440) + 1
    types = DayTypes(calendar)
    day_types = types.span(first, span_days)
    ens = window_sums(day_series(plain, day_types), starts, minutes)
    wens = window_sums(day_series(weighted, day_types), starts, minutes)
    order = np.lexsort((starts, np.round(wens / TIE_KWH)))[: max(limit, 0)]
    origin = dt.datetime.combine(first, dt.time())
    windows = tuple(
        Window(
            start=origin + SLOT * int(starts[i]),
            end=origin + SLOT * int(starts[i]) + dt.timedelta(minutes=minutes),
            ens_kwh=float(ens[i]),
            weighted_ens_kwh=float(wens[i]),
        )
        for i in order
    )
    return Suggestion(
        feeders=out,
        windows=windows,
        interrupted=tuple(hit),
        unknown=tuple(unknown),
        candidates=len(starts),
        provisional=types.provisional or loads.provisional,
    )
