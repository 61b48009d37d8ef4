"""Outage benchmarks (issue 7): the least-harmful-window search and the CP-SAT month plan.

1. Suggestion: 500 interrupted key accounts, 14 days, a 4-hour outage on the 15-minute grid
   (target ≤ 50 ms end to end). Measured: the search on typical loads already in memory; end to
   end from a store of 500 × 28 days of 15-minute readings with the derived ``typical_loads``
   dataset the importer builds (first call of a process — nothing cached — and repeated calls),
   and end to end computing the typical loads from the readings (no derived dataset).
   Baseline in the same run: the same search written as plain Python loops (start × account × slot).
2. Month plan: 300 jobs, 20 crews, 120 feeders, 500 accounts (every fifth on dual supply), each
   job allowed 7–21 days of December 2026 (half of them 08:00–18:00 only), 30 s limit
   (target: optimal or ≤ 1 % gap to a valid lower bound of the full problem), run twice on the same
   inputs (gap and time of each, and whether plan and bound are the same). Baseline: the
   earliest-start plan.

``python -m benchmarks outages [--dry-run]`` (``--dry-run`` prints without rewriting docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.report import machine, today, write_section
from powerkam.analytics import outages as o
from powerkam.analytics import store, typical
from powerkam.analytics.workcal import WorkCalendar

CAL = WorkCalendar()
SHAPE = np.concatenate([np.full(28, 0.35), np.full(8, 0.7), np.full(40, 1.0), np.full(20, 0.6)])


def _profiles(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    out = {}
    for i in range(n):
        base = rng.uniform(200, 3000)
        work = base * SHAPE * rng.uniform(0.9, 1.1, 96)
        off = work * rng.uniform(0.3, 0.7)
        out[f"K{i:04d}"] = np.stack([work, off])
    return out


def _write_loads(store_dir: Path, profiles: dict[str, np.ndarray], last: dt.date) -> None:
    first = last - dt.timedelta(days=27)
    day_types = o.DayTypes(CAL).span(first, 28)
    slots = np.arange(28 * 96)
    ts0 = np.datetime64(first.isoformat(), "us")
    ts = ts0 + slots.astype("timedelta64[m]") * 15
    ids, tss, kws = [], [], []
    for cid, p in profiles.items():
        ids.append(np.full(len(slots), cid))
        tss.append(ts)
        kws.append(p[day_types.repeat(96), slots % 96])
    table = pa.table(
        {"customer_id": np.concatenate(ids), "ts": np.concatenate(tss), "kw": np.concatenate(kws)},
        schema=store.SCHEMAS["loads"],
    )
    pq.write_table(table, store.dataset_path(store_dir, "loads"))


def _naive_search(loads: o.TypicalLoads, ids: list[str], first: dt.date, days: int, minutes: int) -> tuple[int, float]:
    """The obvious implementation: for each start, for each account, add its slots."""
    types = o.DayTypes(CAL)
    n_slots = minutes // 15
    best = (-1, float("inf"))
    for k in range(days * 96 - n_slots + 1):
        total = 0.0
        for cid in ids:
            profile = loads.kw[loads.row(cid)]
            for s in range(k, k + n_slots):
                day = first + dt.timedelta(days=s // 96)
                total += float(profile[types.of(day), s % 96]) * 0.25
        if total < best[1] - 1e-6:
            best = (k, total)
    return best


def bench_suggest() -> dict:
    rng = np.random.default_rng(7)
    profiles = _profiles(500, rng)
    points = [o.SupplyPoint(cid, ("F1",)) for cid in profiles]
    loads = o.TypicalLoads(tuple(profiles), np.stack(list(profiles.values())))
    first, last = dt.date(2026, 12, 1), dt.date(2026, 12, 14)
    kwargs = {
        "points": points,
        "known_feeders": ["F1"],
        "feeders": "F1",
        "duration_hours": 4,
        "first": first,
        "last": last,
        "calendar": CAL,
    }
    o.suggest_windows(**kwargs, loads=loads)  # warm-up
    runs = []
    for _ in range(30):
        t = time.perf_counter()
        result = o.suggest_windows(**kwargs, loads=loads)
        runs.append(time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = Path(tmp)
        _write_loads(store_dir, profiles, dt.date(2026, 11, 30))
        readings = []
        for _ in range(5):
            t = time.perf_counter()
            from_readings = o.suggest_windows(**kwargs, store_dir=store_dir)
            readings.append(time.perf_counter() - t)
        t = time.perf_counter()
        typical.build_typical_loads(store_dir, CAL)  # what every loads import does once
        build_s = time.perf_counter() - t
        cold, warm = [], []
        for _ in range(15):
            typical._groups.clear()  # a fresh process: nothing decoded yet
            typical._infos.clear()
            t = time.perf_counter()
            from_store = o.suggest_windows(**kwargs, store_dir=store_dir)
            cold.append(time.perf_counter() - t)
        for _ in range(30):
            t = time.perf_counter()
            o.suggest_windows(**kwargs, store_dir=store_dir)
            warm.append(time.perf_counter() - t)
        assert typical.read_current(store_dir, list(profiles), CAL) is not None  # the derived file was used
    t = time.perf_counter()
    k, naive_ens = _naive_search(loads, list(profiles), first, 14, 240)
    naive_s = time.perf_counter() - t
    best = result.windows[0]
    origin = dt.datetime.combine(first, dt.time())
    assert best.start == origin + dt.timedelta(minutes=15 * k), (best.start, k)
    assert abs(best.ens_kwh - naive_ens) < 1e-3 * max(1.0, naive_ens)
    assert from_store.windows[0].start == best.start == from_readings.windows[0].start
    return {
        "candidates": result.candidates,
        "search_ms": statistics.median(runs) * 1000,
        "cold_ms": statistics.median(cold) * 1000,
        "warm_ms": statistics.median(warm) * 1000,
        "readings_ms": statistics.median(readings) * 1000,
        "build_s": build_s,
        "naive_s": naive_s,
    }


def _plan_instance(seed: int = 1) -> tuple[list[o.Job], list[o.SupplyPoint], o.TypicalLoads, list[str]]:
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    feeders = [f"F{i:03d}" for i in range(120)]
    profiles = _profiles(500, rng)
    points = []
    for i, cid in enumerate(profiles):
        fs = tuple(pick.sample(feeders, 2)) if i % 5 == 0 else (pick.choice(feeders),)
        points.append(o.SupplyPoint(cid, fs, cid, float(1 + i % 3)))
    loads = o.TypicalLoads(tuple(profiles), np.stack(list(profiles.values())))
    jobs = []
    for j in range(300):
        span = pick.randint(7, 21)
        start = dt.date(2026, 12, 1) + dt.timedelta(days=pick.randint(0, 31 - span))
        jobs.append(
            o.Job(
                f"J{j:03d}",
                (pick.choice(feeders),),
                pick.choice([2, 3, 4, 6, 8]),
                start,
                start + dt.timedelta(days=span - 1),
                f"crew{j % 20:02d}",
                o.HoursOfDay.parse("08:00-18:00") if j % 2 else None,
            )
        )
    return jobs, points, loads, feeders


_SOLVER = "ortools.sat.python.cp_model"


def _load() -> str:
    """The 1-minute load average (the machine is shared: a busy one slows every figure)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def bench_plan(time_limit: float = 30.0, runs: int = 2) -> dict:
    """The month plan ``runs`` times in a row (same inputs): each run's time and gap, and whether
    plan and bound are the same every time."""
    jobs, points, loads, feeders = _plan_instance()
    common = {"jobs": jobs, "points": points, "known_feeders": feeders, "calendar": CAL, "loads": loads}
    load_before = _load()
    imported_before = _SOLVER in sys.modules
    t = time.perf_counter()
    naive = o.naive_plan(**common)
    naive_s = time.perf_counter() - t
    plans, seconds = [], []
    for _ in range(runs):
        t = time.perf_counter()
        # Stop as soon as the plan is within 1 % of the Lagrangian bound (the target), else at the limit.
        plans.append(o.plan_month(**common, time_limit_s=time_limit, relative_gap=0.01))
        seconds.append(time.perf_counter() - t)
    same = all(
        {k: v for k, v in p.as_dict().items() if k != "seconds"}
        == {k: v for k, v in plans[0].as_dict().items() if k != "seconds"}
        for p in plans
    )
    plan = plans[0]
    return {
        "status": [p.status for p in plans],
        "plan_kwh": [p.weighted_ens_kwh for p in plans],
        "bound_kwh": [p.bound_weighted_ens_kwh for p in plans],
        "gap": [p.gap for p in plans],
        "plan_s": seconds,
        "same": same,
        "naive_kwh": naive.weighted_ens_kwh,
        "per_job_kwh": naive.bound_weighted_ens_kwh,
        "naive_s": naive_s,
        "conflicts": len(plan.conflicts),
        "load": (load_before, _load()),
        # CP-SAT is imported only when plan_month searches (None: cannot tell, imported before)
        "searched": None if imported_before else _SOLVER in sys.modules,
    }


def main(argv: list[str]) -> None:
    s = bench_suggest()
    print(f"suggest: {s}", flush=True)
    p = bench_plan()
    print(f"plan: {p}", flush=True)
    plan_rows = "\n".join(
        f"| run {i + 1}: `plan_month` ({status}) | {kwh:,.0f} kWh | {secs:.1f} s | {gap * 100:.2f} % |"
        for i, (status, kwh, secs, gap) in enumerate(
            zip(p["status"], p["plan_kwh"], p["plan_s"], p["gap"], strict=True)
        )
    )
    searched = {
        False: "that plan was already within 1 % of the bound here, so CP-SAT did not search (with a "
        "smaller gap asked it searches the rest of the time from that plan).",
        True: "CP-SAT then searched from that plan (hinted) on each job's cheapest starts and its "
        "cheapest at the relaxation's prices; its own bound on that restricted model is not reported.",
        None: "CP-SAT searches from that plan only when it is not yet within the asked gap.",
    }[p["searched"]]
    body = f"""
Machine: {machine()}. Date: {today()}.

Run: `make bench` (or `uv run --frozen python -m benchmarks outages`).

**Least-harmful window** — 500 interrupted key accounts, 14 days, a 4-hour outage, every start on the
15-minute grid ({s["candidates"]:,} candidates); target ≤ 50 ms.

| step | time | vs baseline | target met |
|---|---:|---:|:---:|
| **end to end**: typical loads from the derived `typical_loads` file + search, first call of a process (nothing cached; median of 15) | {s["cold_ms"]:.1f} ms | {s["naive_s"] * 1000 / s["cold_ms"]:,.0f}× | {"yes" if s["cold_ms"] <= 50 else "no"} |
| end to end, repeated calls (decoded row groups cached; median of 30) | {s["warm_ms"]:.1f} ms | {s["naive_s"] * 1000 / s["warm_ms"]:,.0f}× | {"yes" if s["warm_ms"] <= 50 else "no"} |
| end to end computing the typical loads from the readings (500 × 28 days × 96, no derived file; median of 5) | {s["readings_ms"]:.0f} ms | {s["naive_s"] * 1000 / s["readings_ms"]:,.0f}× | {"yes" if s["readings_ms"] <= 50 else "no"} |
| search alone, typical loads in memory (median of 30) | {s["search_ms"]:.1f} ms | {s["naive_s"] * 1000 / s["search_ms"]:,.0f}× | — |
| baseline: the same search as plain Python loops (start × account × slot), loads in memory | {s["naive_s"]:.1f} s | 1× | — |

All find the same window. The importer builds the derived file once per loads import
({s["build_s"]:.2f} s here for 500 customers; also after a calendar or rules change, see
docs/outages.md): one row per customer (two 96-value profiles), sorted, in row groups of
{typical.ROW_GROUP_ROWS:,}; a search reads only the row groups holding its accounts. The figures
are the engine's (`suggest_windows` with the store directory), without Django's request or
command start-up. The search aggregates the accounts' weighted typical profiles first
(2 × 96 values), lays them over the days by day type and sums every window with one
sliding-window pass, so its cost hardly grows with the number of accounts.

**Month plan** — 300 jobs, 20 crews, 120 feeders, 500 accounts (every fifth on dual supply:
{p["conflicts"]} pairs of jobs must not overlap), 7–21 allowed days each in December 2026, half of
them 08:00–18:00 only; 30 s limit, stopping once within 1 % of the bound; target optimal or
≤ 1 % gap within 30 s. Run {len(p["gap"])} times in a row on the same inputs (1-minute load average
{p["load"][0]} before, {p["load"][1]} after, on 2 cores shared with other work).

| plan | weighted ENS | time | gap to the bound |
|---|---:|---:|---:|
{plan_rows}
| baseline: earliest feasible start per job | {p["naive_kwh"]:,.0f} kWh | {p["naive_s"]:.2f} s | — |
| lower bound (Lagrangian, valid for every plan) | {p["bound_kwh"][0]:,.0f} kWh | — | — |

Target met: {"yes" if all(g <= 0.01 for g in p["gap"]) else "no"} ({" and ".join(f"{g * 100:.2f} %" for g in p["gap"])} against ≤ 1 %);
plan and bound {"the same on every run" if p["same"] else "differ between runs (CP-SAT searched: its parallel search is not repeatable)"}.
The bound is a **Lagrangian bound of the full problem** (every allowed 15-minute start): the crew
and dual-supply "one job at a time" constraints priced per 15-minute slot, raised by a projected
subgradient method for a fixed 400 steps (fewer if it converges; the clock stops it only past a
safety net of 40 % of the limit), so the bound does not depend on the machine's load — only the
time does (see docs/outages.md); the
old bound, the sum of each job's best window alone, is {p["per_job_kwh"]:,.0f} kWh
({(p["plan_kwh"][0] - p["per_job_kwh"]) / p["plan_kwh"][0] * 100:.2f} % below the plan). Every 20 steps the jobs are also placed
at the relaxation's prices (a Lagrangian heuristic) and the cheapest plans improved by single
moves; {searched} The plan costs
{p["plan_kwh"][0] / p["naive_kwh"] * 100:.0f} % of the earliest-start plan's weighted ENS.{"" if p["status"][0] == "optimal" else " The optimum lies between the plan and the bound."}
Before this change (commit 191bb40: the bound stopped at 40 % of the limit, 30–70 ms a step, and
CP-SAT searched from the greedy plan): 1.34 % in 30.2 s on a busy machine (load ≈ 5), 0.45 % on a
quieter one. A step now takes about 6–10 ms (prices only on slots a job can cover; a pair's only
where both can run).
"""
    if "--dry-run" in argv:
        print(body)
    else:
        write_section("Outages", body)
