"""The derived typical loads are rebuilt after a loads import, after a calendar or rules change
(a queued job) and by ``powerkam data rebuild``; until then the stale file is never used."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from powerkam.analytics import store, typical
from powerkam.outages.services import outage_rules_set, typical_loads_refresh
from powerkam.workdays.selectors import work_calendar
from powerkam.workdays.services import calendar_override_set

pytestmark = pytest.mark.django_db


def _customers(store_dir: Path) -> list[str]:
    return (
        pq.read_table(store.dataset_path(store_dir, "loads"), columns=["customer_id"])
        .column("customer_id")
        .unique()
        .to_pylist()
    )


def _window_days(store_dir: Path) -> list[dt.date]:
    meta = pq.read_metadata(store.dataset_path(store_dir, typical.KIND)).metadata
    first = dt.date.fromisoformat(meta[b"powerkam_calendar_from"].decode())
    return [first + dt.timedelta(days=d) for d in range(len(meta[b"powerkam_calendar_day_types"]))]


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_loads_import_builds_the_typical_loads(samples_loaded: Path) -> None:
    store_dir = samples_loaded
    assert typical.is_current(store_dir, work_calendar())
    ids = _customers(store_dir)
    derived = typical.read_current(store_dir, ids, work_calendar())
    assert derived is not None
    computed = typical._from_readings(store_dir, tuple(ids), work_calendar(), days=28, before=None).loads
    np.testing.assert_allclose(derived.kw, computed.kw, rtol=1e-12, equal_nan=True)
    assert derived.last_day == computed.last_day


def test_a_calendar_change_queues_a_rebuild(
    samples_loaded: Path, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    store_dir = samples_loaded
    built = store_dir.joinpath("typical_loads.parquet").stat().st_mtime_ns
    # A working day inside the customers' windows becomes a day off: the file is stale at once …
    day = next(d for d in _window_days(store_dir) if work_calendar().is_workday(d).workday)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        calendar_override_set(date=day, is_workday=False, name="抢修")
        calendar_override_set(date=day, is_workday=False, name="抢修日")
    assert len(callbacks) == 1  # two changes in one transaction queue one rebuild
    assert not typical.is_current(store_dir, work_calendar())
    assert typical.read_current(store_dir, _customers(store_dir), work_calendar()) is None
    # … and current again once the queued job has run.
    callbacks[0]()
    assert typical.is_current(store_dir, work_calendar())
    assert store_dir.joinpath("typical_loads.parquet").stat().st_mtime_ns != built


def test_a_rules_change_of_the_days_queues_a_rebuild(
    samples_loaded: Path, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    store_dir = samples_loaded
    with django_capture_on_commit_callbacks(execute=True):
        outage_rules_set(rules_toml="[load]\ndays = 14\n")
    assert pq.read_metadata(store.dataset_path(store_dir, typical.KIND)).metadata[b"powerkam_days"] == b"14"
    assert typical.is_current(store_dir, work_calendar(), days=14)


def test_data_rebuild_builds_the_typical_loads(samples_loaded: Path) -> None:
    store_dir = samples_loaded
    store_dir.joinpath("typical_loads.parquet").unlink()
    out = io.StringIO()
    call_command("data", "rebuild", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == {"typical_loads": len(_customers(store_dir))}
    assert typical.is_current(store_dir, work_calendar())
    assert typical_loads_refresh() is None  # current: nothing to do
