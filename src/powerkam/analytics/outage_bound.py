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
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class LagrangianBound:
    #: the best (largest) L(μ, ν) found — a valid lower bound on every plan's cost
    bound: float
    #: per job, ``adjusted_j(s) − min_s adjusted_j`` at the prices of the best bound (≥ 0)
    reduced: list[np.ndarray]
    #: per job, the start index chosen at the prices of the best bound
    choice: list[int]
    iterations: int


def lagrangian_bound(
    *,
    starts: Sequence[np.ndarray],
    slots: Sequence[int],
    costs: Sequence[np.ndarray],
    crews: Sequence[int],
    pairs: Sequence[tuple[int, int]],
    upper: float | None,
    time_limit_s: float = 5.0,
    max_iterations: int = 2000,
) -> LagrangianBound:
    """The Lagrangian bound of the time-indexed plan (see the module docstring).

    ``starts[j]``: job j's allowed starts (slot numbers from a common origin, sorted); ``slots[j]``:
    the slots it occupies from its start; ``costs[j]``: its cost at each start; ``crews[j]``: its
    crew number; ``pairs``: (a, b) of different crews that must not overlap; ``upper``: the cost of
    a known plan (drives the step size; the best L when unknown).
    """
    began = time.perf_counter()
    n = len(starts)
    horizon = max(int(s[-1]) + int(d) for s, d in zip(starts, slots, strict=True)) + 1
    n_crews = max(crews) + 1 if n else 0
    crew = np.asarray(crews, dtype=np.int64)
    pair_a = np.array([a for a, _ in pairs], dtype=np.int64)
    pair_b = np.array([b for _, b in pairs], dtype=np.int64)
    mu = np.zeros((n_crews, horizon))
    nu = np.zeros((len(pairs), horizon))
    pair_ends = np.concatenate([pair_a, pair_b])
    ends = [s + int(d) for s, d in zip(starts, slots, strict=True)]
    best = -np.inf
    best_reduced: list[np.ndarray] = []
    best_choice: list[int] = []
    theta = 2.0
    stall = 0
    iterations = 0
    zero_prices = True
    while iterations < max_iterations:
        iterations += 1
        price = mu[crew]
        if len(pairs):
            _scatter_rows(price, pair_ends, np.concatenate([nu, nu]))
        cum = np.zeros((n, horizon + 1))
        np.cumsum(price, axis=1, out=cum[:, 1:])
        value = -float(mu.sum()) - float(nu.sum())
        choice = []
        adjusted_all = []
        for j in range(n):
            adjusted = costs[j] + (cum[j, ends[j]] - cum[j, starts[j]]) if not zero_prices else costs[j]
            k = int(np.argmin(adjusted))
            choice.append(k)
            value += float(adjusted[k])
            adjusted_all.append(adjusted)
        if value > best + 1e-9 * max(1.0, abs(best) if np.isfinite(best) else 1.0):
            best = value
            best_reduced = [adj - adj[k] for adj, k in zip(adjusted_all, choice, strict=True)]
            best_choice = choice
            stall = 0
        else:
            stall += 1
            if stall >= 10:
                theta /= 2
                stall = 0
        if time.perf_counter() - began > time_limit_s or theta < 1e-4:
            break
        # Subgradient: how many jobs run in each (crew, slot), and in each (pair, slot), minus 1.
        run = np.zeros((n, horizon + 1))
        chosen = np.array([int(starts[j][k]) for j, k in enumerate(choice)], dtype=np.int64)
        rows = np.arange(n)
        run[rows, chosen] += 1
        run[rows, chosen + np.asarray(slots, dtype=np.int64)] -= 1
        running = np.cumsum(run, axis=1)[:, :horizon]
        g_mu = np.zeros((n_crews, horizon))
        _scatter_rows(g_mu, crew, running)
        g_mu -= 1
        g_nu = running[pair_a] + running[pair_b] - 1 if len(pairs) else np.zeros((0, horizon))
        # Projected: a price at zero whose constraint has slack stays at zero and does not count.
        g_mu[(mu <= 0) & (g_mu < 0)] = 0
        g_nu[(nu <= 0) & (g_nu < 0)] = 0
        norm = float((g_mu * g_mu).sum() + (g_nu * g_nu).sum())
        if norm == 0:
            break  # the relaxed choice is a feasible plan: the bound is its cost, optimal
        target = upper if upper is not None and upper > best else best * 1.01 + 1.0
        step = theta * (target - value) / norm
        mu = np.maximum(0.0, mu + step * g_mu)
        nu = np.maximum(0.0, nu + step * g_nu)
        zero_prices = False
    return LagrangianBound(float(best), best_reduced, best_choice, iterations)


def _scatter_rows(target: np.ndarray, index: np.ndarray, rows: np.ndarray) -> None:
    """``target[index[i]] += rows[i]`` for every i (repeated indices add up), without a Python loop."""
    order = np.argsort(index, kind="stable")
    ordered = index[order]
    unique, first = np.unique(ordered, return_index=True)
    target[unique] += np.add.reduceat(rows[order], first, axis=0)
