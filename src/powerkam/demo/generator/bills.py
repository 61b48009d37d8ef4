"""Monthly bills, payments and 15-minute loads, generated together chunk by chunk of customers.

They are drawn together so they agree: a customer's 15-minute loads add up to the kWh of its
bills for those months, its maximum demand is the highest quarter-hour of the month, the TOU
split follows its load shape, and the amount follows the tariff (two-part tariff, TOU prices,
residential tiers, power-factor adjustment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import chinese_calendar
import numpy as np
import pyarrow as pa

from powerkam.demo.generator import catalog as cat
from powerkam.demo.generator import shapes
from powerkam.demo.generator.customers import TARIFFS, Population
from powerkam.demo.generator.writers import money_from_fen

_LARGE_INDUSTRIAL = TARIFFS.index("large_industrial")
_COMMERCIAL = TARIFFS.index("general_commercial")
_RESIDENTIAL = TARIFFS.index("residential")
_AGRICULTURAL = TARIFFS.index("agricultural")

# Payment behaviour per payer profile (punctual, occasional, poor, arrears).
_P_LATE = np.array([0.015, 0.15, 0.55, 0.55])
_P_PARTIAL = np.array([0.01, 0.05, 0.25, 0.30])
_DELAY_MEAN_DAYS = np.array([3.0, 8.0, 22.0, 25.0])


#: Months over which an account that stops consuming slides first, and how far.
SLIDE_MONTHS = 5
SLIDE_DEPTH = 0.5


def leading_signals(index: np.ndarray) -> np.ndarray:
    """Whether each customer (by its index in the population) that leaves shows signals first: about
    seven in ten, chosen by a fixed hash so no random stream shifts."""
    return (np.asarray(index, dtype=np.int64) * 2654435761 % 1000) < 700


@dataclass(frozen=True)
class Periods:
    """The billing months: ``first`` … ``first + count - 1`` as numpy months."""

    first: np.datetime64
    count: int

    @classmethod
    def ending_before(cls, today: dt.date, count: int) -> Periods:
        last = np.datetime64(today, "M") - np.timedelta64(1, "M")
        return cls(last - np.timedelta64(count - 1, "M"), count)

    @property
    def months(self) -> np.ndarray:
        return self.first + np.arange(self.count).astype("timedelta64[M]")

    @property
    def labels(self) -> list[str]:
        return [str(m) for m in self.months]

    @property
    def month_of_year(self) -> np.ndarray:
        return self.months.astype(int) % 12

    @property
    def starts(self) -> np.ndarray:
        return self.months.astype("datetime64[D]")

    @property
    def days(self) -> np.ndarray:
        return ((self.months + np.timedelta64(1, "M")).astype("datetime64[D]") - self.starts).astype(int)

    @property
    def due_dates(self) -> np.ndarray:
        """The 15th of the month after the billing month."""
        return (self.months + np.timedelta64(1, "M")).astype("datetime64[D]") + np.timedelta64(14, "D")


def is_rest_day(day: dt.date) -> bool:
    """Official PRC calendar where known (holidays off, adjusted weekend days worked), else weekends."""
    try:
        return not chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() >= 5


@cache
def _price_table() -> np.ndarray:
    """Flat energy price (元/kWh) per (tariff, voltage level index)."""
    levels = _VOLTAGES
    table = np.zeros((len(TARIFFS), len(levels)))
    for t, tariff in enumerate(TARIFFS):
        prices = cat.ENERGY_PRICE[tariff]
        known = sorted(prices)
        for v, level in enumerate(levels):
            below = [k for k in known if k <= level] or known[:1]
            table[t, v] = prices[below[-1]]
    return table


_VOLTAGES = (0.22, 0.4, 10.0, 20.0, 35.0, 66.0, 110.0, 220.0, 330.0, 500.0)


def _voltage_index(voltage: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(_VOLTAGES), voltage)


def power_factor_adjustment(pf: np.ndarray, standard: np.ndarray) -> np.ndarray:
    """Surcharge (+) or rebate (−) in percent under 《功率因数调整电费办法》 (standards 0.90, 0.85, 0.80; 0 = none)."""
    u = np.floor(pf * 100 + 0.5 + 1e-9).astype(int)
    s = np.round(standard * 100).astype(int)
    d = s - u
    below = np.where(d <= 20, 0.5 * d, np.where(d <= 25, 10 + (d - 20), 15 + 2 * (d - 25)))
    e = u - s
    above_90 = -0.15 * np.minimum(e, 5)
    above_85 = np.where(e <= 5, -0.1 * e, -0.5 - 0.15 * (np.minimum(e, 9) - 5))
    above_80 = np.where(e <= 10, -0.1 * e, np.where(e == 11, -1.15, -1.30))
    above = np.where(s == 90, above_90, np.where(s == 85, above_85, above_80))
    pct = np.where(d > 0, below, above)
    return np.where(s > 0, pct, 0.0)


@dataclass
class LoadWindow:
    """The months (indices into the billing periods) that get 15-minute loads."""

    first_month: int  # index of the first month with loads
    days: np.ndarray  # datetime64[D] of every day in the window
    rest_day: np.ndarray  # bool per day
    month_of_day: np.ndarray  # month index (into the billing periods) of every day

    @classmethod
    def last_months(cls, periods: Periods, load_months: int) -> LoadWindow | None:
        if load_months <= 0:
            return None
        load_months = min(load_months, periods.count)
        first = periods.count - load_months
        start = periods.starts[first]
        end = (periods.months[-1] + np.timedelta64(1, "M")).astype("datetime64[D]")
        days = np.arange(start, end, dtype="datetime64[D]")
        rest = np.array([is_rest_day(d.astype(dt.date)) for d in days])
        month_of_day = first + (days.astype("datetime64[M]") - periods.months[first]).astype(int)
        return cls(first, days, rest, month_of_day)


@dataclass
class ChunkResult:
    billing: pa.Table
    payments: pa.Table
    loads: list[pa.Table]


def _nullable(values: np.ndarray, valid: np.ndarray, kind: pa.DataType) -> pa.Array:
    return pa.array(values, kind, mask=~valid)


def bill_chunk(
    *,
    population: Population,
    index: np.ndarray,
    periods: Periods,
    window: LoadWindow | None,
    interval_metered: np.ndarray,
    today: dt.date,
    rng: np.random.Generator,
    load_batch: int = 1000,
) -> ChunkResult:
    """Bills, payments and loads of the customers ``index``; ``interval_metered`` (per customer of
    the chunk) says who gets 15-minute loads."""
    p = population
    c, m_count = len(index), periods.count
    hv = p.hv[index]
    tariff = p.tariff[index]
    capacity = p.capacity[index]
    voltage = p.voltage[index]
    shape_idx = p.shape_index()[index]
    season_idx = p.season_index()[index]
    months = np.arange(m_count)

    # --- energy -------------------------------------------------------------------------------
    season_table = np.stack([shapes.season_factors(s) for s in shapes.SEASONS])
    season = season_table[season_idx][:, periods.month_of_year]
    years_back = (months - (m_count - 1)) / 12.0
    growth = (1.0 + p.growth[index])[:, None] ** years_back[None, :]
    sigma = np.where(hv, 0.05, np.where(tariff == _RESIDENTIAL, 0.15, 0.10))
    noise = rng.lognormal(0.0, 1.0, (c, m_count)) ** sigma[:, None]
    hours = periods.days * 24.0
    energy = p.base_kw[index][:, None] * season * growth * noise * hours[None, :]

    connected_month = p.connected_on[index].astype("datetime64[M]")
    first_month = ((connected_month - periods.first).astype(int)).clip(-1, m_count)
    billed = months[None, :] >= first_month[:, None]
    in_connection_month = months[None, :] == first_month[:, None]
    connected_day = (p.connected_on[index] - connected_month.astype("datetime64[D]")).astype(int)
    month_days = periods.days[np.clip(first_month, 0, m_count - 1)]
    part = np.clip((month_days - connected_day) / month_days, 0.0, 1.0)
    energy = np.where(in_connection_month, energy * part[:, None], energy)
    idle = months[None, :] >= p.idle_from[index][:, None]
    # Most accounts that stop consuming slide first (production moved or cut): the leading signal a
    # real base shows; the others (chosen by their index, so no random draw shifts) stop at once.
    idle_at = p.idle_from[index][:, None]
    sliding = leading_signals(index)[:, None] & (idle_at < m_count)
    slide = np.clip((months[None, :] - (idle_at - SLIDE_MONTHS)) / SLIDE_MONTHS, 0.0, 1.0)
    energy = np.where(sliding & (months[None, :] < idle_at), energy * (1.0 - SLIDE_DEPTH * slide), energy)
    vacant = (~hv[:, None]) & (rng.random((c, m_count)) < 0.01)
    energy = np.where(idle | vacant, 0.0, energy)
    kwh = np.floor(energy + 0.5)

    # --- time of use ------------------------------------------------------------------------------
    tou = (hv & ((tariff == _LARGE_INDUSTRIAL) | (tariff == _COMMERCIAL))) | (tariff == _LARGE_INDUSTRIAL)
    critical_month = np.isin(periods.month_of_year + 1, cat.CRITICAL_MONTHS)
    share_table = np.stack(
        [np.stack([shapes.tou_shares(s, False), shapes.tou_shares(s, True)]) for s in shapes.SHAPES]
    )  # (shape, critical, 4)
    with_critical = (tariff == _LARGE_INDUSTRIAL)[:, None] & critical_month[None, :]
    shares = share_table[shape_idx[:, None], with_critical.astype(int)]  # (c, m, 4)
    shares = shares * rng.lognormal(0.0, 0.06, (c, 1, 4))
    shares = shares / shares.sum(axis=2, keepdims=True)

    # --- reactive energy and maximum demand ---------------------------------------------------------
    pf = np.clip(p.power_factor[index][:, None] + rng.normal(0, 0.012, (c, m_count)), 0.55, 0.995)
    kvarh = np.floor(kwh * np.sqrt(1.0 / pf**2 - 1.0) + 0.5)
    reactive_metered = (tariff != _RESIDENTIAL) & ((capacity >= 100) | hv)
    peak_ratio = np.array([shapes.peak_to_average(s) for s in shapes.SHAPES])[shape_idx]
    max_demand = kwh / hours[None, :] * peak_ratio[:, None] * rng.lognormal(0.0, 0.05, (c, m_count))
    max_demand = np.minimum(max_demand, capacity[:, None] * 0.98)

    # --- 15-minute loads: they set the maximum demand and the TOU split of their months ----------------
    loads: list[pa.Table] = []
    if window is not None:
        window_start = window.days[0]
        has_loads = np.flatnonzero(interval_metered & (p.connected_on[index] < window_start))
        for start in range(0, len(has_loads), load_batch):
            rows = has_loads[start : start + load_batch]
            table, demand, period_energy = _loads(
                ids=p.ids.take(pa.array(index[rows])),
                shape_idx=shape_idx[rows],
                kwh=kwh[rows],
                critical=with_critical[rows, window.first_month :],
                window=window,
                rng=rng,
            )
            max_demand[rows, window.first_month :] = demand
            total = period_energy.sum(axis=2, keepdims=True)
            measured = np.divide(period_energy, total, out=np.zeros_like(period_energy), where=total > 0)
            shares[rows, window.first_month :] = np.where(total > 0, measured, shares[rows, window.first_month :])
            loads.append(table)
    kwh_peak = np.floor(kwh * shares[..., 0])
    kwh_valley = np.floor(kwh * shares[..., 2])
    kwh_critical = np.floor(kwh * shares[..., 3])
    kwh_flat = kwh - kwh_peak - kwh_valley - kwh_critical
    max_demand = np.round(max_demand, 1)

    # --- amounts ---------------------------------------------------------------------------------------
    price = _price_table()[tariff, _voltage_index(voltage)][:, None]
    ratio = cat.TOU_RATIO
    tou_energy = price * (
        ratio["peak"] * kwh_peak
        + ratio["flat"] * kwh_flat
        + ratio["valley"] * kwh_valley
        + ratio["critical"] * kwh_critical
    )
    tier_1, tier_2 = cat.RESIDENTIAL_TIERS[0][0], cat.RESIDENTIAL_TIERS[1][0]
    residential_energy = (
        price * kwh
        + cat.RESIDENTIAL_TIERS[1][1] * np.clip(kwh - tier_1, 0, tier_2 - tier_1)
        + cat.RESIDENTIAL_TIERS[2][1] * np.clip(kwh - tier_2, 0, None)
    )
    energy_charge = np.where(
        tou[:, None], tou_energy, np.where((tariff == _RESIDENTIAL)[:, None], residential_energy, price * kwh)
    )
    mode = p.mode[index]
    capacity_charge = capacity * cat.BASIC_CHARGE_CAPACITY_YUAN_PER_KVA
    demand_charge = np.maximum(max_demand, 0.4 * capacity[:, None]) * cat.BASIC_CHARGE_DEMAND_YUAN_PER_KW
    basic_charge = np.where(
        (tariff == _LARGE_INDUSTRIAL)[:, None],
        np.where((mode == 0)[:, None], capacity_charge[:, None], demand_charge),
        0.0,
    )
    basic_charge = np.where(in_connection_month, basic_charge * part[:, None], basic_charge)
    standard = np.where(
        (tariff == _LARGE_INDUSTRIAL) & (capacity >= 160),
        0.90,
        np.where(
            (tariff == _AGRICULTURAL) & (capacity >= 100),
            0.80,
            np.where((tariff != _RESIDENTIAL) & (capacity >= 100), 0.85, 0.0),
        ),
    )
    billed_pf = np.where(kwh > 0, kwh / np.sqrt(kwh**2 + kvarh**2 + 1e-12), 1.0)
    adjustment = power_factor_adjustment(billed_pf, standard[:, None]) / 100.0
    amount = (energy_charge + basic_charge) * (1.0 + adjustment)
    fen = np.floor(amount * 100 + 0.5).astype(np.int64)

    # --- payments --------------------------------------------------------------------------------------
    payments = _payments(
        payer=p.payer[index],
        fen=fen,
        billed=billed,
        periods=periods,
        today=today,
        rng=rng,
    )

    # --- tables ------------------------------------------------------------------------------------------
    ci, mi = np.nonzero(billed)
    period_labels = pa.array(periods.labels, pa.string())
    has_tou = tou[ci]
    has_critical = (tariff == _LARGE_INDUSTRIAL)[ci]
    billing = pa.table(
        {
            "customer_id": p.ids.take(pa.array(index[ci])),
            "period": period_labels.take(pa.array(mi)),
            "kwh": pa.array(kwh[ci, mi], pa.float64()),
            "kwh_peak": _nullable(kwh_peak[ci, mi], has_tou, pa.float64()),
            "kwh_flat": _nullable(kwh_flat[ci, mi], has_tou, pa.float64()),
            "kwh_valley": _nullable(kwh_valley[ci, mi], has_tou, pa.float64()),
            "kwh_critical": _nullable(kwh_critical[ci, mi], has_tou & has_critical, pa.float64()),
            "kvarh": _nullable(kvarh[ci, mi], reactive_metered[ci], pa.float64()),
            "max_demand_kw": _nullable(max_demand[ci, mi], hv[ci], pa.float64()),
            "amount_yuan": money_from_fen(fen[ci, mi]),
            "due_date": pa.array(periods.due_dates[mi]),
        }
    )
    payments_table = pa.table(
        {
            "customer_id": p.ids.take(pa.array(index[payments[0]])),
            "period": period_labels.take(pa.array(payments[1])),
            "paid_on": pa.array(payments[2]),
            "amount_yuan": money_from_fen(payments[3]),
        }
    )
    return ChunkResult(billing, payments_table, loads)


def _payments(
    *,
    payer: np.ndarray,
    fen: np.ndarray,
    billed: np.ndarray,
    periods: Periods,
    today: dt.date,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Payments (customer row, month index, paid_on, fen) with lateness, partial payments and arrears."""
    c, m_count = fen.shape
    due = np.broadcast_to(periods.due_dates[None, :], (c, m_count))
    late = rng.random((c, m_count)) < _P_LATE[payer][:, None]
    delay = 1 + np.floor(rng.exponential(1.0, (c, m_count)) * _DELAY_MEAN_DAYS[payer][:, None]).astype(int)
    delay = np.minimum(delay, 150)
    early = rng.integers(0, 11, (c, m_count))
    paid_on = np.where(late, due + delay.astype("timedelta64[D]"), due - early.astype("timedelta64[D]"))

    partial = rng.random((c, m_count)) < _P_PARTIAL[payer][:, None]
    first_share = rng.uniform(0.3, 0.7, (c, m_count))
    first_fen = np.where(partial, np.floor(fen * first_share).astype(np.int64), fen)
    first_on = np.where(partial, due - early.astype("timedelta64[D]"), paid_on)
    second_on = np.maximum(paid_on, first_on + rng.integers(5, 46, (c, m_count)).astype("timedelta64[D]"))

    # Accounts in arrears: their last few bills are unpaid, or only partly paid.
    arrears = payer == 3
    unpaid_months = np.asarray(rng.integers(1, 6, size=c))
    in_arrears = arrears[:, None] & (np.arange(m_count)[None, :] >= m_count - unpaid_months[:, None])
    only_first = in_arrears & (rng.random((c, m_count)) < 0.3)
    pays = billed & (fen > 0)
    first_ok = pays & (~in_arrears | only_first)
    second_ok = pays & partial & ~in_arrears & (fen - first_fen > 0)
    first_fen = np.where(only_first, np.floor(fen * first_share).astype(np.int64), first_fen)

    limit = np.datetime64(today, "D")
    first_ok &= first_on < limit
    second_ok &= second_on < limit
    r1, m1 = np.nonzero(first_ok)
    r2, m2 = np.nonzero(second_ok)
    rows = np.concatenate([r1, r2])
    month = np.concatenate([m1, m2])
    dates = np.concatenate([first_on[r1, m1], second_on[r2, m2]])
    amounts = np.concatenate([first_fen[r1, m1], (fen - first_fen)[r2, m2]])
    keep = amounts > 0
    order = np.lexsort((dates[keep], month[keep], rows[keep]))
    return rows[keep][order], month[keep][order], dates[keep][order], amounts[keep][order]


def _loads(
    *,
    ids: pa.Array,
    shape_idx: np.ndarray,
    kwh: np.ndarray,
    critical: np.ndarray,
    window: LoadWindow,
    rng: np.random.Generator,
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """15-minute loads of some customers over the window, scaled to their monthly kWh.

    Returns the table, the maximum demand (kW) per customer and window month, and the energy
    (kWh) per customer, window month and TOU period (peak, flat, valley, critical; ``critical``
    says per customer and window month whether critical peak hours apply).
    """
    c = len(shape_idx)
    n_days = len(window.days)
    slots = shapes.SLOTS_PER_DAY
    day_shapes = np.stack([shapes.daily_shape(s) for s in shapes.SHAPES])  # (shape, 2, 96)
    relative = day_shapes[shape_idx[:, None], window.rest_day.astype(int)[None, :]]  # (c, days, 96)
    relative = relative * rng.lognormal(0.0, 0.05, (c, n_days, 1))
    relative = relative * (1.0 + rng.normal(0.0, 0.025, (c, n_days, slots))).clip(0.5, None)
    month_of_day = window.month_of_day
    window_months = np.unique(month_of_day)
    kw = np.empty_like(relative)
    demand = np.zeros((c, len(window_months)))
    period_energy = np.zeros((c, len(window_months), 4))
    slot_periods = np.stack([shapes.tou_slot_periods(False), shapes.tou_slot_periods(True)])
    for k, month in enumerate(window_months):
        days = month_of_day == month
        part = relative[:, days, :]
        energy = part.sum(axis=(1, 2)) * 0.25
        scale = np.divide(kwh[:, month], energy, out=np.zeros(c), where=energy > 0)
        kw[:, days, :] = np.round(part * scale[:, None, None], 2)
        demand[:, k] = kw[:, days, :].max(axis=(1, 2))
        by_slot = kw[:, days, :].sum(axis=1) * 0.25  # (c, 96)
        for period in range(4):
            mask = slot_periods[critical[:, k].astype(int)] == period  # (c, 96)
            period_energy[:, k, period] = (by_slot * mask).sum(axis=1)
    start = window.days[0].astype("datetime64[us]")
    ts = start + (np.arange(n_days * slots) * 15 * 60 * 1_000_000).astype("timedelta64[us]")
    table = pa.table(
        {
            "customer_id": ids.take(pa.array(np.repeat(np.arange(c), n_days * slots))),
            "ts": pa.array(np.tile(ts, c)),
            "kw": pa.array(kw.reshape(-1), pa.float64()),
        }
    )
    return table, demand, period_energy
