"""docs/rules.md §4 on hand-made data: who is interrupted, typical load by day type, ENS, window search."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from powerkam.analytics import outages as o
from tests.analytics.outage_data import CALENDAR, write_loads

KNOWN = ["F1", "F2", "F3"]
POINTS = [
    o.SupplyPoint("K1", ("F1",), "单电源一"),
    o.SupplyPoint("K2", ("F1", "F2"), "双电源"),
    o.SupplyPoint("K3", ("F2",), "无负荷数据"),
    o.SupplyPoint("K4", (), "无线路"),
]
T = dt.datetime


@pytest.fixture
def store(tmp_path: Path) -> Path:
    write_loads(tmp_path)
    return tmp_path


# -- who is interrupted -------------------------------------------------------------------------


def test_dual_supply_rides_through_one_feeder_out() -> None:
    assert [p.customer_id for p in o.interrupted_by(POINTS, ["F1"])] == ["K1"]
    assert [p.customer_id for p in o.riding_through(POINTS, ["F1"])] == ["K2"]


def test_dual_supply_is_interrupted_when_both_feeders_are_out() -> None:
    assert [p.customer_id for p in o.interrupted_by(POINTS, ["F1", "F2"])] == ["K1", "K2", "K3"]
    assert o.riding_through(POINTS, ["F1", "F2"]) == []


def test_account_without_feeders_is_never_interrupted() -> None:
    assert "K4" not in {p.customer_id for p in o.interrupted_by(POINTS, KNOWN)}


def test_feeder_list_parsing_and_refusals() -> None:
    assert o.parse_feeders(" F1; F2 ;F1,F3；") == ["F1", "F2", "F3"]
    with pytest.raises(o.UnknownFeedersError) as err:
        o.check_feeders("F1;F9;F8", KNOWN)
    assert err.value.params["feeders"] == ["F9", "F8"]
    with pytest.raises(o.BadWindowError):
        o.check_feeders(" ; ", KNOWN)


# -- typical load ----------------------------------------------------------------------------------


def test_typical_load_splits_by_official_day_type_over_the_last_28_days(store: Path) -> None:
    loads = o.typical_loads(store, ["K1", "K2", "K3"], CALENDAR)
    k1 = loads.profile("K1")
    assert k1 is not None
    # The adjusted working Saturday 10-10 counts as working, the holiday Monday 10-05 as not;
    # the 99,999 kW readings of 10-01 … 10-03 lie before the last 28 days.
    np.testing.assert_array_equal(k1[o.WORKING], np.arange(96.0))
    np.testing.assert_array_equal(k1[o.NON_WORKING], 1000.0 + np.arange(96.0))
    assert loads.first_day["K1"] == dt.date(2026, 10, 4)
    assert loads.last_day["K1"] == dt.date(2026, 10, 31)
    assert loads.without_data == ["K3"]
    assert loads.complete("K1")
    assert not loads.complete("K3")


def test_weekday_rule_would_give_a_different_profile(store: Path) -> None:
    """Guard: with the weekends-only rule the adjusted Saturday and the holiday Monday would mix in."""
    from powerkam.analytics.workcal import Override, WorkCalendar

    weekdays_only = WorkCalendar([Override(dt.date(2026, 10, 10), False), Override(dt.date(2026, 10, 5), True)])
    loads = o.typical_loads(store, ["K1"], weekdays_only)
    k1 = loads.profile("K1")
    assert k1 is not None
    assert not np.array_equal(k1[o.WORKING], np.arange(96.0))


def test_typical_load_before_a_moment_uses_the_28_days_before_it(store: Path) -> None:
    loads = o.typical_loads(store, ["K1"], CALENDAR, before=T(2026, 10, 8))
    # Last reading 10-07 23:45 → days 09-10 … 10-07: only 10-01 … 10-07 have data, all non-working,
    # and 10-01 … 10-03 are the 99,999 kW readings.
    k1 = loads.profile("K1")
    assert k1 is not None
    assert np.isnan(k1[o.WORKING]).all()
    assert k1[o.NON_WORKING][0] == pytest.approx((3 * 99_999 + 4 * 1000) / 7)


# -- ENS ----------------------------------------------------------------------------------------------


def test_ens_on_a_working_day_by_hand(store: Path) -> None:
    impact = o.outage_impact(
        points=POINTS,
        known_feeders=KNOWN,
        feeders="F1",
        start=T(2026, 11, 3, 8),
        end=T(2026, 11, 3, 9),
        calendar=CALENDAR,
        store_dir=store,
    )
    assert [a.customer_id for a in impact.interrupted] == ["K1"]
    # slots 32…35 of a working Tuesday: (32 + 33 + 34 + 35) kW × 0.25 h
    assert impact.interrupted[0].ens_kwh == pytest.approx(33.5)
    assert impact.ens_kwh == pytest.approx(33.5)
    assert impact.riding_through == ("K2",)
    assert impact.unknown == ()


def test_ens_on_the_adjusted_working_saturday_and_the_holiday_monday(store: Path) -> None:
    loads = o.typical_loads(store, ["K1"], CALENDAR)
    saturday = o.window_ens(loads, ["K1"], T(2026, 10, 10, 8), T(2026, 10, 10, 9), CALENDAR)["K1"]
    monday = o.window_ens(loads, ["K1"], T(2026, 10, 5, 8), T(2026, 10, 5, 9), CALENDAR)["K1"]
    assert saturday == pytest.approx(33.5)  # working-day profile
    assert monday == pytest.approx((1032 + 1033 + 1034 + 1035) * 0.25)  # non-working profile


def test_ens_across_midnight_takes_each_days_type(store: Path) -> None:
    loads = o.typical_loads(store, ["K1"], CALENDAR)
    # Friday 10-16 23:30 (working: 94, 95 kW) → Saturday 10-17 00:30 (non-working: 1000, 1001 kW)
    ens = o.window_ens(loads, ["K1"], T(2026, 10, 16, 23, 30), T(2026, 10, 17, 0, 30), CALENDAR)["K1"]
    assert ens == pytest.approx((94 + 95 + 1000 + 1001) * 0.25)


def test_ens_of_a_window_off_the_grid_counts_the_covered_part_of_a_slot(store: Path) -> None:
    loads = o.typical_loads(store, ["K1"], CALENDAR)
    ens = o.window_ens(loads, ["K1"], T(2026, 11, 3, 8, 5), T(2026, 11, 3, 8, 20), CALENDAR)["K1"]
    assert ens == pytest.approx(32 * 10 / 60 + 33 * 5 / 60)


def test_dual_supply_account_counts_only_when_both_feeders_are_out(store: Path) -> None:
    impact = o.outage_impact(
        points=POINTS,
        known_feeders=KNOWN,
        feeders="F1;F2",
        start=T(2026, 11, 3, 8),
        end=T(2026, 11, 3, 9),
        calendar=CALENDAR,
        store_dir=store,
    )
    by_id = {a.customer_id: a for a in impact.interrupted}
    assert by_id["K2"].ens_kwh == pytest.approx(33.5 / 2)
    assert by_id["K2"].as_dict()["dual_supply"] is True


def test_account_without_interval_data_is_unknown_never_zero(store: Path) -> None:
    impact = o.outage_impact(
        points=POINTS,
        known_feeders=KNOWN,
        feeders="F2;F1",
        start=T(2026, 11, 3, 8),
        end=T(2026, 11, 3, 9),
        calendar=CALENDAR,
        store_dir=store,
    )
    k3 = next(a for a in impact.interrupted if a.customer_id == "K3")
    assert k3.ens_kwh is None
    assert k3.as_dict()["ens_kwh"] is None
    assert impact.unknown == ("K3",)
    assert impact.ens_kwh == pytest.approx(33.5 * 1.5)  # K1 + K2 only, K3 not silently 0 but listed


def test_impact_refuses_unknown_feeders_and_a_backwards_window(store: Path) -> None:
    with pytest.raises(o.UnknownFeedersError):
        o.outage_impact(
            points=POINTS,
            known_feeders=KNOWN,
            feeders="F1;FX",
            start=T(2026, 11, 3, 8),
            end=T(2026, 11, 3, 9),
            calendar=CALENDAR,
            store_dir=store,
        )
    for end in (T(2026, 11, 3, 7), T(2026, 11, 3, 8)):
        with pytest.raises(o.BadWindowError):
            o.outage_impact(
                points=POINTS,
                known_feeders=KNOWN,
                feeders="F1",
                start=T(2026, 11, 3, 8),
                end=end,
                calendar=CALENDAR,
                store_dir=store,
            )


# -- window search ------------------------------------------------------------------------------------


def test_suggestion_picks_the_least_ens_window_on_the_grid(store: Path) -> None:
    result = o.suggest_windows(
        points=POINTS,
        known_feeders=KNOWN,
        feeders="F1",
        duration_hours=1,
        first=dt.date(2026, 11, 2),
        last=dt.date(2026, 11, 3),
        calendar=CALENDAR,
        store_dir=store,
        hours="08:00-18:00",
    )
    best = result.windows[0]
    assert (best.start, best.end) == (T(2026, 11, 2, 8), T(2026, 11, 2, 9))
    assert best.ens_kwh == pytest.approx(33.5)
    assert [w.start for w in result.windows[:3]] == [T(2026, 11, 2, 8), T(2026, 11, 3, 8), T(2026, 11, 2, 8, 15)]
    assert result.candidates == 2 * 37  # 08:00 … 17:00 every 15 minutes, two days


def test_ties_go_to_the_earliest_start(store: Path) -> None:
    # Saturday 10-17 and Sunday 10-18 are both non-working: identical ENS at 12:00 each day.
    result = o.suggest_windows(
        points=POINTS,
        known_feeders=KNOWN,
        feeders="F1",
        duration_hours=1,
        first=dt.date(2026, 10, 17),
        last=dt.date(2026, 10, 18),
        calendar=CALENDAR,
        store_dir=store,
        hours="12:00-14:00",
    )
    starts = [w.start for w in result.windows[:3]]
    assert starts == [T(2026, 10, 17, 12), T(2026, 10, 18, 12), T(2026, 10, 17, 12, 15)]
    assert result.windows[0].ens_kwh == result.windows[1].ens_kwh


def test_weights_change_the_choice() -> None:
    # A is heavy in the morning, B in the afternoon; weighting B ×3 moves the outage to the morning.
    morning = [100.0 if s < 48 else 10.0 for s in range(96)]
    evening = [10.0 if s < 48 else 100.0 for s in range(96)]
    loads = o.TypicalLoads.from_profiles({"A": [morning, morning], "B": [evening, evening]})
    points = [o.SupplyPoint("A", ("F1",)), o.SupplyPoint("B", ("F1",))]
    kwargs = {
        "known_feeders": KNOWN,
        "feeders": "F1",
        "duration_hours": 2,
        "first": dt.date(2026, 11, 2),
        "last": dt.date(2026, 11, 2),
        "calendar": CALENDAR,
        "loads": loads,
        "hours": "06:00-18:00",
    }
    plain = o.suggest_windows(points=points, **kwargs)  # type: ignore[arg-type]
    assert plain.windows[0].start == T(2026, 11, 2, 6)  # all equal → earliest
    weighted = o.suggest_windows(points=[points[0], o.SupplyPoint("B", ("F1",), weight=3.0)], **kwargs)  # type: ignore[arg-type]
    assert weighted.windows[0].start == T(2026, 11, 2, 6)
    assert weighted.windows[0].weighted_ens_kwh == pytest.approx((100 + 3 * 10) * 2)
    heavy_a = o.suggest_windows(points=[o.SupplyPoint("A", ("F1",), weight=3.0), points[1]], **kwargs)  # type: ignore[arg-type]
    assert heavy_a.windows[0].start == T(2026, 11, 2, 12)
    assert heavy_a.windows[0].ens_kwh == pytest.approx((10 + 100) * 2)


def test_suggestion_lists_accounts_whose_ens_is_unknown(store: Path) -> None:
    result = o.suggest_windows(
        points=POINTS,
        known_feeders=KNOWN,
        feeders="F1;F2",
        duration_hours=2,
        first=dt.date(2026, 11, 2),
        last=dt.date(2026, 11, 2),
        calendar=CALENDAR,
        store_dir=store,
    )
    assert result.unknown == ("K3",)
    assert {p.customer_id for p in result.interrupted} == {"K1", "K2", "K3"}


def test_duration_that_fits_nowhere_is_refused() -> None:
    loads = o.TypicalLoads.from_profiles({})
    with pytest.raises(o.NoWindowError) as err:
        o.suggest_windows(
            points=POINTS,
            known_feeders=KNOWN,
            feeders="F1",
            duration_hours=3,
            first=dt.date(2026, 11, 2),
            last=dt.date(2026, 11, 5),
            calendar=CALENDAR,
            loads=loads,
            hours="08:00-10:00",
        )
    assert err.value.params["duration_hours"] == 3


@pytest.mark.parametrize(
    ("duration", "first", "last", "hours"),
    [
        (0, "2026-11-02", "2026-11-02", None),
        (-1, "2026-11-02", "2026-11-02", None),
        ("abc", "2026-11-02", "2026-11-02", None),
        (1, "2026-11-03", "2026-11-02", None),
        (1, "2026-11-02", "2026-11-02", "8-10"),
        (1, "2026-11-02", "2026-11-02", "25:00-26:00"),
    ],
)
def test_bad_search_requests_are_refused(duration: object, first: str, last: str, hours: str | None) -> None:
    with pytest.raises(o.BadWindowError):
        o.suggest_windows(
            points=POINTS,
            known_feeders=KNOWN,
            feeders="F1",
            duration_hours=duration,  # type: ignore[arg-type]
            first=dt.date.fromisoformat(first),
            last=dt.date.fromisoformat(last),
            calendar=CALENDAR,
            loads=o.TypicalLoads.from_profiles({}),
            hours=hours,
        )


def test_night_hours_run_past_midnight_of_each_allowed_date() -> None:
    hours = o.HoursOfDay.parse("22:00-06:00")
    starts = o.candidate_starts(dt.date(2026, 11, 2), dt.date(2026, 11, 3), 8 * 60, hours)
    # an 8-hour window fits each night exactly once: 22:00 on 11-02 and on 11-03 (ending 06:00 on 11-04)
    assert starts.tolist() == [88, 96 + 88]
    assert str(hours) == "22:00-06:00"
    whole_day = o.candidate_starts(dt.date(2026, 11, 2), dt.date(2026, 11, 2), 60, o.HoursOfDay.parse("00:00-24:00"))
    assert whole_day.tolist() == list(range(0, 93))


def test_a_month_of_candidates_for_many_accounts_is_ranked_in_one_pass() -> None:
    rng = np.random.default_rng(7)
    profiles = {f"C{i}": rng.uniform(10, 1000, size=(2, 96)).tolist() for i in range(500)}
    loads = o.TypicalLoads.from_profiles(profiles)
    points = [o.SupplyPoint(c, ("F1",)) for c in profiles]
    result = o.suggest_windows(
        points=points,
        known_feeders=KNOWN,
        feeders="F1",
        duration_hours=4,
        first=dt.date(2026, 11, 1),
        last=dt.date(2026, 11, 30),
        calendar=CALENDAR,
        loads=loads,
        limit=3,
    )
    # Brute force over every start gives the same best window.
    best = min(
        (
            o.window_ens(loads, list(profiles), w, w + dt.timedelta(hours=4), CALENDAR)
            for w in [result.windows[0].start]
        ),
        key=lambda e: sum(v or 0 for v in e.values()),
    )
    assert sum(v or 0 for v in best.values()) == pytest.approx(result.windows[0].ens_kwh)
    origin = T(2026, 11, 1)
    brute = []
    for k in range(0, 30 * 96 - 16 + 1, 7):  # a sample of starts
        start = origin + dt.timedelta(minutes=15 * k)
        brute.append(
            sum(
                v or 0
                for v in o.window_ens(loads, list(profiles), start, start + dt.timedelta(hours=4), CALENDAR).values()
            )
        )
    assert result.windows[0].ens_kwh <= min(brute) + 1e-6


# -- notice and rules -------------------------------------------------------------------------------


def test_notice_rule_edges() -> None:
    start = T(2026, 11, 20, 8)
    assert o.notice_deadline(start, temporary=False) == T(2026, 11, 13, 8)
    assert not o.notice_is_late(start, T(2026, 11, 13, 8), temporary=False)
    assert o.notice_is_late(start, T(2026, 11, 13, 8, 0, 1), temporary=False)
    assert o.notice_deadline(start, temporary=True) == T(2026, 11, 19, 8)
    assert not o.notice_is_late(start, T(2026, 11, 19, 8), temporary=True)
    assert o.notice_is_late(start, T(2026, 11, 19, 8, 1), temporary=True)


def test_rules_from_toml_and_weights() -> None:
    rules = o.OutageRules.from_toml(
        "[weights]\ndefault = 1\n[weights.grade]\nA = 3\nC = 0.5\n[weights.important_grade]\nspecial = 10\n"
        "[notice]\nplanned_days = 10\n"
    )
    assert rules.planned_notice_days == 10
    assert rules.weight() == 1.0
    assert rules.weight(grade="A") == 3.0
    assert rules.weight(grade="C") == 0.5
    assert rules.weight(grade="C", important_grade="special") == 10.0
    assert rules.weight(grade="B") == 1.0
    assert o.OutageRules.from_toml(rules.to_toml()) == rules
    for bad in ("[notice]\nplanned_days = -1\n", "[notice]\nplaned_days = 7\n", "[weights.grade]\nA = 'x'\n", "x ="):
        with pytest.raises(o.OutageError):
            o.OutageRules.from_toml(bad)
