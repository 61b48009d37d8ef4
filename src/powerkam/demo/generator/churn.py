"""A key-account base with known losses and the signals that led to them (docs/health.md).

Pure numpy/pyarrow, deterministic by seed. :func:`synthetic_base` writes a base of its own (billing,
payments, customers, applications, contracts, market) for the churn model's tests and benchmark:
some accounts are lost over the months — closed (销户), moved to a retailer, or their consumption
collapsed — most of them after the leading signals a real base shows (consumption sliding,
capacity reduced or paused, arrears, a move to direct trading), some without any; and some
accounts that stay show the same signals for a while (a dip that recovers, a late payer).
:func:`demo_signals` writes the applications, contracts and market status of the demo province,
consistent with its accounts that stopped consuming.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from powerkam.analytics.store import SCHEMAS


def _period(first: tuple[int, int], offset: int) -> tuple[int, int]:
    index = first[0] * 12 + first[1] - 1 + offset
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class SyntheticBase:
    tables: dict[str, pa.Table]
    #: per account: the period index it was lost in (-1: stayed) and whether signals led to it
    lost_at: np.ndarray
    signalled: np.ndarray


def synthetic_base(
    *, accounts: int, months: int = 36, last_period: str = "2026-11", seed: int = 2026, loss_rate: float = 0.12
) -> SyntheticBase:
    rng = np.random.default_rng(seed)
    n, m = accounts, months
    end = (int(last_period[:4]), int(last_period[5:7]))
    first = _period(end, -(m - 1))
    periods = [_period(first, j) for j in range(m)]
    ids = [f"K{i:07d}" for i in range(n)]

    base = np.exp(rng.normal(12.5, 1.0, n))
    capacity = np.round(base / (0.45 * 730) / 50 + 1) * 50
    growth = rng.normal(0.02, 0.05, n)
    month_of_year = np.array([p[1] for p in periods])
    season = 1 + 0.12 * np.sin((month_of_year - 1) / 12 * 2 * np.pi)[None, :] * rng.uniform(0.3, 1.5, n)[:, None]
    years = (np.arange(m) - (m - 1)) / 12
    kwh = base[:, None] * season * (1 + growth[:, None]) ** years[None, :] * rng.lognormal(0, 0.06, (n, m))

    lost_at = np.full(n, -1)
    leaving = rng.random(n) < loss_rate
    lost_at[leaving] = rng.integers(16, m, int(leaving.sum()))
    how = rng.choice(3, n, p=[0.5, 0.25, 0.25])  # closure, retailer, collapse
    signalled = leaving & (rng.random(n) < 0.75)
    lead = rng.integers(3, 9, n)
    start = lost_at - lead
    slide = np.clip((np.arange(m)[None, :] - start[:, None]) / np.maximum(lead, 1)[:, None], 0, 1)
    depth = rng.uniform(0.3, 0.55, n)
    factor = np.where(signalled[:, None], 1 - depth[:, None] * slide, 1.0)
    after = np.arange(m)[None, :] > lost_at[:, None]
    gone = leaving[:, None] & after & (how != 1)[:, None]
    factor = np.where(gone, np.where((how == 2)[:, None], 0.08, 0.0), factor)
    # stayers with a dip that recovers (a false alarm for any rule)
    dip = ~leaving & (rng.random(n) < 0.08)
    dip_at = rng.integers(14, m, n)
    in_dip = (np.arange(m)[None, :] >= dip_at[:, None]) & (np.arange(m)[None, :] < dip_at[:, None] + 4)
    factor = np.where(dip[:, None] & in_dip, 0.65, factor)
    kwh = np.floor(kwh * factor + 0.5)
    amount = np.round(kwh * 0.7 + capacity[:, None] * 25 * (kwh > 0), 2)

    # payments: punctual, late, and the arrears of leavers and of a few stayers
    due = np.array([dt.date(*_period(p, 1), 15).toordinal() for p in periods])
    delay = np.where(rng.random((n, m)) < 0.1, rng.integers(3, 40, (n, m)), -rng.integers(0, 6, (n, m)))
    stop = signalled & (rng.random(n) < 0.45)
    unpaid = stop[:, None] & (np.arange(m)[None, :] >= (start + 1)[:, None])
    spell = ~leaving & (rng.random(n) < 0.05)
    spell_at = rng.integers(14, m, n)
    late_spell = spell[:, None] & (np.abs(np.arange(m)[None, :] - spell_at[:, None]) <= 1)
    delay = np.where(late_spell, rng.integers(60, 110, (n, m)), delay)
    paid_on = due[None, :] + delay
    today = dt.date(*_period(end, 1), 6).toordinal()
    pay = (~unpaid) & (paid_on <= today) & (amount > 0)

    applications: dict[str, list] = {k: [] for k in SCHEMAS["applications"].names}

    def apply(i: int, kind: str, on: int, kva: float | None) -> None:
        day = dt.date.fromordinal(int(on))
        applications["application_id"].append(f"A{len(applications['application_id']):08d}")
        applications["customer_id"].append(ids[i])
        applications["type"].append(kind)
        applications["applied_on"].append(day)
        applications["effective_on"].append(day + dt.timedelta(days=20))
        applications["capacity_kva"].append(kva)
        applications["status"].append("completed")

    def month_day(j: int, day: int = 10) -> int:
        year, month = _period(first, int(j))
        return dt.date(year, month, day).toordinal()

    market: dict[str, list] = {k: [] for k in SCHEMAS["market"].names}

    def move(i: int, status: str, j: int, retailer: str | None = None) -> None:
        market["customer_id"].append(ids[i])
        market["effective_on"].append(dt.date.fromordinal(month_day(j, 1)))
        market["status"].append(status)
        market["retailer"].append(retailer)

    reduce = signalled & (rng.random(n) < 0.5)
    for i in map(int, np.flatnonzero(leaving)):
        if how[i] == 0:
            apply(i, "closure", month_day(lost_at[i], 5), None)
        elif how[i] == 1:
            if signalled[i] and rng.random() < 0.4:
                move(i, "direct", max(int(start[i]), 0))
            move(i, "retailer", int(lost_at[i]), "示范售电有限公司")
        if reduce[i] and start[i] + 1 < m:
            apply(
                i,
                rng.choice(["capacity_reduction", "suspension"]),
                month_day(max(start[i] + 1, 0)),
                float(np.round(capacity[i] * rng.uniform(0.3, 0.6))),
            )
    # stayers: small reductions, increases, relocations within the area, direct trading
    for i in map(int, np.flatnonzero(~leaving & (rng.random(n) < 0.06))):
        apply(
            i,
            "capacity_reduction",
            month_day(int(rng.integers(0, m))),
            float(np.round(capacity[i] * rng.uniform(0.05, 0.3))),
        )
    for i in map(int, np.flatnonzero(~leaving & (rng.random(n) < 0.05))):
        apply(i, "capacity_increase", month_day(int(rng.integers(0, m))), float(np.round(capacity[i] * 0.3)))
    for i in map(int, np.flatnonzero(~leaving & (rng.random(n) < 0.01))):
        apply(i, "relocation", month_day(int(rng.integers(0, m))), None)
    for i in map(int, np.flatnonzero(~leaving & (rng.random(n) < 0.1))):
        move(i, "direct", int(rng.integers(0, m)))

    contract_start = [
        dt.date.fromordinal(month_day(0, 1)) - dt.timedelta(days=int(d)) for d in rng.integers(0, 5 * 365, n)
    ]
    contracts = {
        "contract_no": [f"GYD-{cid}" for cid in ids],
        "customer_id": ids,
        "start_on": contract_start,
        "end_on": [s + dt.timedelta(days=5 * 365) for s in contract_start],
        "capacity_kva": capacity.tolist(),
        "renewal_status": [None] * n,
    }

    rows_i, rows_j = np.nonzero(np.ones((n, m), dtype=bool))
    bill_due = [dt.date.fromordinal(int(d)) for d in due]
    labels = [f"{y:04d}-{mo:02d}" for y, mo in periods]
    billing = pa.table(
        {
            "customer_id": pa.array([ids[i] for i in rows_i]),
            "period": pa.array([labels[j] for j in rows_j]),
            "kwh": pa.array(kwh[rows_i, rows_j]),
            "amount_yuan": pa.array(amount[rows_i, rows_j]).cast(pa.decimal128(18, 2)),
            "due_date": pa.array([bill_due[j] for j in rows_j], pa.date32()),
        }
    )
    billing = _fill(billing, "billing")
    pi, pj = np.nonzero(pay)
    payments = _fill(
        pa.table(
            {
                "customer_id": pa.array([ids[i] for i in pi]),
                "period": pa.array([labels[j] for j in pj]),
                "paid_on": pa.array([dt.date.fromordinal(int(d)) for d in paid_on[pi, pj]], pa.date32()),
                "amount_yuan": pa.array(amount[pi, pj]).cast(pa.decimal128(18, 2)),
                "seq": pa.array(np.ones(len(pi), dtype=np.int32)),
            }
        ),
        "payments",
    )
    customers = _fill(
        pa.table({"customer_id": ids, "name": [f"客户{cid}" for cid in ids], "contract_capacity_kva": capacity}),
        "customers",
    )
    return SyntheticBase(
        tables={
            "customers": customers,
            "billing": billing,
            "payments": payments,
            "applications": pa.table(applications, schema=SCHEMAS["applications"]),
            "contracts": pa.table(contracts, schema=SCHEMAS["contracts"]),
            "market": pa.table(market, schema=SCHEMAS["market"]),
        },
        lost_at=lost_at,
        signalled=signalled,
    )


def _fill(table: pa.Table, kind: str) -> pa.Table:
    schema = SCHEMAS[kind]
    columns = {
        f.name: table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    }
    return pa.table(columns, schema=schema)


# ---- the demo province's applications, contracts and market status ---------------------------------


def demo_signals(
    *, ids: pa.StringArray, hv: np.ndarray, capacity: np.ndarray, idle_from: np.ndarray, connected_on: np.ndarray,
    first_month: np.datetime64, months: int, today: dt.date, rng: np.random.Generator, signalled: np.ndarray,
) -> dict[str, pa.Table]:  # fmt: skip
    """Applications, supply contracts and market status of the customers at 10 kV and above.

    The accounts that stop consuming (``idle_from`` before the end) were lost: six in ten applied to
    close (销户) in the month they stopped, two in ten moved to a retailer; those with leading
    signals (``signalled``) applied to reduce or pause capacity a few months before; their
    contract ending soon is not renewed. The others apply for the ordinary changes of a live base
    (增容, small reductions, 改类, 暂换, a relocation now and then); one in eight trades directly."""
    customer_ids = ids.to_pylist()

    def month_day(j: int, day: int) -> dt.date:
        month = (first_month + np.timedelta64(int(j), "M")).astype("datetime64[D]").astype(dt.date)
        return min(month.replace(day=day), today - dt.timedelta(days=1))

    applications: dict[str, list] = {k: [] for k in SCHEMAS["applications"].names}

    def apply(i: int, kind: str, on: dt.date, kva: float | None, status: str = "completed") -> None:
        applications["application_id"].append(f"YK{on:%Y%m}{len(applications['application_id']):06d}")
        applications["customer_id"].append(customer_ids[i])
        applications["type"].append(kind)
        applications["applied_on"].append(on)
        effective = on + dt.timedelta(days=int(rng.integers(10, 40)))
        applications["effective_on"].append(effective if effective < today and status == "completed" else None)
        applications["capacity_kva"].append(kva)
        applications["status"].append(status if effective < today else "in_progress")

    market: dict[str, list] = {k: [] for k in SCHEMAS["market"].names}

    def move(i: int, status: str, on: dt.date, retailer: str | None = None) -> None:
        market["customer_id"].append(customer_ids[i])
        market["effective_on"].append(on)
        market["status"].append(status)
        market["retailer"].append(retailer)

    window_start = month_day(0, 1)
    lost = hv & (idle_from < months)
    closes = lost & (rng.random(len(hv)) < 0.6)
    to_retailer = lost & ~closes & (rng.random(len(hv)) < 0.5)
    for i in map(int, np.flatnonzero(lost)):
        if signalled[i] and rng.random() < 0.6 and idle_from[i] >= 3:
            kind = "capacity_reduction" if rng.random() < 0.6 else "suspension"
            apply(i, kind, month_day(idle_from[i] - 3, 12), float(np.round(capacity[i] * rng.uniform(0.3, 0.6))))
        if closes[i]:
            apply(i, "closure", month_day(idle_from[i], 6), None, "in_progress")
        elif to_retailer[i]:
            move(i, "grid_agency", window_start)
            move(i, "retailer", month_day(idle_from[i], 1), str(rng.choice(RETAILERS)))
    live = np.flatnonzero(hv & ~lost)
    draws = rng.random((len(live), 6))
    for row, i in enumerate(map(int, live)):
        on = month_day(int(rng.integers(0, months)), int(rng.integers(1, 28)))
        if draws[row, 0] < 0.04:
            apply(i, "capacity_increase", on, float(np.round(capacity[i] * rng.uniform(0.2, 0.8))))
        elif draws[row, 0] < 0.07:
            apply(i, "capacity_reduction", on, float(np.round(capacity[i] * rng.uniform(0.05, 0.3))))
        elif draws[row, 0] < 0.08:
            apply(i, "tariff_change", on, None)
        elif draws[row, 0] < 0.085:
            apply(i, "temporary_change", on, float(np.round(capacity[i] * 0.5)))
        elif draws[row, 0] < 0.09:
            apply(i, "relocation", on, None)
        if draws[row, 1] < 0.01:
            apply(i, "capacity_reduction", on, float(np.round(capacity[i] * 0.3)), "withdrawn")
        if draws[row, 2] < 0.12:
            move(i, "grid_agency", window_start)
            move(i, "direct", month_day(int(rng.integers(1, months)), 1))

    contracts: dict[str, list] = {k: [] for k in SCHEMAS["contracts"].names}
    term = 5
    for i in map(int, np.flatnonzero(hv)):
        connected = connected_on[i].astype("datetime64[D]").astype(dt.date)
        start = connected.replace(day=min(connected.day, 28))  # contracts start on days every year has
        while start.replace(year=start.year + term) <= today:
            start = start.replace(year=start.year + term)
        end = start.replace(year=start.year + term) - dt.timedelta(days=1)
        if start > connected:
            previous = start.replace(year=start.year - term)
            contracts["contract_no"].append(f"GYD-{customer_ids[i]}-{previous.year}")
            contracts["customer_id"].append(customer_ids[i])
            contracts["start_on"].append(previous)
            contracts["end_on"].append(start - dt.timedelta(days=1))
            contracts["capacity_kva"].append(float(capacity[i]))
            contracts["renewal_status"].append("renewed")
        if (end - today).days <= 180:
            status = (
                "declined" if lost[i] else str(rng.choice(["pending", "negotiating", "renewed"], p=[0.5, 0.3, 0.2]))
            )
        else:
            status = None
        contracts["contract_no"].append(f"GYD-{customer_ids[i]}-{start.year}")
        contracts["customer_id"].append(customer_ids[i])
        contracts["start_on"].append(start)
        contracts["end_on"].append(end)
        contracts["capacity_kva"].append(float(capacity[i]))
        contracts["renewal_status"].append(status)
    return {
        "applications": pa.table(applications, schema=SCHEMAS["applications"]),
        "contracts": pa.table(contracts, schema=SCHEMAS["contracts"]),
        "market": pa.table(market, schema=SCHEMAS["market"]),
    }


RETAILERS = ("示范售电有限公司", "华能示范售电有限公司", "国电投示范能源销售有限公司", "示范新能源售电有限公司")
