"""The month plan (OR-Tools CP-SAT): crews one job at a time, dual-supply jobs apart, least weighted ENS."""

from __future__ import annotations

import datetime as dt

import pytest

from powerkam.analytics import outages as o
from powerkam.analytics.workcal import WorkCalendar

CALENDAR = WorkCalendar()
KNOWN = ["F1", "F2", "F3", "F4"]
D = dt.date
T = dt.datetime
#: Load falls through the day: the earliest start of a day is the most harmful one.
FALLING = [float(200 - s) for s in range(96)]
FLAT = [100.0] * 96


def _loads(**profiles: list[float]) -> o.TypicalLoads:
    return o.TypicalLoads.from_profiles({cid: [p, p] for cid, p in profiles.items()})


def _overlap(a: o.PlannedJob, b: o.PlannedJob) -> bool:
    return a.start < b.end and b.start < a.end


def test_dual_supply_conflicts_pairs_and_larger_covers() -> None:
    points = [o.SupplyPoint("D", ("F1", "F2")), o.SupplyPoint("T", ("F2", "F3", "F4")), o.SupplyPoint("S", ("F1",))]
    jobs = [("F1",), ("F2",), ("F1", "F2"), ("F3",), ("F4",)]
    pairs = o.dual_supply_conflicts(jobs, points)
    assert (0, 1) in pairs  # F1 + F2 take out D, neither alone does
    assert (0, 2) not in pairs
    assert (1, 2) not in pairs
    # T needs F2, F3 and F4 together: no pair covers it, so jobs 1, 3, 4 stay pairwise apart
    assert {(1, 3), (1, 4), (3, 4)} <= set(pairs)
    assert o.dual_supply_conflicts([("F1",), ("F1",)], points) == []


def test_plan_keeps_one_crew_to_one_job_at_a_time() -> None:
    points = [o.SupplyPoint("A", ("F1",)), o.SupplyPoint("B", ("F3",))]
    jobs = [
        o.Job("J1", ("F1",), 4, D(2026, 11, 2), D(2026, 11, 2), "crew-1", o.HoursOfDay.parse("08:00-18:00")),
        o.Job("J2", ("F3",), 4, D(2026, 11, 2), D(2026, 11, 2), "crew-1", o.HoursOfDay.parse("08:00-18:00")),
    ]
    plan = o.plan_month(
        jobs=jobs, points=points, known_feeders=KNOWN, calendar=CALENDAR, loads=_loads(A=FALLING, B=FALLING)
    )
    assert plan.status == "optimal"
    assert plan.gap == 0
    first, second = plan.jobs
    assert not _overlap(first, second)
    # Both want 14:00–18:00 (least load); one gets it, the other the next best: 10:00–14:00.
    assert {first.start.hour, second.start.hour} == {10, 14}
    assert plan.weighted_ens_kwh == pytest.approx(plan.bound_weighted_ens_kwh)


def test_plan_keeps_jobs_that_would_black_out_a_dual_supply_account_apart() -> None:
    points = [o.SupplyPoint("DUAL", ("F1", "F2"), weight=5.0), o.SupplyPoint("A", ("F1",)), o.SupplyPoint("B", ("F2",))]
    hours = o.HoursOfDay.parse("08:00-18:00")
    jobs = [
        o.Job("J1", ("F1",), 4, D(2026, 11, 2), D(2026, 11, 2), "crew-1", hours),
        o.Job("J2", ("F2",), 4, D(2026, 11, 2), D(2026, 11, 2), "crew-2", hours),
    ]
    plan = o.plan_month(
        jobs=jobs, points=points, known_feeders=KNOWN, calendar=CALENDAR, loads=_loads(DUAL=FLAT, A=FALLING, B=FALLING)
    )
    assert plan.conflicts == (("J1", "J2"),)
    assert not _overlap(*plan.jobs)
    assert all("DUAL" not in j.interrupted for j in plan.jobs)


def test_cp_sat_beats_the_naive_earliest_start_plan() -> None:
    """Constructed case: the earliest allowed start of every job is its most harmful one, and two
    jobs of one crew compete for the cheap afternoon of the same day."""
    points = [o.SupplyPoint("A", ("F1",)), o.SupplyPoint("B", ("F2",), weight=2.0), o.SupplyPoint("C", ("F3",))]
    hours = o.HoursOfDay.parse("06:00-20:00")
    jobs = [
        o.Job("J1", ("F1",), 3, D(2026, 11, 2), D(2026, 11, 3), "crew-1", hours),
        o.Job("J2", ("F2",), 3, D(2026, 11, 2), D(2026, 11, 2), "crew-1", hours),
        o.Job("J3", ("F3",), 2, D(2026, 11, 2), D(2026, 11, 4), "crew-2", hours),
    ]
    loads = _loads(A=FALLING, B=FALLING, C=FALLING)
    naive = o.naive_plan(jobs=jobs, points=points, known_feeders=KNOWN, calendar=CALENDAR, loads=loads)
    best = o.plan_month(jobs=jobs, points=points, known_feeders=KNOWN, calendar=CALENDAR, loads=loads)
    assert naive.status == "naive"
    assert best.status == "optimal"
    assert best.weighted_ens_kwh < naive.weighted_ens_kwh
    by_id = {j.job_id: j for j in best.jobs}
    # J2 (weight 2, only Monday) takes Monday 17:00–20:00; J1 moves to Tuesday's last slot.
    assert (by_id["J2"].start, by_id["J1"].start) == (T(2026, 11, 2, 17), T(2026, 11, 3, 17))
    assert by_id["J3"].start == T(2026, 11, 2, 18)  # ties → earliest day
    assert naive.jobs[0].start == T(2026, 11, 2, 6)
    assert best.as_dict()["gap"] == 0


def test_plan_refuses_a_job_that_fits_nowhere_and_an_unknown_feeder() -> None:
    loads = _loads()
    with pytest.raises(o.NoWindowError) as err:
        o.plan_month(
            jobs=[o.Job("J9", ("F1",), 5, D(2026, 11, 2), D(2026, 11, 2), "c", o.HoursOfDay.parse("08:00-12:00"))],
            points=[],
            known_feeders=KNOWN,
            calendar=CALENDAR,
            loads=loads,
        )
    assert err.value.params["job"] == "J9"
    with pytest.raises(o.UnknownFeedersError):
        o.plan_month(
            jobs=[o.Job("J1", ("FX",), 1, D(2026, 11, 2), D(2026, 11, 2), "c")],
            points=[],
            known_feeders=KNOWN,
            calendar=CALENDAR,
            loads=loads,
        )


def test_plan_reports_infeasible_crew_overload() -> None:
    hours = o.HoursOfDay.parse("08:00-12:00")
    jobs = [o.Job(f"J{i}", ("F1",), 3, D(2026, 11, 2), D(2026, 11, 2), "crew-1", hours) for i in range(2)]
    with pytest.raises(o.NoWindowError):
        o.plan_month(jobs=jobs, points=[], known_feeders=KNOWN, calendar=CALENDAR, loads=_loads())
    naive = o.naive_plan(jobs=jobs, points=[], known_feeders=KNOWN, calendar=CALENDAR, loads=_loads())
    assert naive.status == "incomplete"
    assert naive.unplaced == ("J1",)
