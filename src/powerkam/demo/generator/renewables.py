"""Renewable-energy key accounts of the demo province (docs/renewables.md): generation and green power.

Three kinds of account, as the marketing department meets them:

- **PV on factory roofs** — 10 kV manufacturers with distributed PV (自发自用余电上网 or 全额自发自用),
  sized to a part of their consumption and within the general C&I limit (6,000 kW); some built during
  the billing window (own generation grows: the retention signal), some using too little of it
  on site (self-consumption below the provincial minimum).
- **A wind-powered industrial park** — the largest 35 kV (else 110 kV) industrial customer with its own
  wind farm (surplus exported) and rooftop PV it uses whole (large C&I PV: self-use only).
- **Data centres buying green power and certificates** — green power contracts twice a year and
  certificate purchases; a few PV factories buy certificates too.

Monthly generation follows an East-China yield (about 1,100 kWh per kW of PV and 2,200 of wind a year);
consumption is estimated from the customer's average load, the way the bills draw it. Deterministic by
the generator's random stream.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from powerkam.analytics.store import SCHEMAS
from powerkam.demo.generator import catalog as cat
from powerkam.demo.generator.bills import Periods
from powerkam.demo.generator.customers import Population

#: Share of a year's yield in each calendar month (January first).
PV_MONTHS = np.array([0.060, 0.062, 0.078, 0.092, 0.103, 0.095, 0.112, 0.110, 0.090, 0.080, 0.063, 0.055])
WIND_MONTHS = np.array([0.100, 0.095, 0.105, 0.095, 0.080, 0.065, 0.060, 0.065, 0.070, 0.080, 0.090, 0.095])
PV_KWH_PER_KW_YEAR = 1100.0
WIND_KWH_PER_KW_YEAR = 2200.0
#: Share of the 10 kV factories with PV on their roofs.
PV_FACTORY_SHARE = 0.15
#: At most this many data centres buy green power (the largest first).
MAX_GREEN_DATA_CENTRES = 8
#: Consumption-responsibility weights the demo province loads (total, non-hydro) for 2024; +1.2 points a year.
WEIGHT_2024 = (0.175, 0.145)
WEIGHT_STEP = 0.012

_FACTORY_SEGMENTS = ("manufacturing", "two_shift", "chemicals", "cement")


@dataclass
class Renewables:
    generation: pa.Table
    green: pa.Table
    #: who is which kind (customer index), for the tests and the manifest
    pv_factories: list[int]
    wind_park: int | None
    data_centres: list[int]


def demo_weights(years: list[int]) -> list[tuple[int, float, float]]:
    """(year, total weight, non-hydro weight) the demo province loads for each year of its billing."""
    return [
        (y, round(WEIGHT_2024[0] + WEIGHT_STEP * (y - 2024), 4), round(WEIGHT_2024[1] + WEIGHT_STEP * (y - 2024), 4))
        for y in years
    ]


def _segment_index(key: str) -> int:
    return [s.key for s in cat.SEGMENTS].index(key)


def build_renewables(*, population: Population, periods: Periods, rng: np.random.Generator) -> Renewables:
    p = population
    n_months = periods.count
    active = p.hv & (p.idle_from >= n_months)
    segment_keys = np.array([s.key for s in cat.SEGMENTS])[p.segment]
    hours = periods.days * 24.0
    month_of_year = periods.month_of_year
    # Expected kWh a month (average load × hours); the bills add season and noise around it.
    consumption = p.base_kw[:, None] * hours[None, :]

    gen_rows: dict[str, list] = {name: [] for name in SCHEMAS["generation"].names}

    def add(
        i: int, tech: str, kw: float, mode: str, start: int, ratio: np.ndarray | float, expand_from: int | None = None
    ) -> None:
        """Monthly rows from ``start``; from ``expand_from`` on the plant is 60 % larger (an extension)."""
        shares = PV_MONTHS if tech == "pv" else WIND_MONTHS
        per_year = PV_KWH_PER_KW_YEAR if tech == "pv" else WIND_KWH_PER_KW_YEAR
        noise = rng.normal(1.0, 0.08, n_months).clip(0.7, 1.3)
        for m in range(start, n_months):
            size = kw * 1.6 if expand_from is not None and m >= expand_from else kw
            size = float(min(size, 6000.0)) if tech == "pv" and p.voltage[i] <= 10 else size
            generated = round(size * per_year * shares[month_of_year[m]] * noise[m])
            r = ratio if isinstance(ratio, float) else float(ratio[m])
            own = generated if mode == "self_use" else min(round(generated * r), round(consumption[i, m]))
            gen_rows["customer_id"].append(p.ids[i].as_py())
            gen_rows["period"].append(periods.labels[m])
            gen_rows["technology"].append(tech)
            gen_rows["installed_kw"].append(float(size))
            gen_rows["mode"].append(mode)
            gen_rows["generated_kwh"].append(float(generated))
            gen_rows["self_consumed_kwh"].append(float(own))
            gen_rows["exported_kwh"].append(float(generated - own))

    # --- PV on factory roofs (10 kV: general C&I, ≤ 6,000 kW, self-use or surplus) ----------------
    factories = np.flatnonzero(active & (p.voltage == 10.0) & np.isin(segment_keys, _FACTORY_SEGMENTS))
    chosen = factories[rng.random(len(factories)) < PV_FACTORY_SHARE]
    if len(chosen) < 2 and len(factories):
        chosen = np.union1d(chosen, factories[np.argsort(-p.base_kw[factories])[:2]])
    pv_factories = [int(i) for i in chosen]
    for k, i in enumerate(pv_factories):
        annual = p.base_kw[i] * 8760
        kw = annual * rng.uniform(0.08, 0.30) / PV_KWH_PER_KW_YEAR
        kw = float(np.clip(round(kw / 10) * 10, 100, min(6000.0, 0.8 * p.capacity[i])))
        # The first plant was built during the window (about 16 months ago on a long window), the second
        # exports most of what it makes (below the self-consumption minimum), the third was extended ten
        # months ago (its generation grows: the retention signal); the rest at random.
        new = k == 0 or (k > 2 and rng.random() < 0.3)
        start = 0
        if k == 0:
            start = max(1, n_months - 16)
        elif new:
            start = int(rng.integers(1, max(2, n_months - 2)))
        expand = n_months - 10 if (k == 2 or (k > 2 and rng.random() < 0.15)) and n_months > 12 else None
        if k > 2 and rng.random() < 0.25:
            add(i, "pv", kw, "self_use", start, 1.0, expand)
            continue
        low = k == 1 or (k > 1 and rng.random() < 0.12)
        level = rng.uniform(0.32, 0.47) if low else rng.uniform(0.58, 0.92)
        ratio = (level + rng.normal(0, 0.04, n_months)).clip(0.2, 1.0)
        add(i, "pv", kw, "surplus", start, ratio, expand)

    # --- a wind-powered industrial park (35 kV, else 110 kV) ----------------------------------------
    wind_park: int | None = None
    for kv in (35.0, 110.0):
        candidates = np.flatnonzero(active & (p.voltage == kv) & ~np.isin(np.arange(p.size), pv_factories))
        industrial = candidates[np.isin(segment_keys[candidates], (*_FACTORY_SEGMENTS, "steel"))]
        pool = industrial if len(industrial) else candidates
        if len(pool):
            wind_park = int(pool[np.argmax(p.base_kw[pool])])
            break
    if wind_park is not None:
        annual = p.base_kw[wind_park] * 8760
        wind_kw = float(round(annual * rng.uniform(0.25, 0.40) / WIND_KWH_PER_KW_YEAR / 100) * 100)
        add(wind_park, "wind", max(wind_kw, 2000.0), "surplus", 0, (0.80 + rng.normal(0, 0.03, n_months)).clip(0, 1))
        pv_limit = 20000.0 if p.voltage[wind_park] == 35.0 else 50000.0
        pv_kw = float(np.clip(round(annual * 0.05 / PV_KWH_PER_KW_YEAR / 10) * 10, 500, pv_limit))
        add(wind_park, "pv", pv_kw, "self_use", 0, 1.0)

    # --- data centres buying green power and certificates -----------------------------------------
    taken = set(pv_factories) | ({wind_park} if wind_park is not None else set())
    centres = np.flatnonzero(active & (p.segment == _segment_index("data_centre")))
    order = centres[np.argsort(-p.base_kw[centres])]
    dcs = [int(i) for i in order if int(i) not in taken][:MAX_GREEN_DATA_CENTRES]
    if not dcs:
        others = [int(i) for i in np.flatnonzero(active) if int(i) not in taken]
        dcs = sorted(others, key=lambda i: -p.base_kw[i])[:1]
    buyers: list[tuple[int, float, float]] = [(i, rng.uniform(0.12, 0.35), rng.uniform(0.0, 0.10)) for i in dcs]
    # a few PV factories top their share up with certificates
    buyers += [(i, 0.0, rng.uniform(0.03, 0.08)) for i in pv_factories if rng.random() < 0.3]

    green_rows: dict[str, list] = {name: [] for name in SCHEMAS["green"].names}
    labels = periods.labels
    years = sorted({int(label[:4]) for label in labels})
    last = dt.date.fromisoformat(labels[-1] + "-01")
    for i, power_share, cert_share in sorted(buyers):
        cid = p.ids[i].as_py()
        for year in years:
            months = [m for m, label in enumerate(labels) if label.startswith(f"{year}-")]
            expected = float(consumption[i, months].sum()) * 12 / len(months)
            trades: list[tuple[dt.date, str, float, int]] = []
            if power_share > 0:
                for month in (1, 7):
                    trades.append((dt.date(year, month, 15), "power", round(expected * power_share / 2, -3), 0))
            if cert_share > 0:
                trades.append((dt.date(year, 6, 28), "certificate", 0.0, int(expected * cert_share / 1000) or 1))
            for k, (day, kind, kwh, certs) in enumerate(trades, start=1):
                if day > last or day < dt.date.fromisoformat(labels[0] + "-01"):
                    continue
                prefix = "GP" if kind == "power" else "GC"
                green_rows["record_id"].append(f"{prefix}-{year}-{cid}-{k}")
                green_rows["customer_id"].append(cid)
                green_rows["type"].append(kind)
                green_rows["traded_on"].append(day)
                green_rows["kwh"].append(kwh if kind == "power" else None)
                green_rows["energy_price_yuan_per_kwh"].append(
                    round(rng.uniform(0.36, 0.42), 4) if kind == "power" else None
                )
                green_rows["premium_yuan_per_kwh"].append(
                    round(rng.uniform(0.02, 0.06), 4) if kind == "power" else None
                )
                green_rows["certificates"].append(certs if kind == "certificate" else None)
                green_rows["certificate_price_yuan"].append(
                    round(rng.uniform(1.5, 4.5), 2) if kind == "certificate" else None
                )

    return Renewables(
        generation=pa.table(gen_rows, schema=SCHEMAS["generation"]),
        green=pa.table(green_rows, schema=SCHEMAS["green"]),
        pv_factories=pv_factories,
        wind_park=wind_park,
        data_centres=dcs,
    )
