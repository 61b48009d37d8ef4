"""Supply topology (substations, feeders, customers' supply) and the outage history.

- 10 kV feeders hang off 110 kV (city) and 35 kV (county) substations; every district has at
  least two substations so that important users get two feeders from different substations.
- Customers at 35 kV and above have their own lines (专线) from a 110 kV or 220 kV substation.
- Outages: planned maintenance by day on working days, unplanned faults (more in the summer
  thunderstorm season and on rural overhead lines), over the last 15 months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from powerkam.demo.generator import catalog as cat
from powerkam.demo.generator import shapes
from powerkam.demo.generator.customers import Population

#: 10 kV customers per feeder and households per feeder, for sizing the network.
_HV_PER_FEEDER = 10
_LV_PER_FEEDER = 1500
_FEEDERS_PER_SUBSTATION = 14
_STATION_WORDS = (
    "东",
    "西",
    "南",
    "北",
    "中",
    "新城",
    "开发",
    "工业园",
    "湖滨",
    "港口",
    "兴隆",
    "长青",
    "金桥",
    "望江",
)


@dataclass
class Grid:
    substation_ids: list[str] = field(default_factory=list)
    substation_names: list[str] = field(default_factory=list)
    substation_district: list[int] = field(default_factory=list)
    feeder_ids: list[str] = field(default_factory=list)
    feeder_names: list[str] = field(default_factory=list)
    feeder_substation: list[int] = field(default_factory=list)
    feeder_voltage: list[float] = field(default_factory=list)
    feeder_rated_kva: np.ndarray = field(default_factory=lambda: np.zeros(0))
    feeder_peak_kw: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def add_substation(self, district: int, level: int, serial: int) -> int:
        d = cat.DISTRICTS[district]
        word = _STATION_WORDS[serial % len(_STATION_WORDS)]
        suffix = "" if serial < len(_STATION_WORDS) else str(serial // len(_STATION_WORDS) + 1)
        self.substation_ids.append(f"S{d.code}{len(self.substation_ids):04d}")
        self.substation_names.append(f"{level}kV{d.short}{word}{suffix}变电站")
        self.substation_district.append(district)
        return len(self.substation_ids) - 1

    def add_feeder(self, substation: int, voltage: float, number: int, name: str | None = None) -> int:
        sub_name = self.substation_names[substation]
        short = sub_name.split("kV", 1)[1].removesuffix("变电站")
        self.feeder_ids.append(f"F{len(self.feeder_ids) + 1:05d}")
        label = name or f"{short}{number}线"
        self.feeder_names.append(f"{voltage:g}kV{label}")
        self.feeder_substation.append(substation)
        self.feeder_voltage.append(voltage)
        return len(self.feeder_ids) - 1

    def table(self) -> pa.Table:
        subs = np.array(self.feeder_substation, dtype=np.int64)
        return pa.table(
            {
                "feeder_id": pa.array(self.feeder_ids, pa.string()),
                "name": pa.array(self.feeder_names, pa.string()),
                "substation_id": pa.array(self.substation_ids, pa.string()).take(pa.array(subs)),
                "substation_name": pa.array(self.substation_names, pa.string()).take(pa.array(subs)),
                "voltage_kv": pa.array(self.feeder_voltage, pa.float64()),
                "rated_capacity_kva": pa.array(self.feeder_rated_kva, pa.float64()),
                "peak_load_kw": pa.array(np.round(self.feeder_peak_kw), pa.float64()),
            }
        )


def build_grid(*, population: Population, rng: np.random.Generator) -> Grid:
    """Substations and feeders sized to the customers, and every customer's supply feeders."""
    p = population
    grid = Grid()
    n_districts = len(cat.DISTRICTS)
    ten_kv_feeders: list[np.ndarray] = []
    feeder_numbers: dict[int, int] = {}

    def next_number(substation: int, base: int) -> int:
        feeder_numbers[substation] = feeder_numbers.get(substation, 0) + 1
        return base + feeder_numbers[substation]

    # 220 kV hub substations (one per two districts) supply the 110 kV customer lines.
    hubs = [grid.add_substation(d, 220, 0) for d in range(0, n_districts, 2)]
    hub_of = [hubs[min(d // 2, len(hubs) - 1)] for d in range(n_districts)]
    district_substations: list[list[int]] = []
    for d in range(n_districts):
        in_district = p.district == d
        hv10 = int((in_district & (p.voltage == 10.0)).sum())
        lv = int((in_district & ~p.hv).sum())
        n_feeders = max(4, -(-hv10 // _HV_PER_FEEDER) + -(-lv // _LV_PER_FEEDER))
        n_subs = max(2, -(-n_feeders // _FEEDERS_PER_SUBSTATION))
        level = 35 if cat.DISTRICTS[d].county else 110
        subs = [grid.add_substation(d, 110 if k == 0 else level, k + 1) for k in range(n_subs)]
        district_substations.append(subs)
        created = [
            grid.add_feeder(subs[k % n_subs], 10.0, next_number(subs[k % n_subs], 110)) for k in range(n_feeders)
        ]
        ten_kv_feeders.append(np.array(created, dtype=np.int64))

    substation_of = np.array(grid.feeder_substation, dtype=np.int64)

    # 10 kV and low-voltage customers: a feeder of their district; important users a second one
    # from another substation.
    for d in range(n_districts):
        feeders = ten_kv_feeders[d]
        members = np.flatnonzero((p.district == d) & (p.voltage <= 10.0))
        p.feeder_a[members] = feeders[rng.integers(0, len(feeders), len(members))]
        dual = members[(p.important[members] >= 0) | ((p.voltage[members] == 10.0) & (rng.random(len(members)) < 0.08))]
        for i in dual:
            first_sub = substation_of[p.feeder_a[i]]
            others = feeders[substation_of[feeders] != first_sub]
            p.feeder_b[i] = others[rng.integers(0, len(others))]

    # Customers at 35 kV and above: their own lines; important and most large ones have two.
    for i in np.flatnonzero(p.voltage >= 35.0):
        d = int(p.district[i])
        if p.voltage[i] == 35.0:
            first, second = district_substations[d][0], district_substations[d][1]
            if rng.random() < 0.5:
                first, second = second, first
        else:
            first = hub_of[d]
            second = hub_of[(d + 1) % n_districts] if hub_of[(d + 1) % n_districts] != first else hub_of[d - 1]
        line_kv = float(p.voltage[i])
        base = {35.0: 330, 110.0: 150, 220.0: 250}[line_kv]
        two = p.important[i] >= 0 or line_kv >= 110.0 or rng.random() < 0.5
        for slot, sub in enumerate((first, second) if two and second != first else (first,)):
            feeder = grid.add_feeder(sub, line_kv, next_number(sub, base))
            if slot == 0:
                p.feeder_a[i] = feeder
            else:
                p.feeder_b[i] = feeder

    # Peak loads, with diversity; a dual-supply customer normally draws half from each feeder
    # (both in service, bus-tie open), a single-supply one everything from its feeder.
    n_feeders = len(grid.feeder_ids)
    peak_ratio = np.array([shapes.peak_to_average(s) for s in shapes.SHAPES])[p.shape_index()]
    customer_peak = p.base_kw * peak_ratio * 1.1 * np.where(p.hv, 0.8, 0.35)
    dual = p.feeder_b >= 0
    share = np.where(dual, 0.5, 1.0)
    supplied = p.feeder_a >= 0
    peak = np.bincount(p.feeder_a[supplied], weights=(customer_peak * share)[supplied], minlength=n_feeders)
    peak += np.bincount(p.feeder_b[dual], weights=(customer_peak * 0.5)[dual], minlength=n_feeders)
    voltage = np.array(grid.feeder_voltage)
    # Rated capacity: 10 kV feeders are 6–12 MVA cables or overhead lines; customer lines are sized to the customer.
    sizes = np.array([6000.0, 8000.0, 10000.0, 12000.0])
    rated = np.where(voltage == 10.0, rng.choice(sizes, n_feeders, p=[0.15, 0.35, 0.35, 0.15]), 0.0)
    line_capacity = np.zeros(n_feeders)
    for column in (p.feeder_a, p.feeder_b):
        mask = (column >= 0) & (p.voltage >= 35.0)
        np.maximum.at(line_capacity, column[mask], p.capacity[mask] * 1.25)
    rated = np.where(voltage == 10.0, rated, np.ceil(line_capacity / 1000.0) * 1000.0)
    # Crowded feeders got the larger conductors, as a planner would have done — most of the time;
    # the rest are the heavily loaded feeders an upgrade list should find.
    crowded = (voltage == 10.0) & (peak > 0.9 * rated * 0.85) & (rng.random(n_feeders) < 0.7)
    rated[crowded] = sizes[-1]
    grid.feeder_rated_kva = rated
    grid.feeder_peak_kw = peak
    return grid


def build_outages(*, grid: Grid, today: dt.date, rng: np.random.Generator, months: int = 15) -> pa.Table:
    """Planned and unplanned interruptions of the feeders over the last ``months`` months."""
    n_feeders = len(grid.feeder_ids)
    end = np.datetime64(today, "D")
    start = end - np.timedelta64(months * 30 + 5, "D")
    days = int((end - start).astype(int))
    rural = np.array([cat.DISTRICTS[grid.substation_district[s]].county for s in grid.feeder_substation])
    ten_kv = np.array(grid.feeder_voltage) == 10.0
    years = days / 365.0

    planned_rate = np.where(ten_kv, 1.1, 0.4) * years
    fault_rate = np.where(ten_kv, np.where(rural, 2.6, 0.9), 0.15) * years
    n_planned = rng.poisson(planned_rate)
    n_fault = rng.poisson(fault_rate)

    # Planned: a working day (Mon–Fri), starting 07:00–09:00, 4–10 hours.
    feeder_p = np.repeat(np.arange(n_feeders), n_planned)
    day_p = start + rng.integers(0, days, len(feeder_p)).astype("timedelta64[D]")
    weekday = (day_p.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-05 was a Monday
    day_p = day_p + np.where(weekday >= 5, 7 - weekday, 0).astype("timedelta64[D]")
    start_p = day_p.astype("datetime64[m]") + (rng.integers(7, 10, len(feeder_p)) * 60).astype("timedelta64[m]")
    end_p = start_p + (rng.choice([4, 5, 6, 8, 10], len(feeder_p)) * 60).astype("timedelta64[m]")

    # Unplanned: any time, more in the thunderstorm season (June–August), 15 minutes to 8 hours.
    feeder_f = np.repeat(np.arange(n_feeders), n_fault)
    month_weight = np.array([0.6, 0.6, 0.8, 0.9, 1.1, 1.6, 2.0, 1.9, 1.2, 0.8, 0.7, 0.7])
    offsets = np.arange(days)
    offset_month = (start + offsets.astype("timedelta64[D]")).astype("datetime64[M]").astype(int) % 12
    weights = month_weight[offset_month]
    day_f = start + rng.choice(offsets, len(feeder_f), p=weights / weights.sum()).astype("timedelta64[D]")
    start_f = day_f.astype("datetime64[m]") + (rng.integers(0, 24 * 12, len(feeder_f)) * 5).astype("timedelta64[m]")
    minutes = np.clip(np.round(rng.lognormal(np.log(90), 0.8, len(feeder_f)) / 5) * 5, 15, 480)
    end_f = start_f + minutes.astype("timedelta64[m]")

    feeders = np.concatenate([feeder_p, feeder_f])
    starts = np.concatenate([start_p, start_f])
    ends = np.concatenate([end_p, end_f])
    planned = np.concatenate([np.ones(len(feeder_p), bool), np.zeros(len(feeder_f), bool)])
    causes_p = np.array(cat.OUTAGE_CAUSES_PLANNED, dtype=object)[
        rng.integers(0, len(cat.OUTAGE_CAUSES_PLANNED), len(feeder_p))
    ]
    causes_f = np.array(cat.OUTAGE_CAUSES_UNPLANNED, dtype=object)[
        rng.integers(0, len(cat.OUTAGE_CAUSES_UNPLANNED), len(feeder_f))
    ]
    causes = np.concatenate([causes_p, causes_f])

    # Only what has already ended is history.
    keep = ends < end.astype("datetime64[m]")
    order = np.lexsort((feeders[keep], starts[keep]))
    feeders, starts, ends = feeders[keep][order], starts[keep][order], ends[keep][order]
    planned, causes = planned[keep][order], causes[keep][order]
    ids = [f"TD{k + 1:06d}" for k in range(len(feeders))]
    return pa.table(
        {
            "outage_id": pa.array(ids, pa.string()),
            "feeder_id": pa.array(grid.feeder_ids, pa.string()).take(pa.array(feeders)),
            "start": pa.array(starts.astype("datetime64[us]")),
            "end": pa.array(ends.astype("datetime64[us]")),
            "planned": pa.array(planned),
            "cause": pa.array(causes, pa.string()),
        }
    )
