"""Reliability per account: intersect the feeders' outage intervals (docs/rules.md §4, first rule)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from factories import write_dataset
from powerkam.analytics import reliability as r

T = dt.datetime


def test_merge_and_intersect_intervals() -> None:
    a = [
        (T(2026, 1, 1, 8), T(2026, 1, 1, 10)),
        (T(2026, 1, 1, 9), T(2026, 1, 1, 12)),
        (T(2026, 1, 1, 12), T(2026, 1, 1, 13)),
    ]
    assert r.merge_intervals(a) == [(T(2026, 1, 1, 8), T(2026, 1, 1, 13))]
    b = [(T(2026, 1, 1, 7), T(2026, 1, 1, 9)), (T(2026, 1, 1, 11), T(2026, 1, 1, 14))]
    assert r.intersect_intervals([a, b]) == [
        (T(2026, 1, 1, 8), T(2026, 1, 1, 9)),
        (T(2026, 1, 1, 11), T(2026, 1, 1, 13)),
    ]
    # half-open: one back at 10:00 and another lost at 10:00 never overlap
    assert (
        r.intersect_intervals([[(T(2026, 1, 1, 8), T(2026, 1, 1, 10))], [(T(2026, 1, 1, 10), T(2026, 1, 1, 12))]]) == []
    )
    assert r.intersect_intervals([]) == []


def _o(feeder: str, start: T, end: T, planned: bool = True, oid: str = "") -> r.FeederOutage:
    return r.FeederOutage(feeder, start, end, planned, oid or f"{feeder}@{start:%d%H}")


def test_dual_supply_is_interrupted_only_while_both_feeders_are_out() -> None:
    outages = [
        _o("F1", T(2026, 3, 1, 8), T(2026, 3, 1, 12), planned=True, oid="P1"),
        _o("F2", T(2026, 3, 1, 10), T(2026, 3, 1, 14), planned=False, oid="U1"),
        _o("F1", T(2026, 4, 1, 8), T(2026, 4, 1, 12), planned=True, oid="P2"),  # F2 fine then: ride-through
    ]
    events = r.supply_interruptions(outages, ["F1", "F2"])
    assert len(events) == 1
    assert (events[0].start, events[0].end) == (T(2026, 3, 1, 10), T(2026, 3, 1, 12))
    assert events[0].planned is False  # the F2 outage was unplanned
    assert events[0].outage_ids == ("P1", "U1")
    single = r.supply_interruptions(outages, ["F1"])
    assert [(e.start, e.hours, e.planned) for e in single] == [
        (T(2026, 3, 1, 8), 4.0, True),
        (T(2026, 4, 1, 8), 4.0, True),
    ]


def test_reliability_over_the_last_12_months_clips_and_splits_planned_from_unplanned() -> None:
    until = T(2026, 11, 27)
    outages = [
        _o("F1", T(2025, 11, 26, 22), T(2025, 11, 27, 2), planned=False),  # 2 h inside the period
        _o("F1", T(2026, 5, 1, 8), T(2026, 5, 1, 11), planned=True),
        _o("F1", T(2026, 5, 1, 11), T(2026, 5, 1, 12), planned=True),  # touches the last: one interruption
        _o("F2", T(2026, 6, 1, 8), T(2026, 6, 1, 9), planned=True),
        _o("F1", T(2024, 1, 1, 8), T(2024, 1, 1, 9), planned=True),  # too old
    ]
    result = r.account_reliability({"A": ("F1",), "B": ("F1", "F2"), "C": ()}, outages, until=until)
    a = result["A"]
    assert a.since == T(2025, 11, 27)
    assert (a.interruptions, a.hours) == (2, pytest.approx(6.0))
    assert (a.planned_interruptions, a.planned_hours) == (1, pytest.approx(4.0))
    assert (a.unplanned_interruptions, a.unplanned_hours) == (1, pytest.approx(2.0))
    assert result["B"].interruptions == 0  # F1 and F2 were never out together
    assert result["C"].interruptions == 0
    assert result["A"].as_dict()["hours"] == 6.0


def test_months_before_keeps_the_end_of_month() -> None:
    assert r.months_before(T(2026, 3, 31, 8), 1) == T(2026, 2, 28, 8)
    assert r.months_before(T(2026, 11, 27), 12) == T(2025, 11, 27)
    assert r.months_before(T(2026, 1, 15), 1) == T(2025, 12, 15)


def test_read_feeder_outages_from_the_store(tmp_path: Path) -> None:
    write_dataset(
        tmp_path,
        "outages",
        [
            {"outage_id": "O1", "feeder_id": "F1", "start": T(2026, 5, 1, 8), "end": T(2026, 5, 1, 9), "planned": True},
            {
                "outage_id": "O2",
                "feeder_id": "F2",
                "start": T(2024, 5, 1, 8),
                "end": T(2024, 5, 1, 9),
                "planned": False,
            },
        ],
    )
    rows = r.read_feeder_outages(tmp_path, since=T(2025, 11, 27), until=T(2026, 11, 27))
    assert [(o.outage_id, o.planned) for o in rows] == [("O1", True)]
    assert r.read_feeder_outages(tmp_path, feeders=["F2"])[0].outage_id == "O2"
    assert r.read_feeder_outages(tmp_path, feeders=[]) == []
    assert r.read_feeder_outages(tmp_path / "nothing") == []


def _acc(cid: str, feeders: tuple[str, ...], grade: str = "", kva: float = 1000, **kw: object) -> r.KeyAccountSupply:
    return r.KeyAccountSupply(cid, f"客户{cid}", feeders, kva, important_grade=grade, **kw)  # type: ignore[arg-type]


def test_upgrade_candidates_with_their_reasons() -> None:
    until = T(2026, 11, 27)
    outages = [_o("F1", T(2026, 1, d, 8), T(2026, 1, d, 10)) for d in range(1, 5)]  # 4 × 2 h on F1
    accounts = [
        _acc("A", ("F1",)),  # 4 interruptions > 3, 8 h ≤ 8.76
        _acc("B", ("F2",), grade="first"),  # first-grade important user, single supply
        _acc("C", ("F2", "F3"), grade="special"),  # has dual supply: fine
        _acc("D", ("F3",), kva=20_000),  # big account on a small feeder
    ]
    rel = r.account_reliability({a.customer_id: a.feeders for a in accounts}, outages, until=until)
    feeders = [
        r.FeederCapacity("F1", "F1线", 10_000, 5_000),
        r.FeederCapacity("F2", "F2线", 10_000, 5_000),
        r.FeederCapacity("F3", "F3线", 10_000, 7_000, reserved_kw=500),  # headroom 9000 − 7000 − 500 = 1500
    ]
    found = {(c.kind, c.subject_id): c.reasons for c in r.upgrade_candidates(accounts, rel, feeders)}
    assert found[("account", "A")] == (("interruptions", 4, 3),)
    assert found[("account", "B")] == (("single_supply", "first", 1),)
    assert ("account", "C") not in found
    # F3 carries C (1000 kVA) and D (20,000 kVA): 20 % growth × 21,000 kVA × 0.9 = 3,780 kW > 1,500 kW
    assert found[("feeder", "F3")] == (("headroom", 1500.0, 3780.0),)
    assert ("feeder", "F1") not in found
    stricter = r.UpgradeThresholds(max_interruptions=10, max_hours=7.5)
    found = {(c.kind, c.subject_id): c.reasons for c in r.upgrade_candidates(accounts, rel, feeders, stricter)}
    assert found[("account", "A")] == (("hours", 8.0, 7.5),)


def test_connection_priority_for_a_new_feeder() -> None:
    until = T(2026, 11, 27)
    outages = [_o("F1", T(2026, 1, 1, 8), T(2026, 1, 1, 18))]
    accounts = [
        _acc("NEAR", ("F2",), district="东城区", latitude=39.90, longitude=116.40),
        _acc("UNRELIABLE", ("F1",), district="东城区"),
        _acc("HOSPITAL", ("F2",), grade="first", district="东城区"),
        _acc("FAR", ("F2",), district="西城区", latitude=40.50, longitude=117.40),
        _acc("OTHER", ("F2",), district="西城区"),
    ]
    rel = r.account_reliability({a.customer_id: a.feeders for a in accounts}, outages, until=until)
    source = r.NewSource("S9", district="东城区", latitude=39.91, longitude=116.41, max_distance_km=30)
    ranking = r.connection_priority(source, accounts, rel)
    assert [e.customer_id for e in ranking] == ["HOSPITAL", "UNRELIABLE", "NEAR"]
    assert ranking[0].needs_second_supply
    assert ranking[1].hours == 10.0
    assert ranking[2].distance_km == pytest.approx(1.4, abs=0.1)
    assert r.distance_km(39.9, 116.4, 39.9, 116.4) == 0
