"""Fixtures for the prospect pipeline: a small team, a substation with three feeders, projects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from factories import StaffFactory
from powerkam.grid.models import Feeder, Substation
from powerkam.prospects import services
from powerkam.prospects.models import Project, Stage
from powerkam.staff.models import Role

D = dt.date


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assertions read the English messages."""
    with translation.override("en"):
        yield


@dataclass
class Team:
    supervisor: User
    business: User  # primary manager
    technical: User  # secondary manager
    viewer: User


@pytest.fixture
def team(db: Any) -> Team:
    sup = StaffFactory(role=Role.SUPERVISOR, name="张主任", user__username="zhang.sup", user__email="sup@example.com")
    business = StaffFactory(
        role=Role.MANAGER, supervisor=sup, name="李娜", user__username="li.biz", user__email="li@example.com"
    )
    technical = StaffFactory(
        role=Role.MANAGER, supervisor=sup, name="王强", user__username="wang.tech", user__email="wang@example.com"
    )
    viewer = StaffFactory(role=Role.VIEWER, name="赵敏", user__username="viewer")
    return Team(sup.user, business.user, technical.user, viewer.user)


@dataclass
class Grid:
    substation: Substation
    f001: Feeder  # 12,000 kVA rated, 7,014 kW peak → 3,786 kW headroom
    f002: Feeder  # 12,000 kVA rated, 6,466 kW peak → 4,334 kW headroom
    f009: Feeder  # peak load unknown


@pytest.fixture
def grid(db: Any) -> Grid:
    s01 = Substation.objects.create(substation_id="S01", name="示范S01变电站")
    f001 = Feeder.objects.create(
        feeder_id="F001", name="F001线", substation=s01, voltage_kv=Decimal("10"),
        rated_capacity_kva=Decimal("12000"), peak_load_kw=Decimal("7014"),
    )  # fmt: skip
    f002 = Feeder.objects.create(
        feeder_id="F002", name="F002线", substation=s01, voltage_kv=Decimal("10"),
        rated_capacity_kva=Decimal("12000"), peak_load_kw=Decimal("6466"),
    )  # fmt: skip
    f009 = Feeder.objects.create(
        feeder_id="F009", name="F009线", substation=s01, voltage_kv=Decimal("10"),
        rated_capacity_kva=Decimal("8000"), peak_load_kw=None,
    )  # fmt: skip
    return Grid(s01, f001, f002, f009)


def make_project(by: User, project_id: str = "P2026-001", **fields: Any) -> Project:
    defaults: dict[str, Any] = {
        "name": "示范区新能源汽车零部件产业园",
        "industry": "C",
        "district": "示范区",
        "expected_capacity_kva": Decimal("20000"),
        "expected_annual_kwh": Decimal("60000000"),
        "expected_energize_on": D(2027, 6, 30),
        "supply_voltage_kv": Decimal("110"),
        "government_contact": "发改委 王科长",
        "owner_name": "示范新能源汽车零部件有限公司",
    }
    defaults.update(fields)
    stage = defaults.pop("stage", Stage.PLANNED)
    on = defaults.pop("on", D(2026, 3, 2))
    return services.project_create(by=by, project_id=project_id, stage=stage, on=on, **defaults)


@pytest.fixture
def approved(team: Team) -> Project:
    """An approved project with its "1+1" managers."""
    project = make_project(team.supervisor, stage=Stage.APPROVED, on=D(2026, 3, 2))
    services.project_managers_set(project=project, by=team.supervisor, primary=team.business, secondary=team.technical)
    return project
