"""``powerkam prospects``: release expired reservations, the report, headroom and sync from the command line."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from powerkam.prospects import services
from powerkam.prospects.models import Project, ReservationStatus
from tests.prospects.conftest import Grid, Team

D = dt.date
pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("prospects", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_release_report_and_headroom(team: Team, approved: Project, grid: Grid, tmp_path: Path) -> None:
    services.reservation_create(
        project=approved, by=team.business, kva=Decimal("1000"), valid_until=D(2026, 11, 2), feeder=grid.f001,
        on=D(2026, 10, 1),
    )  # fmt: skip
    headroom = json.loads(run("headroom", "--format", "json"))
    # Valid until 2026-11-02, which has passed: the feeder is listed (the project's expected feeder), the
    # reservation no longer counts.
    assert [(f["feeder_id"], f["available_kw"], f["reserved_kva"], f["projects"]) for f in headroom["feeders"]] == [
        ("F001", 3786.0, 0.0, ["P2026-001"])
    ]
    released = json.loads(run("release-expired", "--date", "2026-11-03", "--format", "json"))
    assert released["released"] == 1
    assert approved.reservations.get().status == ReservationStatus.EXPIRED

    xlsx = tmp_path / "report.xlsx"
    text = run("report", "--date", "2026-11-27", "--xlsx", str(xlsx))
    assert "P2026-001" in text
    assert openpyxl.load_workbook(xlsx).active["A4"].value == "P2026-001"  # type: ignore[index]
    assert json.loads(run("sync", "--format", "json")) == {"action": "sync", "recorded": 0}


def test_bad_date_is_a_clean_error(team: Team) -> None:
    with pytest.raises(SystemExit):
        run("release-expired", "--date", "27.11.2026")
