"""Load shapes: how a kind of customer draws power over a day, a week and a year.

A daily shape is 96 quarter-hour values (relative kW) for a working day and for a rest day;
a seasonal profile is 12 monthly factors on the average load. Both are shared by the billing
(monthly kWh, TOU split, maximum demand) and the 15-minute loads, so the two agree.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from powerkam.demo.generator.catalog import CRITICAL_HOURS, TOU_HOURS

SLOTS_PER_DAY = 96

# Hourly relative load (hour 0 … 23): working day, rest day.
_HOURLY: dict[str, tuple[str, str]] = {
    # Continuous process industry: flat, small dips at the shift changes.
    "three_shift": (
        "1.0 0.98 0.99 1.0 1.0 1.0 1.0 0.97 0.95 1.0 1.0 1.0 0.98 1.0 1.0 1.0 0.96 0.97 1.0 1.0 1.0 1.0 1.0 1.0",
        "0.97 0.96 0.97 0.97 0.97 0.97 0.97 0.95 0.94 0.96 0.96 0.96 0.95 0.96 0.96 0.96 0.94 0.95 0.96 0.96 0.97 0.97 0.97 0.97",
    ),
    # Wafer fab: clean rooms never stop; a touch of afternoon cooling.
    "fab": (
        "0.96 0.95 0.95 0.95 0.95 0.95 0.96 0.97 0.98 0.99 1.0 1.0 1.0 1.01 1.02 1.02 1.01 1.0 0.99 0.98 0.98 0.97 0.97 0.96",
        "0.96 0.95 0.95 0.95 0.95 0.95 0.96 0.96 0.97 0.98 0.99 0.99 0.99 1.0 1.0 1.0 1.0 0.99 0.98 0.98 0.97 0.97 0.96 0.96",
    ),
    # One day shift (8:00–17:30) with a lunch dip; low base load at night.
    "day_shift": (
        "0.22 0.21 0.21 0.21 0.21 0.22 0.28 0.55 0.92 1.0 1.0 0.98 0.72 0.95 1.0 1.0 0.97 0.80 0.50 0.38 0.32 0.27 0.24 0.23",
        "0.20 0.20 0.20 0.20 0.20 0.20 0.22 0.30 0.42 0.45 0.45 0.44 0.36 0.42 0.43 0.42 0.38 0.30 0.25 0.23 0.22 0.21 0.21 0.20",
    ),
    # Two shifts (8:00–24:00).
    "two_shift": (
        "0.45 0.30 0.28 0.28 0.28 0.30 0.40 0.75 0.98 1.0 1.0 0.98 0.85 0.97 1.0 1.0 0.95 0.90 0.92 0.96 0.96 0.95 0.93 0.80",
        "0.35 0.28 0.27 0.27 0.27 0.28 0.33 0.50 0.65 0.68 0.68 0.66 0.58 0.65 0.66 0.65 0.62 0.58 0.58 0.60 0.60 0.58 0.55 0.45",
    ),
    # Data centre and telecom hub: flat and high.
    "data_centre": (
        "0.97 0.96 0.96 0.96 0.96 0.96 0.97 0.98 0.99 1.0 1.01 1.02 1.02 1.03 1.03 1.03 1.02 1.01 1.0 1.0 0.99 0.99 0.98 0.97",
        "0.97 0.96 0.96 0.96 0.96 0.96 0.96 0.97 0.98 0.99 1.0 1.01 1.01 1.02 1.02 1.02 1.01 1.0 1.0 0.99 0.99 0.98 0.98 0.97",
    ),
    # Hospital: wards around the clock, clinics and theatres in the day.
    "hospital": (
        "0.55 0.52 0.50 0.50 0.50 0.52 0.60 0.78 0.95 1.0 1.0 0.98 0.88 0.92 0.96 0.95 0.90 0.82 0.76 0.72 0.68 0.64 0.60 0.57",
        "0.53 0.51 0.50 0.50 0.50 0.51 0.56 0.65 0.74 0.78 0.78 0.76 0.72 0.74 0.75 0.74 0.72 0.70 0.68 0.66 0.63 0.60 0.57 0.55",
    ),
    # Shopping mall: open 10:00–22:00.
    "mall": (
        "0.22 0.20 0.20 0.20 0.20 0.20 0.22 0.28 0.45 0.75 0.92 0.95 0.96 0.97 0.97 0.96 0.96 0.97 1.0 1.0 0.98 0.92 0.55 0.28",
        "0.22 0.20 0.20 0.20 0.20 0.20 0.22 0.30 0.50 0.82 1.0 1.03 1.05 1.06 1.06 1.05 1.05 1.06 1.08 1.08 1.06 0.98 0.58 0.30",
    ),
    # Office building, government: 8:30–18:00 on working days.
    "office": (
        "0.18 0.17 0.17 0.17 0.17 0.18 0.22 0.45 0.85 1.0 1.0 0.98 0.85 0.95 1.0 0.98 0.95 0.80 0.50 0.35 0.30 0.25 0.21 0.19",
        "0.17 0.17 0.17 0.17 0.17 0.17 0.18 0.22 0.28 0.30 0.30 0.30 0.28 0.28 0.28 0.28 0.27 0.25 0.23 0.21 0.20 0.19 0.18 0.17",
    ),
    # Hotel: evening peak, busier at weekends.
    "hotel": (
        "0.55 0.50 0.48 0.47 0.47 0.50 0.62 0.78 0.80 0.75 0.72 0.75 0.80 0.74 0.70 0.70 0.74 0.85 0.95 1.0 0.98 0.90 0.78 0.64",
        "0.58 0.53 0.50 0.49 0.49 0.51 0.60 0.75 0.85 0.82 0.80 0.82 0.86 0.80 0.76 0.76 0.80 0.90 1.0 1.05 1.03 0.95 0.83 0.68",
    ),
    # University campus: teaching day plus evening study.
    "campus": (
        "0.30 0.27 0.26 0.26 0.26 0.27 0.38 0.62 0.90 1.0 1.0 0.95 0.78 0.88 0.98 0.98 0.92 0.80 0.82 0.90 0.88 0.75 0.50 0.36",
        "0.30 0.27 0.26 0.26 0.26 0.27 0.33 0.45 0.60 0.66 0.66 0.63 0.56 0.60 0.62 0.62 0.60 0.58 0.62 0.68 0.66 0.58 0.42 0.33",
    ),
    # Stadium, theatre, exhibition centre: evening events.
    "venue": (
        "0.20 0.19 0.19 0.19 0.19 0.19 0.21 0.30 0.50 0.60 0.62 0.62 0.55 0.60 0.62 0.60 0.62 0.75 0.95 1.0 0.98 0.70 0.35 0.22",
        "0.20 0.19 0.19 0.19 0.19 0.19 0.22 0.35 0.65 0.80 0.85 0.85 0.80 0.85 0.88 0.85 0.85 0.90 1.05 1.10 1.05 0.75 0.38 0.23",
    ),
    # Water works: pumps run harder at the morning and evening draw, and fill reservoirs at night.
    "water": (
        "0.92 0.92 0.90 0.88 0.88 0.92 1.0 1.05 1.04 0.98 0.95 0.96 0.95 0.92 0.92 0.93 0.96 1.0 1.04 1.04 1.02 0.98 0.95 0.93",
        "0.92 0.92 0.90 0.88 0.88 0.90 0.96 1.02 1.05 1.02 0.98 0.98 0.96 0.93 0.92 0.93 0.95 0.99 1.03 1.04 1.02 0.98 0.95 0.93",
    ),
    # Metro traction: no trains 23:30–5:30, rush hours.
    "traction": (
        "0.15 0.08 0.08 0.08 0.08 0.30 0.75 1.0 1.0 0.80 0.68 0.66 0.66 0.66 0.66 0.70 0.85 1.0 1.0 0.82 0.72 0.66 0.55 0.32",
        "0.14 0.08 0.08 0.08 0.08 0.25 0.50 0.62 0.70 0.74 0.76 0.76 0.76 0.76 0.76 0.76 0.78 0.80 0.80 0.76 0.70 0.64 0.52 0.30",
    ),
    # Cold store / logistics hub: compressors, loading by day, pre-cooling on cheap night power.
    "cold_store": (
        "0.92 0.95 0.95 0.95 0.95 0.92 0.82 0.78 0.85 0.90 0.88 0.85 0.85 0.86 0.88 0.88 0.86 0.82 0.78 0.78 0.80 0.82 0.88 0.92",
        "0.92 0.95 0.95 0.95 0.95 0.92 0.82 0.76 0.80 0.82 0.82 0.80 0.80 0.80 0.82 0.82 0.80 0.78 0.76 0.76 0.78 0.82 0.88 0.92",
    ),
    # Irrigation pumping station: daytime pumping, some at night on valley prices.
    "irrigation": (
        "0.35 0.35 0.35 0.35 0.35 0.40 0.70 0.95 1.0 1.0 1.0 0.92 0.85 0.95 1.0 1.0 0.95 0.80 0.50 0.40 0.38 0.36 0.35 0.35",
        "0.35 0.35 0.35 0.35 0.35 0.40 0.65 0.90 0.95 0.95 0.95 0.90 0.82 0.90 0.95 0.95 0.90 0.75 0.48 0.40 0.38 0.36 0.35 0.35",
    ),
    # Households: morning and a big evening peak.
    "residential": (
        "0.35 0.30 0.28 0.27 0.27 0.30 0.52 0.70 0.55 0.45 0.42 0.50 0.58 0.48 0.42 0.42 0.48 0.68 0.90 1.0 1.0 0.92 0.70 0.48",
        "0.38 0.32 0.29 0.28 0.28 0.30 0.40 0.60 0.68 0.65 0.62 0.66 0.70 0.62 0.58 0.58 0.62 0.75 0.95 1.0 1.0 0.92 0.72 0.50",
    ),
    "shop": (
        "0.20 0.18 0.18 0.18 0.18 0.18 0.22 0.45 0.75 0.92 0.95 0.95 0.95 0.95 0.95 0.95 0.96 0.98 1.0 0.98 0.90 0.60 0.30 0.22",
        "0.20 0.18 0.18 0.18 0.18 0.18 0.22 0.48 0.80 0.98 1.0 1.0 1.0 1.0 1.0 1.0 1.0 1.02 1.04 1.0 0.92 0.62 0.30 0.22",
    ),
    "restaurant": (
        "0.15 0.12 0.12 0.12 0.12 0.15 0.30 0.45 0.40 0.45 0.70 1.0 1.0 0.70 0.45 0.45 0.60 0.90 1.0 1.0 0.85 0.55 0.30 0.18",
        "0.15 0.12 0.12 0.12 0.12 0.15 0.30 0.48 0.45 0.50 0.78 1.05 1.05 0.75 0.50 0.50 0.65 0.95 1.05 1.05 0.90 0.58 0.32 0.18",
    ),
}

SHAPES: tuple[str, ...] = tuple(_HOURLY)

# Monthly factors on the average load (Jan … Dec).
_SEASONS: dict[str, tuple[float, ...]] = {
    # Spring Festival in Jan/Feb; otherwise flat.
    "industry_flat": (0.97, 0.88, 1.0, 1.01, 1.01, 1.0, 1.0, 1.0, 1.01, 1.0, 1.01, 1.01),
    "manufacturing": (0.92, 0.72, 1.0, 1.03, 1.04, 1.04, 1.02, 1.02, 1.05, 0.98, 1.06, 1.08),
    # Off-peak production (错峰生产) stops clinker kilns in the winter months.
    "cement": (0.55, 0.45, 0.95, 1.12, 1.15, 1.10, 1.02, 1.02, 1.12, 1.15, 1.10, 0.85),
    "data_centre": (0.96, 0.95, 0.96, 0.98, 1.0, 1.04, 1.08, 1.09, 1.03, 0.99, 0.96, 0.96),
    # Air conditioning in summer, heating in winter.
    "hvac": (1.12, 0.98, 0.88, 0.85, 0.92, 1.05, 1.30, 1.32, 1.08, 0.90, 0.92, 1.08),
    "residential": (1.25, 1.15, 0.88, 0.78, 0.82, 0.98, 1.40, 1.42, 1.02, 0.80, 0.82, 1.08),
    "campus": (0.85, 0.45, 1.05, 1.08, 1.10, 1.15, 0.75, 0.55, 1.12, 1.08, 1.05, 1.02),
    "water": (0.94, 0.92, 0.95, 0.98, 1.02, 1.06, 1.12, 1.12, 1.05, 1.0, 0.96, 0.95),
    "irrigation": (0.25, 0.25, 0.55, 0.95, 1.45, 1.70, 1.95, 1.85, 1.25, 0.75, 0.35, 0.25),
    "flat": (1.0,) * 12,
}

SEASONS: tuple[str, ...] = tuple(_SEASONS)


@cache
def daily_shape(shape: str) -> np.ndarray:
    """(2, 96) relative kW: row 0 a working day, row 1 a rest day; the working day's mean is 1."""
    working, rest = _HOURLY[shape]
    hour_middles = np.arange(24, dtype=float) + 0.5
    slot_middles = (np.arange(SLOTS_PER_DAY) + 0.5) / 4.0
    out = np.empty((2, SLOTS_PER_DAY))
    for row, values in enumerate((working, rest)):
        # Values are the load in the middle of each hour, interpolated around the clock.
        hourly = np.array(values.split(), dtype=float)
        out[row] = np.interp(slot_middles, hour_middles, hourly, period=24)
    out /= out[0].mean()
    out.setflags(write=False)
    return out


@cache
def season_factors(season: str) -> np.ndarray:
    values = np.array(_SEASONS[season], dtype=float)
    values = values / values.mean()
    values.setflags(write=False)
    return values


@cache
def tou_slot_periods(critical: bool) -> np.ndarray:
    """Index of the TOU period of each quarter-hour slot: 0 peak, 1 flat, 2 valley, 3 critical."""
    index = {"peak": 0, "flat": 1, "valley": 2}
    by_hour = np.array([index[p] for p in TOU_HOURS])
    if critical:
        by_hour[list(CRITICAL_HOURS)] = 3
    out = np.repeat(by_hour, 4)
    out.setflags(write=False)
    return out


@cache
def tou_shares(shape: str, critical: bool, rest_day_share: float = 0.3) -> np.ndarray:
    """Share of a month's energy in (peak, flat, valley, critical) for a shape."""
    day = daily_shape(shape)
    energy = (1 - rest_day_share) * day[0] + rest_day_share * day[1]
    periods = tou_slot_periods(critical)
    shares = np.bincount(periods, weights=energy, minlength=4)
    shares = shares / shares.sum()
    shares.setflags(write=False)
    return shares


@cache
def peak_to_average(shape: str) -> float:
    """Maximum quarter-hour over mean load of a typical month of this shape."""
    day = daily_shape(shape)
    mean = 0.7 * day[0].mean() + 0.3 * day[1].mean()
    return float(day.max() / mean)
