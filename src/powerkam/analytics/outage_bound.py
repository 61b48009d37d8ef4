"""A lower bound for the month plan of outage jobs (Lagrangian relaxation), pure numpy.

The plan chooses one start per job (its allowed 15-minute starts) minimising Σ cost_j(start_j),
with two kinds of "at most one job at a time": per crew, and per pair of jobs that must not
overlap (dual supply). In time-indexed form each is a constraint per 15-minute slot *t*:
Σ_{j of crew c} [j runs in t] ≤ 1 and [a runs in t] + [b runs in t] ≤ 1.

Relaxing every such constraint with a price μ ≥ 0 per (crew, slot) and ν ≥ 0 per (pair, slot)
leaves one independent problem per job — its cheapest start at the prices,
``cost_j(s) + Σ_{t covered by s} (μ_{crew j, t} + Σ_{pairs p ∋ j} ν_{p, t})`` — and

    L(μ, ν) = Σ_j min_s [that] − Σ μ − Σ ν

is a lower bound on the cost of **every** plan over **all** allowed starts (weak duality: for a
feasible plan each relaxed constraint's slack is ≥ 0, so its priced term only lowers the sum).
At μ = ν = 0 it is the sum of every job's best start alone; a projected subgradient method
raises it towards the bound of the time-indexed linear programme. Every value computed is a
valid bound, so the best one is kept whenever the method stops.

The prices also tell which starts can matter (:attr:`LagrangianBound.reduced`): a plan that puts
job *j* at start *s* costs at least ``L + reduced_j(s)``, so a start with ``L + reduced_j(s) >
U`` (the cost of a known plan) is in no plan better than that one and may be dropped exactly.

How it runs (:func:`lagrangian_bound`): every job's allowed span — from its first allowed start to
the end of its last — is laid end to end on one flat timeline, keeping only the slots the job can
actually cover. A price vector for a pair lives only on the slots *both* of its jobs can cover
(elsewhere its constraint can never bind, so its price would stay zero), a crew's on a dense
(crew, slot) grid. One step is then a handful of whole-array operations: prices gathered onto
the timeline, one running sum, every start's priced cost as a difference of two sums, the
cheapest per job, and a sparse subgradient (only the slots the chosen starts cover). The method
stops after a fixed number of steps, or once its step size has converged, or when the relaxed
choice is itself a feasible plan — never on the clock unless a safety limit is passed — so the same
inputs give the same bound whatever the machine's load.

The prices also make good plans (a Lagrangian heuristic, :class:`_Placer`): every
``heuristic_every`` steps the jobs are placed one by one (a few fixed orders), each at its free
start cheapest *at the prices* — the prices steer jobs away from slots that others need — and
the few cheapest of those plans are improved by moving one job at a time to its cheapest free
start while any move helps (real costs). The best is returned (:attr:`LagrangianBound.plan`);
it is a feasible plan, so the optimum lies between the bound and its cost.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: The step's scale θ starts here, halves after ``_PATIENCE`` steps without a better bound, and
#: the method has converged once it falls below ``_CONVERGED``.
_THETA = 2.0
_PATIENCE = 10
_CONVERGED = 1e-4


@dataclass
class LagrangianBound:
    #: the best (largest) L(μ, ν) found — a valid lower bound on every plan's cost
    bound: float
    #: per job, ``adjusted_j(s) − min_s adjusted_j`` at the prices of the best bound (≥ 0)
    reduced: list[np.ndarray]
    #: per job, the start index chosen at the prices of the best bound
    choice: list[int]
    iterations: int
    #: why it stopped: "converged" (the step size), "iterations" (the cap), "feasible" (the relaxed
    #: choice is a plan: the bound is optimal), "upper" (the bound reached the known plan's cost) or
    #: "time" (the safety limit — only then can the value depend on the machine's speed)
    stopped: str = "iterations"
    #: per job, the start index of the best plan the prices led to (see :class:`_Placer`), or
    #: ``None`` if none was made (placing failed or no heuristic was asked for)
    plan: list[int] | None = None
    #: that plan's cost (``inf`` without a plan)
    plan_cost: float = float("inf")


class _Placer:
    """Feasible plans: jobs placed one at a time at a free start, and improved by single moves.

    A start is free when no job already placed runs at the same time in the same crew or in a
    pair that must not overlap.
    """

    def __init__(
        self,
        starts: Sequence[np.ndarray],
        slots: Sequence[int],
        crews: Sequence[int],
        pairs: Sequence[tuple[int, int]],
    ) -> None:
        self.starts = [np.asarray(s, dtype=np.int64) for s in starts]
        self.slots = [int(d) for d in slots]
        self.crews = [int(c) for c in crews]
        self.n_crews = max(self.crews) + 1
        self.horizon = max(int(s[-1]) + d for s, d in zip(self.starts, self.slots, strict=True)) + 1
        self.partners: list[list[int]] = [[] for _ in self.starts]
        for a, b in pairs:
            self.partners[a].append(b)
            self.partners[b].append(a)
        n = len(self.starts)
        count = [len(s) for s in self.starts]
        #: fixed orders, ties by job number: fewest starts first, longest first, both, and fewest
        #: starts per slot of duration (the least room first)
        self.orders = [
            sorted(range(n), key=lambda j: count[j]),
            sorted(range(n), key=lambda j: -self.slots[j]),
            sorted(range(n), key=lambda j: (-self.slots[j], count[j])),
            sorted(range(n), key=lambda j: count[j] / self.slots[j]),
        ]

    def _free(self, j: int, busy: np.ndarray, at: dict[int, tuple[int, int]]) -> np.ndarray:
        """Indices of job j's starts that clash with nothing in ``busy`` (its crew's running
        count per slot) and with no placed partner in ``at`` (start, end)."""
        s, d = self.starts[j], self.slots[j]
        running = np.zeros(self.horizon + 1, dtype=np.int64)
        np.cumsum(busy[self.crews[j]], out=running[1:])
        clash = running[s + d] - running[s] > 0
        for p in self.partners[j]:
            if p in at:
                first, end = at[p]
                clash |= (s < end) & (s + d > first)
        return np.flatnonzero(~clash)

    def place(self, order: Sequence[int], prefer: Sequence[np.ndarray]) -> list[int] | None:
        """Each job in ``order`` at its free start with the least ``prefer`` (ties → earliest);
        ``None`` if some job finds no free start."""
        busy = np.zeros((self.n_crews, self.horizon), dtype=np.int64)
        at: dict[int, tuple[int, int]] = {}
        choice = [0] * len(self.starts)
        for j in order:
            free = self._free(j, busy, at)
            if len(free) == 0:
                return None
            k = int(free[np.argmin(prefer[j][free])])
            first = int(self.starts[j][k])
            at[j] = (first, first + self.slots[j])
            busy[self.crews[j], first : first + self.slots[j]] = 1
            choice[j] = k
        return choice

    def improve(self, choice: Sequence[int], costs: Sequence[np.ndarray], passes: int = 20) -> list[int]:
        """Move one job at a time (in job order) to its cheapest free start while that is cheaper,
        until a pass moves nothing (at most ``passes``)."""
        choice = list(choice)
        busy = np.zeros((self.n_crews, self.horizon), dtype=np.int64)
        at = {}
        for j, k in enumerate(choice):
            first = int(self.starts[j][k])
            at[j] = (first, first + self.slots[j])
            busy[self.crews[j], first : first + self.slots[j]] += 1
        for _ in range(passes):
            moved = False
            for j in range(len(choice)):
                first, end = at.pop(j)
                busy[self.crews[j], first:end] -= 1
                free = self._free(j, busy, at)
                k = int(free[np.argmin(costs[j][free])])  # its own start is always free
                if costs[j][k] < costs[j][choice[j]]:
                    choice[j] = k
                    moved = True
                first = int(self.starts[j][choice[j]])
                at[j] = (first, first + self.slots[j])
                busy[self.crews[j], first : first + self.slots[j]] += 1
            if not moved:
                break
        return choice


def _total(costs: Sequence[np.ndarray], choice: Sequence[int]) -> float:
    return float(sum(float(c[k]) for c, k in zip(costs, choice, strict=True)))


class _Timeline:
    """Every job's coverable slots laid end to end; starts, crews' and pairs' prices as positions on it."""

    def __init__(
        self,
        starts: Sequence[np.ndarray],
        slots: Sequence[int],
        crews: Sequence[int],
        pairs: Sequence[tuple[int, int]],
    ) -> None:
        n = len(starts)
        duration = np.asarray(slots, dtype=np.int64)
        counts = np.array([len(s) for s in starts], dtype=np.int64)
        first = np.array([int(s[0]) for s in starts], dtype=np.int64)
        end = np.array([int(s[-1]) for s in starts], dtype=np.int64) + duration
        span = end - first
        offset = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(span, out=offset[1:])
        self.horizon = int(end.max())
        #: index of each job's first start in the flat arrays of starts
        self.job_first = np.zeros(n, dtype=np.int64)
        np.cumsum(counts[:-1], out=self.job_first[1:])
        self.job_of_start = np.repeat(np.arange(n), counts)
        flat = np.concatenate([np.asarray(s, dtype=np.int64) for s in starts])
        # Positions on the full timeline (every slot of every job's span) ...
        start_pos = flat - first[self.job_of_start] + offset[:-1][self.job_of_start]
        end_pos = start_pos + duration[self.job_of_start]
        running = np.zeros(int(offset[-1]) + 1, dtype=np.int64)
        np.add.at(running, start_pos, 1)
        np.add.at(running, end_pos, -1)
        cover = np.cumsum(running[:-1]) > 0
        # ... then on the coverable slots only: a start covers consecutive coverable slots.
        rank = np.cumsum(cover) - 1
        self.start_pos = rank[start_pos]
        self.end_pos = rank[end_pos - 1] + 1
        self.size = int(cover.sum())
        self.duration = duration
        #: for the slots the chosen starts cover: ``start_pos[chosen] − before`` repeated + arange
        self.before = np.concatenate([[0], np.cumsum(duration)[:-1]])
        self.covered_total = int(duration.sum())
        job_of_slot = np.repeat(np.arange(n), span)[cover]
        time_of_slot = (np.arange(int(offset[-1])) - offset[:-1][np.repeat(np.arange(n), span)])[cover] + first[
            job_of_slot
        ]
        crew = np.asarray(crews, dtype=np.int64)
        self.n_crews = int(crew.max()) + 1
        #: each coverable slot's (crew, slot) cell in the crew prices
        self.crew_cell = crew[job_of_slot] * self.horizon + time_of_slot
        pos_a, pos_b = [], []
        for a, b in pairs:
            low, high = max(first[a], first[b]), min(end[a], end[b])
            if low >= high:
                continue
            t = np.arange(low, high)
            at_a = offset[a] + t - first[a]
            at_b = offset[b] + t - first[b]
            both = cover[at_a] & cover[at_b]
            pos_a.append(rank[at_a[both]])
            pos_b.append(rank[at_b[both]])
        empty = np.zeros(0, dtype=np.int64)
        #: each pair price's slot on job a's and on job b's part of the timeline
        self.pair_a = np.concatenate(pos_a) if pos_a else empty
        self.pair_b = np.concatenate(pos_b) if pos_b else empty
        self.pair_ab = np.concatenate([self.pair_a, self.pair_b])


def lagrangian_bound(
    *,
    starts: Sequence[np.ndarray],
    slots: Sequence[int],
    costs: Sequence[np.ndarray],
    crews: Sequence[int],
    pairs: Sequence[tuple[int, int]],
    upper: float | None,
    time_limit_s: float | None = None,
    max_iterations: int = 400,
    heuristic_every: int = 20,
    improve_best: int = 12,
) -> LagrangianBound:
    """The Lagrangian bound of the time-indexed plan (see the module docstring).

    ``starts[j]``: job j's allowed starts (slot numbers from a common origin, sorted, non-empty);
    ``slots[j]``: the slots it occupies from its start (≥ 1); ``costs[j]``: its cost at each start;
    ``crews[j]``: its crew number; ``pairs``: (a, b) of different crews that must not overlap;
    ``upper``: the cost of a known plan (the step's target; without one, 1 % above the best bound).

    Stops after ``max_iterations`` steps or earlier on convergence — deterministic. ``time_limit_s``
    is only a safety net for inputs far larger than a month plan (``None``: no limit).
    Every ``heuristic_every`` steps (0: never) plans are placed at the prices; the
    ``improve_best`` cheapest are improved by single moves and the best is :attr:`LagrangianBound.plan`.
    """
    began = time.perf_counter()
    line = _Timeline(starts, slots, crews, pairs)
    cost = np.concatenate([np.asarray(c, dtype=np.float64) for c in costs])
    mu = np.zeros(line.n_crews * line.horizon)
    nu = np.zeros(len(line.pair_a))
    cum = np.zeros(line.size + 1)
    best = -np.inf
    best_reduced = np.zeros(0)
    best_first = line.job_first
    theta = _THETA
    stall = 0
    iterations = 0
    stopped = "iterations"
    placer = _Placer(starts, slots, crews, pairs) if heuristic_every > 0 else None
    placed: dict[tuple[int, ...], float] = {}
    while iterations < max(1, max_iterations):
        iterations += 1
        # Every start's cost at the prices: its own plus the prices of the slots it covers.
        price = mu[line.crew_cell]
        if len(nu):
            price += np.bincount(line.pair_ab, weights=np.concatenate([nu, nu]), minlength=line.size)
        np.cumsum(price, out=cum[1:])
        adjusted = cost + (cum[line.end_pos] - cum[line.start_pos])
        cheapest = np.minimum.reduceat(adjusted, line.job_first)
        value = float(cheapest.sum()) - float(mu.sum()) - float(nu.sum())
        spread = cheapest[line.job_of_start]
        at_min = np.flatnonzero(adjusted == spread)
        chosen = at_min[np.searchsorted(at_min, line.job_first)]  # each job's first cheapest start
        if placer is not None and iterations % heuristic_every == 0:
            reduced_now = np.split(adjusted - spread, line.job_first[1:])
            for order in placer.orders:
                made = placer.place(order, reduced_now)
                if made is not None:
                    placed[tuple(made)] = _total(costs, made)
        if value > best + 1e-9 * max(1.0, abs(best) if np.isfinite(best) else 1.0):
            best = value
            best_reduced = adjusted - spread
            best_first = chosen
            stall = 0
        else:
            stall += 1
            if stall >= _PATIENCE:
                theta /= 2
                stall = 0
        if theta < _CONVERGED:
            stopped = "converged"
            break
        if (upper is not None and best >= upper) or (placed and best >= min(placed.values())):
            stopped = "upper"
            break
        if time_limit_s is not None and time.perf_counter() - began > time_limit_s:
            stopped = "time"
            break
        # Subgradient: how many jobs run in each (crew, slot), and in each (pair, slot), minus 1.
        covered = np.repeat(line.start_pos[chosen] - line.before, line.duration) + np.arange(line.covered_total)
        running = np.zeros(line.size)
        running[covered] = 1.0
        g_mu = np.bincount(line.crew_cell[covered], minlength=mu.size) - 1.0
        g_nu = running[line.pair_a] + running[line.pair_b] - 1.0
        # Projected: a price at zero whose constraint has slack stays at zero and does not count.
        # (No BLAS dot products here: they spin threads on a busy machine.)
        g_mu[(mu <= 0) & (g_mu < 0)] = 0
        g_nu[(nu <= 0) & (g_nu < 0)] = 0
        norm = float(np.square(g_mu).sum() + np.square(g_nu).sum())
        if norm == 0:
            # The relaxed choice is a feasible plan and the bound is its cost: optimal.
            stopped = "feasible"
            feasible = (chosen - line.job_first).tolist()
            placed[tuple(feasible)] = _total(costs, feasible)
            break
        # Polyak's step towards the caller's plan cost. (Aiming at the heuristic's cheaper plans
        # instead shrinks the steps: on the 300-job month the bound after 400 steps was 0.15 % lower.)
        target = upper if upper is not None and upper > best else best * 1.01 + 1.0
        step = theta * (target - value) / norm
        mu = np.maximum(0.0, mu + step * g_mu)
        nu = np.maximum(0.0, nu + step * g_nu)
    reduced = np.split(best_reduced, line.job_first[1:])
    choice = (best_first - line.job_first).tolist()
    plan, plan_cost = None, float("inf")
    # The cheapest few plans (ties: the one found first), each improved by single moves.
    for candidate in sorted(placed, key=placed.__getitem__)[: max(1, improve_best)]:
        better = placer.improve(candidate, costs) if placer is not None and improve_best > 0 else list(candidate)
        if _total(costs, better) < plan_cost:
            plan, plan_cost = better, _total(costs, better)
    return LagrangianBound(float(best), reduced, choice, iterations, stopped, plan, plan_cost)
