"""The month plan's lower bound (Lagrangian relaxation of the crew and dual-supply constraints):
always a bound of the full problem, tighter than the sum of each job's best window, and it may
drop starts exactly."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from powerkam.analytics import outages as o
from powerkam.analytics.outage_bound import lagrangian_bound
from powerkam.analytics.workcal import WorkCalendar

CALENDAR = WorkCalendar()
D = dt.date
FALLING = [float(200 - s) for s in range(96)]


def test_two_jobs_of_one_crew_wanting_the_same_window_raise_the_bound_above_the_per_job_sum() -> None:
    # One crew, two 4-hour jobs on the same day between 08:00 and 18:00 over a load falling
    # through the day: both want 14:00–18:00. Per job that window costs Σ(200 − s) × 0.25 h over
    # slots 56–71; the optimum puts the other at 10:00–14:00 (slots 40–55).
    late = sum(200 - s for s in range(56, 72)) * 0.25
    midday = sum(200 - s for s in range(40, 56)) * 0.25
    jobs = [
        o.Job(f"J{i}", (f"F{i}",), 4, D(2026, 11, 2), D(2026, 11, 2), "crew", o.HoursOfDay.parse("08:00-18:00"))
        for i in (1, 2)
    ]
    points = [o.SupplyPoint("A", ("F1",)), o.SupplyPoint("B", ("F2",))]
    loads = o.TypicalLoads.from_profiles({"A": [FALLING, FALLING], "B": [FALLING, FALLING]})
    # max_model_starts=0 forces the relaxation (and the restricted model) even on this small case.
    plan = o.plan_month(
        jobs=jobs,
        points=points,
        known_feeders=["F1", "F2"],
        calendar=CALENDAR,
        loads=loads,
        max_model_starts=0,
        time_limit_s=5,
    )
    per_job = 2 * late
    assert plan.weighted_ens_kwh == pytest.approx(late + midday)
    assert per_job < plan.bound_weighted_ens_kwh <= plan.weighted_ens_kwh + 1e-6
    # The relaxation closes most of the gap the per-job sum leaves.
    assert plan.bound_weighted_ens_kwh - per_job >= 0.9 * (midday - late)


def _random_instance(seed: int) -> tuple[list[o.Job], list[o.SupplyPoint], o.TypicalLoads, list[str]]:
    pick = random.Random(seed)
    rng = np.random.default_rng(seed)
    feeders = [f"F{i}" for i in range(8)]
    points, profiles = [], {}
    for i in range(16):
        cid = f"C{i}"
        fs = tuple(pick.sample(feeders, 2)) if i % 4 == 0 else (pick.choice(feeders),)
        points.append(o.SupplyPoint(cid, fs, cid, float(1 + i % 3)))
        work = rng.uniform(50, 500) * np.concatenate([np.full(28, 0.4), np.full(48, 1.0), np.full(20, 0.7)])
        profiles[cid] = [list(work), list(work * 0.5)]
    jobs = []
    for j in range(10):
        first = D(2026, 12, 1) + dt.timedelta(days=pick.randint(0, 3))
        jobs.append(
            o.Job(
                f"J{j}",
                (pick.choice(feeders),),
                pick.choice([2, 4, 6]),
                first,
                first + dt.timedelta(days=pick.randint(0, 2)),
                f"crew{j % 3}",
                o.HoursOfDay.parse("08:00-18:00") if j % 2 else None,
            )
        )
    return jobs, points, o.TypicalLoads.from_profiles(profiles), feeders


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bound_never_exceeds_the_optimum_and_the_plan_beats_naive(seed: int) -> None:
    jobs, points, loads, feeders = _random_instance(seed)
    common = {"jobs": jobs, "points": points, "known_feeders": feeders, "calendar": CALENDAR, "loads": loads}
    exact = o.plan_month(**common, time_limit_s=20)
    assert exact.status == "optimal"
    relaxed = o.plan_month(**common, max_model_starts=0, max_starts_per_job=4, time_limit_s=5)
    naive = o.naive_plan(**common)
    per_job = naive.bound_weighted_ens_kwh
    assert per_job - 1e-6 <= relaxed.bound_weighted_ens_kwh <= exact.weighted_ens_kwh + 1e-6
    assert relaxed.bound_weighted_ens_kwh <= relaxed.weighted_ens_kwh + 1e-6
    assert exact.weighted_ens_kwh <= relaxed.weighted_ens_kwh + 1e-6
    assert relaxed.weighted_ens_kwh <= naive.weighted_ens_kwh + 1e-6


def test_reduced_costs_keep_every_start_of_a_plan_within_the_slack() -> None:
    # Weak duality per start: any plan costs at least L + Σ reduced_j(start_j).
    starts = [np.arange(0, 10), np.arange(0, 10)]
    costs = [np.array([1.0, 5, 5, 5, 5, 5, 5, 5, 5, 2]), np.array([1.0, 5, 5, 5, 5, 5, 5, 5, 5, 3])]
    result = lagrangian_bound(
        starts=starts, slots=[2, 2], costs=costs, crews=[0, 0], pairs=[], upper=3.0, max_iterations=200
    )
    assert 2.0 <= result.bound <= 3.0 + 1e-9  # per-job sum 2; optimum: job 0 at 9, job 1 at 0 = 3
    for plan_cost, (a, b) in ((4.0, (0, 9)), (3.0, (9, 0)), (10.0, (3, 6))):
        assert result.bound + result.reduced[0][a] + result.reduced[1][b] <= plan_cost + 1e-9
