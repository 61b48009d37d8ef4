"""Fixtures for the outage tests (the /grid/ pages, /api/v1/grid, the services): a small hand-made grid
with known loads, and the sample extracts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import AccountFactory, AssignmentFactory, ContactFactory, StaffFactory, write_dataset
from powerkam.accounts.models import Account, AssignmentRole, KeyStatus
from powerkam.grid.models import Feeder, Substation
from powerkam.imports.services import import_file
from powerkam.staff.models import Role
from tests.conftest import SAMPLES


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Assertions read the English messages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "store"
    return Path(settings.ANALYTICS_DIR)


@pytest.fixture
def planner(db: Any) -> User:
    return StaffFactory(role=Role.PLANNER, user__username="chen.plan", name="陈刚").user


@pytest.fixture
def manager(db: Any) -> User:
    return StaffFactory(role=Role.MANAGER, user__username="li.mgr", name="李娜", user__email="li@example.com").user


@pytest.fixture
def planner_client(planner: User) -> Client:
    """The pages as the planner sees them, in English."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(planner)
    return client


def constant_loads(customer_id: str, kw: float, first: dt.date, days: int = 28) -> list[dict[str, Any]]:
    rows = []
    for d in range(days):
        day = first + dt.timedelta(days=d)
        for slot in range(96):
            rows.append(
                {
                    "customer_id": customer_id,
                    "ts": dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=15 * slot),
                    "kw": kw,
                }
            )
    return rows


@pytest.fixture
def small_grid(db: Any, store: Path, manager: User) -> dict[str, Account]:
    """S1 with F1, F2, F3.

    - KA: key account on F1, 100 kW all day, two contacts with email (and one without)
    - KB: key account, dual supply F1 + F2, 40 kW
    - KC: candidate (not a key account) on F1, no interval data
    - KD: key account on F3
    """
    s1 = Substation.objects.create(substation_id="S1", name="示范一变", district="东城区")
    for fid, peak in (("F1", "5000"), ("F2", "5000"), ("F3", "8900")):
        Feeder.objects.create(
            feeder_id=fid,
            name=f"{fid}线",
            substation=s1,
            voltage_kv=Decimal("10"),
            rated_capacity_kva=Decimal("10000"),
            peak_load_kw=Decimal(peak),
        )
    accounts = {
        "KA": AccountFactory(
            customer_id="KA", name="甲钢铁", key_status=KeyStatus.KEY, grade="A", feeders="F1", district="东城区"
        ),
        "KB": AccountFactory(
            customer_id="KB",
            name="乙医院",
            key_status=KeyStatus.KEY,
            grade="B",
            feeders="F1;F2",
            important_grade="first",
            district="东城区",
        ),
        "KC": AccountFactory(customer_id="KC", name="丙商场", feeders="F1", district="东城区"),
        "KD": AccountFactory(
            customer_id="KD",
            name="丁化工",
            key_status=KeyStatus.KEY,
            grade="C",
            feeders="F3",
            contract_capacity_kva=Decimal("10000"),
            district="西城区",
        ),
    }
    ContactFactory(account=accounts["KA"], name="王电工", email="wang@jia.example.com")
    ContactFactory(account=accounts["KA"], name="赵总", email="zhao@jia.example.com")
    ContactFactory(account=accounts["KA"], name="无邮箱", email="")
    ContactFactory(account=accounts["KB"], name="钱主任", email="qian@yi.example.com")
    AssignmentFactory(account=accounts["KA"], staff=manager, role=AssignmentRole.PRIMARY)
    first = dt.date(2026, 11, 1)
    write_dataset(store, "loads", constant_loads("KA", 100.0, first) + constant_loads("KB", 40.0, first))
    return accounts


@pytest.fixture
def samples_loaded(db: Any, store: Path) -> Path:
    for kind in ("feeders", "customers", "outages"):
        import_file(kind=kind, path=SAMPLES / f"{kind}.csv")
    import_file(kind="loads", path=SAMPLES / "loads-2026-10.parquet")
    Account.objects.filter(customer_id__in=["E006", "E009", "E010", "R00009"]).update(key_status=KeyStatus.KEY)
    return store
