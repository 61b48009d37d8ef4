"""Funnel arithmetic on dated stage changes (pure), and the funnel read from the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from powerkam.prospects import selectors, services
from powerkam.prospects.funnel import Change, ExpectedLoad, ProjectPath, funnel, funnels_by, load_by_quarter
from powerkam.prospects.models import Stage
from tests.prospects.conftest import Team, make_project

D = dt.date


def path(
    key: str, stage: str, *changes: tuple[str, str, dt.date], district: str = "", industry: str = ""
) -> ProjectPath:
    return ProjectPath(key, stage, district, industry, tuple(Change(*c) for c in changes))


PATHS = [
    # planned 2026-01-01 → approved 01-31 (30 days) → applied 03-02 (30 days) → under construction 04-01 → energised 06-30
    path(
        "E",
        "energised",
        ("", "planned", D(2026, 1, 1)),
        ("planned", "approved", D(2026, 1, 31)),
        ("approved", "applied", D(2026, 3, 2)),
        ("applied", "under_construction", D(2026, 4, 1)),
        ("under_construction", "energised", D(2026, 6, 30)),
        district="东城区",
        industry="C",
    ),
    # brought in approved (time in planned unknown), lost at approved after 10 days
    path("L", "lost", ("", "approved", D(2026, 2, 1)), ("approved", "lost", D(2026, 2, 11)), district="东城区"),
    # planned 2026-01-01, approved 03-02 (60 days), still approved
    path("A", "approved", ("", "planned", D(2026, 1, 1)), ("planned", "approved", D(2026, 3, 2)), district="西城区"),
    # planned, still planned
    path("P", "planned", ("", "planned", D(2026, 5, 1)), district="西城区", industry="C"),
]


def test_reached_moved_on_conversion_lost_and_now() -> None:
    result = funnel(PATHS)
    rows = {s.stage: (s.reached, s.moved_on, s.conversion, s.lost, s.now) for s in result.stages}
    assert rows == {
        "planned": (4, 3, 75.0, 0, 1),
        "approved": (3, 1, 33.3, 1, 1),
        "applied": (1, 1, 100.0, 0, 0),
        "under_construction": (1, 1, 100.0, 0, 0),
        "energised": (1, 0, None, 0, 1),
    }
    assert result.total == 4


def test_time_in_stage_counts_finished_stays_with_a_known_start() -> None:
    result = funnel(PATHS)
    assert result.stage("planned").days == [30, 60]
    assert (result.stage("planned").mean_days, result.stage("planned").median_days) == (45.0, 45.0)
    assert sorted(result.stage("approved").days) == [10, 30]
    assert result.stage("under_construction").days == [90]
    assert result.stage("energised").days == []


def test_by_district_and_industry() -> None:
    by_district = funnels_by(PATHS, "district")
    assert [(f.key, f.total) for f in by_district] == [("东城区", 2), ("西城区", 2)]
    by_industry = funnels_by(PATHS, "industry")
    assert [(f.key, f.total) for f in by_industry] == [("", 2), ("C", 2)]
    assert by_industry[1].stage("energised").reached == 1


def test_expected_load_by_quarter_leaves_out_energised_and_lost() -> None:
    quarters = load_by_quarter(
        [
            ExpectedLoad("1", "approved", D(2027, 3, 31), Decimal("40000"), Decimal("250000000")),
            ExpectedLoad("2", "planned", D(2027, 1, 5), Decimal("8000"), None),
            ExpectedLoad("3", "approved", D(2027, 6, 30), Decimal("20000"), Decimal("60000000")),
            ExpectedLoad("4", "planned", None, Decimal("1000"), Decimal("1")),
            ExpectedLoad("5", "energised", D(2027, 1, 1), Decimal("999"), None),
            ExpectedLoad("6", "lost", D(2027, 1, 1), Decimal("999"), None),
        ]
    )
    assert [(q.quarter, q.projects, q.total_kva, q.total_kwh) for q in quarters] == [
        ("2027Q1", 2, Decimal("48000"), Decimal("250000000")),
        ("2027Q2", 1, Decimal("20000"), Decimal("60000000")),
        ("—", 1, Decimal("1000"), Decimal("1")),
    ]
    assert quarters[0].capacity_kva == {"approved": Decimal("40000"), "planned": Decimal("8000")}


@pytest.mark.django_db
def test_funnel_from_the_database(team: Team) -> None:
    project = make_project(team.supervisor, "P1", on=D(2026, 1, 1))
    services.project_advance(project=project, to_stage=Stage.APPROVED, by=team.business, on=D(2026, 1, 31))
    make_project(team.supervisor, "P2", on=D(2026, 2, 1))
    result = funnel(selectors.funnel_paths())
    assert (result.stage("planned").reached, result.stage("planned").moved_on, result.stage("planned").days) == (
        2,
        1,
        [30],
    )
