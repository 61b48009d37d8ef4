"""The derived typical loads (docs/rules.md §4): the same profiles as computed from the readings, used
only while they are current for the store's readings, the number of days and the calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from factories import write_dataset
from powerkam.analytics import outages as o
from powerkam.analytics import store, typical
from powerkam.analytics.workcal import Override, WorkCalendar
from tests.analytics.outage_data import CALENDAR, FIRST, LAST, write_loads

IDS = ["K1", "K2", "K3", "NOBODY"]


@pytest.fixture
def built(tmp_path: Path) -> Path:
    write_loads(tmp_path)
    assert typical.build_typical_loads(tmp_path, CALENDAR) == 2  # K1 and K2 have readings
    return tmp_path


def _from_readings(store_dir: Path, calendar: WorkCalendar = CALENDAR, days: int = 28) -> o.TypicalLoads:
    return typical._from_readings(store_dir, tuple(IDS), calendar, days=days, before=None).loads


def _same(a: o.TypicalLoads, b: o.TypicalLoads) -> None:
    assert a.customer_ids == b.customer_ids
    np.testing.assert_allclose(a.kw, b.kw, rtol=1e-12, equal_nan=True)
    assert a.first_day == b.first_day
    assert a.last_day == b.last_day
    assert a.provisional == b.provisional


def test_derived_profiles_equal_the_ones_computed_from_the_readings(built: Path) -> None:
    derived = typical.read_current(built, IDS, CALENDAR)
    assert derived is not None
    _same(derived, _from_readings(built))
    # By hand: working days (the adjusted working Saturday 10-10 among them) draw `slot` kW,
    # non-working days (the holiday Monday 10-05 among them) 1000 + slot; K2 half of K1.
    k1 = derived.profile("K1")
    assert k1 is not None
    np.testing.assert_allclose(k1[o.WORKING], np.arange(96.0))
    np.testing.assert_allclose(k1[o.NON_WORKING], 1000.0 + np.arange(96.0))
    np.testing.assert_allclose(derived.profile("K2"), k1 / 2)
    assert derived.first_day["K1"] == FIRST
    assert derived.last_day["K1"] == LAST
    assert derived.without_data == ["K3", "NOBODY"]
    assert np.isnan(derived.kw[derived.row("K3")]).all()


def test_the_file_is_small_sorted_and_has_the_declared_schema(built: Path) -> None:
    table = pq.read_table(store.dataset_path(built, typical.KIND))
    assert table.schema.remove_metadata() == store.DERIVED_SCHEMAS[typical.KIND]
    assert table.column("customer_id").to_pylist() == ["K1", "K2"]


def test_typical_loads_reads_the_derived_file_when_current(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _from_readings(built)

    def no_readings(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed from the readings although the derived file is current")

    monkeypatch.setattr(typical, "_from_readings", no_readings)
    _same(o.typical_loads(built, IDS, CALENDAR), expected)


def test_a_new_loads_import_makes_the_derived_file_stale(built: Path) -> None:
    # K1 now draws 7 kW everywhere on its last 28 days (a new loads file, as after an import).
    rows = []
    for d in range(28):
        for slot in range(96):
            ts = dt.datetime.combine(FIRST + dt.timedelta(days=d), dt.time()) + dt.timedelta(minutes=15 * slot)
            rows.append({"customer_id": "K1", "ts": ts, "kw": 7.0})
    write_dataset(built, "loads", rows)
    assert typical.read_current(built, IDS, CALENDAR) is None
    assert not typical.is_current(built, CALENDAR)
    fresh = o.typical_loads(built, IDS, CALENDAR)
    np.testing.assert_allclose(fresh.profile("K1"), 7.0)
    assert fresh.without_data == ["K2", "K3", "NOBODY"]
    # Rebuilt, the derived file says the same (and no cached copy of the old file is served).
    assert typical.ensure_typical_loads(built, CALENDAR) is True
    derived = typical.read_current(built, IDS, CALENDAR)
    assert derived is not None
    _same(derived, fresh)


def test_a_calendar_override_inside_the_window_makes_it_stale(built: Path) -> None:
    # An administrator declares Tuesday 2026-10-20 a day off: its `slot` kW now count as non-working.
    changed = WorkCalendar([Override(dt.date(2026, 10, 20), False, "停电检修日")])
    assert typical.read_current(built, IDS, changed) is None
    fresh = o.typical_loads(built, IDS, changed)
    _same(fresh, _from_readings(built, changed))
    k1 = fresh.profile("K1")
    assert k1 is not None
    non_working_days = sum(not changed.is_workday(FIRST + dt.timedelta(days=d)).workday for d in range(28))
    np.testing.assert_allclose(k1[o.NON_WORKING], 1000.0 + np.arange(96.0) - 1000.0 / non_working_days)
    np.testing.assert_allclose(k1[o.WORKING], np.arange(96.0))


def test_a_calendar_change_outside_the_window_keeps_it_current(built: Path) -> None:
    elsewhere = WorkCalendar([Override(dt.date(2026, 12, 25), False, "not in any window")])
    derived = typical.read_current(built, IDS, elsewhere)
    assert derived is not None
    _same(derived, _from_readings(built, elsewhere))


def test_other_days_or_a_history_moment_compute_from_the_readings(built: Path) -> None:
    assert typical.read_current(built, IDS, CALENDAR, days=14) is None
    _same(o.typical_loads(built, IDS, CALENDAR, days=14), _from_readings(built, days=14))
    before = o.typical_loads(built, ["K1"], CALENDAR, before=dt.datetime(2026, 10, 8))
    assert before.last_day["K1"] == dt.date(2026, 10, 7)


def test_a_missing_or_unreadable_file_falls_back(tmp_path: Path) -> None:
    write_loads(tmp_path)
    assert typical.read_current(tmp_path, IDS, CALENDAR) is None
    store.dataset_path(tmp_path, typical.KIND).write_bytes(b"not parquet")
    assert typical.read_current(tmp_path, IDS, CALENDAR) is None
    _same(o.typical_loads(tmp_path, IDS, CALENDAR), _from_readings(tmp_path))


def test_no_readings_builds_nothing(tmp_path: Path) -> None:
    assert typical.build_typical_loads(tmp_path, CALENDAR) is None
    assert not store.dataset_path(tmp_path, typical.KIND).exists()


def test_many_customers_read_across_row_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(typical, "ROW_GROUP_ROWS", 7)
    rows = []
    for i in range(40):
        for slot in range(96):
            ts = dt.datetime(2026, 11, 30) + dt.timedelta(minutes=15 * slot)
            rows.append({"customer_id": f"C{i:03d}", "ts": ts, "kw": float(i)})
    write_dataset(tmp_path, "loads", rows)
    assert typical.build_typical_loads(tmp_path, CALENDAR) == 40
    assert pq.ParquetFile(store.dataset_path(tmp_path, typical.KIND)).num_row_groups == 6
    wanted = ["C039", "C003", "X", "C020", "C021", "C000"]
    derived = typical.read_current(tmp_path, wanted, CALENDAR)
    assert derived is not None
    assert derived.customer_ids == tuple(wanted)
    for cid in wanted:
        profile = derived.profile(cid)
        assert profile is not None
        if cid == "X":
            assert np.isnan(profile).all()
        else:
            # 2026-11-30 is a Monday: only the working profile has readings.
            np.testing.assert_allclose(profile[o.WORKING], float(cid[1:]))
            assert np.isnan(profile[o.NON_WORKING]).all()
