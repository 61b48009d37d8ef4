"""A month of outage jobs planned with OR-Tools CP-SAT (docs/rules.md §4).

:func:`plan_month`: one start per job among its allowed windows, a crew does one job at a time,
jobs that together would interrupt a multiple-supply account that neither interrupts alone never
overlap, and the total weighted ENS is minimised; :func:`naive_plan` is the earliest-feasible-start
baseline.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from powerkam.analytics.outage_bound import lagrangian_bound
from powerkam.analytics.outages.model import (
    SLOT,
    SLOT_MINUTES,
    BadWindowError,
    NoWindowError,
    OutageError,
    SupplyPoint,
    check_feeders,
    interrupted_by,
    parse_feeders,
)
from powerkam.analytics.outages.windows import (
    HoursOfDay,
    candidate_starts,
    day_series,
    duration_minutes,
    profile_sum,
    window_sums,
)
from powerkam.analytics.typical import SLOTS_PER_DAY, TYPICAL_DAYS, DayTypes, TypicalLoads, typical_loads
from powerkam.analytics.workcal import WorkCalendar


@dataclass(frozen=True)
class Job:
    """One outage job of a month plan: which feeders go out, for how long, when it may happen, who does it."""

    job_id: str
    feeders: tuple[str, ...]
    duration_hours: float
    first: dt.date
    last: dt.date
    crew: str
    hours: HoursOfDay | None = None


@dataclass(frozen=True)
class PlannedJob:
    job_id: str
    crew: str
    feeders: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    ens_kwh: float
    weighted_ens_kwh: float
    interrupted: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "crew": self.crew,
            "feeders": list(self.feeders),
            "start": self.start,
            "end": self.end,
            "ens_kwh": round(self.ens_kwh, 3),
            "weighted_ens_kwh": round(self.weighted_ens_kwh, 3),
            "interrupted": list(self.interrupted),
        }


@dataclass(frozen=True)
class Plan:
    #: "optimal", "feasible" (time limit reached with a plan), "naive" (the baseline) or "incomplete"
    #: (the baseline could not place every job).
    status: str
    jobs: tuple[PlannedJob, ...]
    weighted_ens_kwh: float
    ens_kwh: float
    #: Proven lower bound on the weighted ENS of any plan (the solver's; for the baseline, the
    #: sum of each job's best window, which ignores crews and conflicts).
    bound_weighted_ens_kwh: float
    #: Pairs of jobs that must not overlap because of dual supply.
    conflicts: tuple[tuple[str, str], ...]
    #: Interrupted accounts left out of the ENS because their typical load is incomplete.
    unknown: tuple[str, ...]
    unplaced: tuple[str, ...] = ()
    seconds: float = 0.0
    provisional: bool = False

    @property
    def gap(self) -> float:
        """(plan − bound) ÷ plan; 0 for a proven optimum or a plan without ENS."""
        if self.weighted_ens_kwh <= 0:
            return 0.0
        return max(0.0, (self.weighted_ens_kwh - self.bound_weighted_ens_kwh) / self.weighted_ens_kwh)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "weighted_ens_kwh": round(self.weighted_ens_kwh, 3),
            "ens_kwh": round(self.ens_kwh, 3),
            "bound_weighted_ens_kwh": round(self.bound_weighted_ens_kwh, 3),
            "gap": round(self.gap, 6),
            "seconds": round(self.seconds, 3),
            "jobs": [j.as_dict() for j in self.jobs],
            "conflicts": [list(c) for c in self.conflicts],
            "unknown": list(self.unknown),
            "unplaced": list(self.unplaced),
        }


@dataclass
class _Prepared:
    origin: dt.datetime
    jobs: list[Job]
    minutes: list[int]
    slots: list[int]  # occupied 15-minute slots (duration rounded up)
    starts: list[np.ndarray]
    ens: list[np.ndarray]
    wens: list[np.ndarray]
    interrupted: list[tuple[str, ...]]
    conflicts: list[tuple[int, int]]
    unknown: list[str]
    provisional: bool


def dual_supply_conflicts(
    jobs_feeders: Sequence[Iterable[str]], points: Iterable[SupplyPoint]
) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of jobs that must not overlap: together they take out every feeder of
    some account that neither takes out alone.

    When an account's feeders are covered only by three or more jobs together, every pair of
    those jobs that takes out more of them than either job alone is kept apart (stricter than
    needed, but never an interruption the rules forbid).
    """
    sets = [set(f) for f in jobs_feeders]
    pairs: set[tuple[int, int]] = set()
    for point in points:
        need = set(point.feeders)
        if len(need) < 2:
            continue
        touching = [i for i, s in enumerate(sets) if s & need and not need <= s]
        if len(touching) < 2 or not need <= set().union(*(sets[i] for i in touching)):
            continue
        found = False
        for a_index, a in enumerate(touching):
            for b in touching[a_index + 1 :]:
                if need <= sets[a] | sets[b]:
                    pairs.add((a, b))
                    found = True
        if not found:
            # Only pairs that together take out more of the account's feeders than either alone.
            pairs.update(
                (a, b)
                for k, a in enumerate(touching)
                for b in touching[k + 1 :]
                if not (sets[b] & need) <= sets[a] and not (sets[a] & need) <= sets[b]
            )
    return sorted(pairs)


def _prepare(
    jobs: Sequence[Job],
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    calendar: WorkCalendar,
    loads: TypicalLoads | None,
    store_dir: Path | None,
    typical_days: int,
) -> _Prepared:
    if not jobs:
        raise BadWindowError("The plan has no jobs.", reason="no_jobs")
    ids = [j.job_id for j in jobs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise BadWindowError(
            f"Job id(s) used twice: {', '.join(duplicates)}.", reason="duplicate_jobs", jobs=duplicates
        )
    known = set(known_feeders)
    origin_day = min(j.first for j in jobs)
    feeders, minutes, starts, hit = [], [], [], []
    for job in jobs:
        try:
            out = check_feeders(job.feeders, known)
            m = duration_minutes(job.duration_hours)
            cands = candidate_starts(job.first, job.last, m, job.hours)
        except OutageError as exc:
            exc.params["job"] = job.job_id
            raise type(exc)(f"Job {job.job_id}: {exc.message}", **exc.params) from exc
        if len(cands) == 0:
            raise NoWindowError(
                f"Job {job.job_id}: a {m / 60:g}-hour outage fits nowhere from {job.first} to {job.last}"
                + (f" between {job.hours}." if job.hours else "."),
                job=job.job_id,
                duration_hours=m / 60,
                first=job.first,
                last=job.last,
                hours=str(job.hours) if job.hours else "",
            )
        feeders.append(out)
        minutes.append(m)
        starts.append(cands + (job.first - origin_day).days * SLOTS_PER_DAY)
        hit.append(interrupted_by(points, out))
    everyone = list(dict.fromkeys(p.customer_id for h in hit for p in h))
    if loads is None:
        if store_dir is None:
            raise ValueError("plan_month needs loads or store_dir")
        loads = typical_loads(store_dir, everyone, calendar, days=typical_days)
    span_days = max(int((s[-1] * SLOT_MINUTES + m) // 1440) + 1 for s, m in zip(starts, minutes, strict=True))
    types = DayTypes(calendar)
    day_types = types.span(origin_day, span_days)
    ens, wens, unknown = [], [], []
    for points_hit, cands, m in zip(hit, starts, minutes, strict=True):
        plain, weighted, missing = profile_sum(loads, points_hit)
        unknown += missing
        ens.append(window_sums(day_series(plain, day_types), cands, m))
        wens.append(window_sums(day_series(weighted, day_types), cands, m))
    return _Prepared(
        origin=dt.datetime.combine(origin_day, dt.time()),
        jobs=list(jobs),
        minutes=minutes,
        slots=[-(-m // SLOT_MINUTES) for m in minutes],
        starts=starts,
        ens=ens,
        wens=wens,
        interrupted=[tuple(p.customer_id for p in h) for h in hit],
        conflicts=dual_supply_conflicts(feeders, points),
        unknown=list(dict.fromkeys(unknown)),
        provisional=types.provisional or loads.provisional,
    )


def _plan_from_choice(
    prep: _Prepared, choice: Sequence[int | None], *, status: str, bound: float, seconds: float
) -> Plan:
    planned = []
    unplaced = []
    for j, k in enumerate(choice):
        job = prep.jobs[j]
        if k is None:
            unplaced.append(job.job_id)
            continue
        start = prep.origin + SLOT * int(prep.starts[j][k])
        planned.append(
            PlannedJob(
                job_id=job.job_id,
                crew=job.crew,
                feeders=tuple(parse_feeders(job.feeders)),
                start=start,
                end=start + dt.timedelta(minutes=prep.minutes[j]),
                ens_kwh=float(prep.ens[j][k]),
                weighted_ens_kwh=float(prep.wens[j][k]),
                interrupted=prep.interrupted[j],
            )
        )
    planned.sort(key=lambda p: (p.start, p.job_id))
    return Plan(
        status=status,
        jobs=tuple(planned),
        weighted_ens_kwh=sum(p.weighted_ens_kwh for p in planned),
        ens_kwh=sum(p.ens_kwh for p in planned),
        bound_weighted_ens_kwh=bound,
        conflicts=tuple((prep.jobs[a].job_id, prep.jobs[b].job_id) for a, b in prep.conflicts),
        unknown=tuple(prep.unknown),
        unplaced=tuple(unplaced),
        seconds=seconds,
        provisional=prep.provisional,
    )


def _greedy_choice(prep: _Prepared, order: Sequence[int], pick: str) -> list[int | None]:
    """Place the jobs in ``order``, each at the earliest (``pick="earliest"``) or the cheapest
    (``pick="cheapest"``, ties → earliest) start that clashes with nothing placed before it."""
    apart: dict[int, set[int]] = {j: set() for j in range(len(prep.jobs))}
    for a, b in prep.conflicts:
        apart[a].add(b)
        apart[b].add(a)
    placed: dict[int, tuple[int, int]] = {}
    choice: list[int | None] = [None] * len(prep.jobs)
    for j in order:
        busy = [placed[o] for o in placed if o in apart[j] or prep.jobs[o].crew == prep.jobs[j].crew]
        starts = prep.starts[j]
        ends = starts + prep.slots[j]
        free = np.ones(len(starts), dtype=bool)
        for bs, be in busy:
            free &= (ends <= bs) | (starts >= be)
        candidates = np.flatnonzero(free)
        if len(candidates) == 0:
            continue
        if pick == "cheapest":
            costs = np.rint(prep.wens[j][candidates] * _WH)
            k = int(candidates[np.flatnonzero(costs == costs.min())[0]])
        else:
            k = int(candidates[0])
        choice[j] = k
        placed[j] = (int(starts[k]), int(ends[k]))
    return choice


def _naive_choice(prep: _Prepared) -> list[int | None]:
    """Each job (by first allowed date, then id) at its earliest start clashing with nothing placed."""
    order = sorted(range(len(prep.jobs)), key=lambda j: (prep.jobs[j].first, prep.jobs[j].job_id))
    return _greedy_choice(prep, order, "earliest")


def _cheapest_choice(prep: _Prepared) -> list[int | None]:
    """The most harmful jobs first, each at its least harmful free start."""
    order = sorted(
        range(len(prep.jobs)),
        key=lambda j: (-float(prep.wens[j].min()), len(prep.starts[j]), prep.jobs[j].job_id),
    )
    return _greedy_choice(prep, order, "cheapest")


def _cost_wh(prep: _Prepared, choice: Sequence[int | None]) -> int | None:
    if any(k is None for k in choice):
        return None
    return int(sum(int(np.rint(prep.wens[j][k] * _WH)) for j, k in enumerate(choice) if k is not None))


def _best_bound(prep: _Prepared) -> float:
    return float(sum(w.min() for w in prep.wens))


def naive_plan(
    *,
    jobs: Sequence[Job],
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    calendar: WorkCalendar,
    loads: TypicalLoads | None = None,
    store_dir: Path | None = None,
    typical_days: int = TYPICAL_DAYS,
) -> Plan:
    """The baseline a planner would make by hand: every job as early as it can go."""
    import time

    began = time.perf_counter()
    prep = _prepare(jobs, points, known_feeders, calendar, loads, store_dir, typical_days)
    choice = _naive_choice(prep)
    status = "naive" if all(c is not None for c in choice) else "incomplete"
    return _plan_from_choice(prep, choice, status=status, bound=_best_bound(prep), seconds=time.perf_counter() - began)


#: ENS is optimised in whole watt-hours (CP-SAT works in integers).
_WH = 1000


def plan_month(
    *,
    jobs: Sequence[Job],
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    calendar: WorkCalendar,
    loads: TypicalLoads | None = None,
    store_dir: Path | None = None,
    typical_days: int = TYPICAL_DAYS,
    time_limit_s: float = 30.0,
    workers: int = 2,
    relative_gap: float = 0.0,
    max_model_starts: int = 20_000,
    max_starts_per_job: int = 24,
    bound_iterations: int = 400,
    bound_share: float = 0.4,
) -> Plan:
    """The plan with the least total weighted ENS (OR-Tools CP-SAT), within ``time_limit_s``.

    Each job takes one start among its allowed windows (15-minute grid); jobs of one crew never
    overlap; jobs in :func:`dual_supply_conflicts` never overlap. The naive plan seeds the search.
    Stops at the time limit with the best plan found and the solver's bound (``status`` "feasible").

    Exactness: the best of two greedy plans (cheapest-first, earliest-first) is the incumbent *U*;
    starts that no plan as good as it can use are dropped (exact). If more than
    ``max_model_starts`` starts remain, a Lagrangian relaxation of the crew and dual-supply
    constraints (:func:`~powerkam.analytics.outage_bound.lagrangian_bound`: ``bound_iterations``
    steps or fewer on convergence — the same bound on every run, whatever the machine's load;
    ``bound_share`` of the time is only a safety net) gives a lower bound *L* of the full problem
    (every 15-minute start), reduced costs, and plans placed at its prices, the best of which
    becomes *U* when cheaper. If *U* is then within ``relative_gap`` of *L*, that plan is returned
    at once (no search: the same plan on every run). Otherwise starts no plan as good as *U* can
    use are dropped by reduced cost (still exact); if the model is still too big, each job keeps
    its ``max_starts_per_job`` cheapest starts, as many of the cheapest at the relaxation's prices,
    and the incumbent's, and CP-SAT (hinted with *U*) searches those: the plan is then never worse
    than *U* and the reported bound is *L* (or the per-job sum, if larger) — never the restricted
    model's own bound.
    """
    import time

    began = time.perf_counter()
    prep = _prepare(jobs, points, known_feeders, calendar, loads, store_dir, typical_days)
    costs = [np.rint(w * _WH).astype(np.int64) for w in prep.wens]
    lower = int(sum(int(c.min()) for c in costs))
    # The best of two greedy plans is the incumbent U. Any plan costing at most U gives job j at
    # most U − Σ_{i≠j} min_i, so every start dearer than that is dropped: the model stays exact
    # (it holds every plan as good as U, the optimum among them) and becomes small.
    incumbent: list[int | None] | None = None
    upper: int | None = None
    for greedy in (_cheapest_choice(prep), _naive_choice(prep)):
        cost = _cost_wh(prep, greedy)
        if cost is not None and (upper is None or cost < upper):
            incumbent, upper = greedy, cost
    if incumbent is not None and upper == lower:
        return _plan_from_choice(
            prep, incumbent, status="optimal", bound=_best_bound(prep), seconds=time.perf_counter() - began
        )
    keep = [
        np.flatnonzero(c <= int(c.min()) + (upper - lower)) if upper is not None else np.arange(len(c)) for c in costs
    ]
    exact = sum(len(k) for k in keep) <= max_model_starts
    if not exact:
        # Too big for an exact model as it stands: a Lagrangian relaxation of the crew and pair
        # constraints (powerkam.analytics.outage_bound) gives a much better bound L of the full
        # problem, and with it reduced costs: a plan with job j at start s costs at least
        # L + reduced_j(s), so starts above U are dropped — still exact.
        crew_numbers: dict[str, int] = {}
        crew_of = [crew_numbers.setdefault(job.crew, len(crew_numbers)) for job in prep.jobs]
        relaxed = lagrangian_bound(
            starts=prep.starts,
            slots=prep.slots,
            costs=[c.astype(np.float64) for c in costs],
            crews=crew_of,
            pairs=[(a, b) for a, b in prep.conflicts if crew_of[a] != crew_of[b]],
            upper=float(upper) if upper is not None else None,
            time_limit_s=bound_share * time_limit_s,
            max_iterations=bound_iterations,
        )
        # Integer costs: any plan costs a whole number of Wh ≥ L.
        lower = max(lower, math.ceil(relaxed.bound - 1e-6 * max(1.0, abs(relaxed.bound))))
        # The plans the prices lead to are usually far better than the greedy ones.
        if relaxed.plan is not None:
            cost = _cost_wh(prep, relaxed.plan)
            if cost is not None and (upper is None or cost < upper):
                incumbent, upper = list(relaxed.plan), cost
        if incumbent is not None and upper is not None and upper - lower <= relative_gap * upper:
            # Already within the asked gap of the bound: no search needed (and the same plan every run).
            return _plan_from_choice(
                prep,
                incumbent,
                status="optimal" if upper <= lower else "feasible",
                bound=min(lower, upper) / _WH,
                seconds=time.perf_counter() - began,
            )
        if upper is not None:
            keep = [k[relaxed.bound + r[k] <= upper + 1e-6 * upper] for k, r in zip(keep, relaxed.reduced, strict=True)]
        exact = sum(len(k) for k in keep) <= max_model_starts
        if not exact:
            # Still too many: each job keeps its cheapest ``max_starts_per_job`` starts, as many
            # of the cheapest at the relaxation's prices (those that fit with the others), and
            # the incumbent's. The plan is the best among those; the bound stays L (never the
            # restricted model's, which is not a bound of the full problem).
            keep = [
                np.unique(
                    np.concatenate(
                        [
                            k[np.lexsort((k, c[k]))[:max_starts_per_job]],
                            k[np.lexsort((k, r[k]))[:max_starts_per_job]],
                            [incumbent[j]] if incumbent is not None and incumbent[j] is not None else [],
                        ]
                    ).astype(np.int64)
                )
                for j, (k, c, r) in enumerate(zip(keep, costs, relaxed.reduced, strict=True))
            ]
    from ortools.sat.python import cp_model  # imported only when a search is needed (slow to load)

    # Time-indexed model: x[j][k] = job j starts at its k-th kept start. Two windows overlap
    # exactly when they share a 15-minute slot, so "one job at a time" is an at-most-one per slot
    # over the starts that cover it — per crew, and per pair of dual-supply conflicting jobs.
    # These cliques give a far tighter LP bound than interval no-overlap constraints.
    model = cp_model.CpModel()
    chosen: list[list[Any]] = []
    objective_vars: list[Any] = []
    objective_coeffs: list[int] = []
    for j in range(len(prep.jobs)):
        x = [model.new_bool_var(f"x{j}_{k}") for k in range(len(keep[j]))]
        model.add_exactly_one(x)
        chosen.append(x)
        objective_vars += x
        objective_coeffs += costs[j][keep[j]].tolist()

    def covering(members: Sequence[int]) -> dict[int, list[Any]]:
        by_slot: dict[int, list[Any]] = {}
        for j in members:
            for var, s0 in zip(chosen[j], prep.starts[j][keep[j]].tolist(), strict=True):
                for t in range(s0, s0 + prep.slots[j]):
                    by_slot.setdefault(t, []).append((j, var))
        return {t: [v for _j, v in entries] for t, entries in by_slot.items() if len({e[0] for e in entries}) > 1}

    crews: dict[str, list[int]] = {}
    for j, job in enumerate(prep.jobs):
        crews.setdefault(job.crew, []).append(j)
    for members in crews.values():
        if len(members) > 1:
            for group in covering(members).values():
                model.add_at_most_one(group)
    for a, b in prep.conflicts:
        if prep.jobs[a].crew != prep.jobs[b].crew:
            for group in covering([a, b]).values():
                model.add_at_most_one(group)
    model.minimize(cp_model.LinearExpr.weighted_sum(objective_vars, objective_coeffs))
    if incumbent is not None:
        for j, k in enumerate(incumbent):
            position = int(np.searchsorted(keep[j], k if k is not None else -1))
            for kk, var in enumerate(chosen[j]):
                model.add_hint(var, kk == position)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, int(workers))
    if relative_gap:
        solver.parameters.relative_gap_limit = float(relative_gap)
    # The clock runs from the call: the model's own building counts against the limit.
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - began))

    class _CloseEnough(cp_model.CpSolverSolutionCallback):
        """Stop once a plan is within ``relative_gap`` of the bound proven before the search."""

        def on_solution_callback(self) -> None:
            if self.objective_value - lower <= relative_gap * self.objective_value:
                self.stop_search()

    status = solver.solve(model, _CloseEnough() if relative_gap and not exact else None)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status == cp_model.INFEASIBLE and exact:
            raise NoWindowError(
                "No plan fits every job into its allowed dates and hours with one job per crew at a time "
                "and dual-supply jobs apart.",
                infeasible=True,
            )
        if incumbent is None:
            raise NoWindowError(
                f"No plan was found within {time_limit_s:g} seconds; allow more time or wider windows.",
                time_limit_s=time_limit_s,
            )
        return _plan_from_choice(
            prep, incumbent, status="feasible", bound=lower / _WH, seconds=time.perf_counter() - began
        )
    choice: list[int | None] = [
        int(keep[j][next(k for k, var in enumerate(x) if solver.value(var))]) for j, x in enumerate(chosen)
    ]
    chosen_cost = _cost_wh(prep, choice) or 0
    if incumbent is not None and upper is not None and chosen_cost > upper:
        choice, chosen_cost = list(incumbent), upper  # the solver stopped before matching its hint
    optimal = exact and status == cp_model.OPTIMAL
    if optimal:
        bound_wh = chosen_cost
    elif exact:
        bound_wh = max(lower, int(solver.best_objective_bound))
    else:
        bound_wh = lower
    return _plan_from_choice(
        prep,
        choice,
        status="optimal" if optimal else "feasible",
        bound=min(bound_wh / _WH, sum(float(prep.wens[j][k]) for j, k in enumerate(choice) if k is not None)),
        seconds=time.perf_counter() - began,
    )
