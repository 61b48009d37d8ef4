"""Supply channel reservation: refused beyond headroom with the numbers; expired ones released and
the managers told (in the app and by email through a real SMTP server)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from powerkam.core.errors import ApplicationError
from powerkam.prospects import selectors, services
from powerkam.prospects.models import NoteKind, Project, ProspectNote, ReservationStatus, Stage
from tests.prospects.conftest import Grid, Team, make_project

D = dt.date
pytestmark = pytest.mark.django_db


def test_reservation_within_headroom_takes_it(team: Team, approved: Project, grid: Grid) -> None:
    reservation = services.reservation_create(
        project=approved, by=team.business, kva=Decimal("4000"), valid_until=D(2027, 6, 30), feeder=grid.f001
    )
    assert reservation.status == ReservationStatus.ACTIVE
    assert selectors.feeder_headroom(grid.f001).available_kw == Decimal("186")  # 3,786 − 3,600
    approved.refresh_from_db()
    assert approved.feeder == grid.f001  # the expected feeder is where capacity is held


def test_reservation_beyond_headroom_is_refused_with_the_numbers(team: Team, approved: Project, grid: Grid) -> None:
    services.reservation_create(
        project=approved, by=team.business, kva=Decimal("4000"), valid_until=D(2027, 6, 30), feeder=grid.f001
    )
    other = make_project(team.supervisor, "P2026-002", name="数据中心二期", stage=Stage.APPROVED)
    with pytest.raises(ApplicationError) as refused:
        services.reservation_create(
            project=other, by=team.business, kva=Decimal("500"), valid_until=D(2027, 3, 31), feeder=grid.f001
        )
    assert refused.value.message == (
        "Not enough headroom on F001线 (F001): rated 12,000 kVA × 0.9 = 10,800 kW, minus peak load 7,014 kW, "
        "minus 4,000 kVA already reserved (3,600 kW) leaves 186 kW (206.67 kVA); "
        "this reservation needs 500 kVA (450 kW)."
    )
    assert refused.value.extra["available_kw"] == "186.00"
    assert other.reservations.count() == 0


def test_unknown_headroom_is_refused(team: Team, approved: Project, grid: Grid) -> None:
    with pytest.raises(ApplicationError, match="headroom of F009线 \\(F009\\) is not known"):
        services.reservation_create(
            project=approved, by=team.business, kva=Decimal("10"), valid_until=D(2027, 6, 30), feeder=grid.f009
        )


def test_substation_reservation_counts_against_its_feeders(team: Team, approved: Project, grid: Grid) -> None:
    # S01's known feeders: 21,600 kW rated − 13,480 kW peak = 8,120 kW.
    services.reservation_create(
        project=approved, by=team.business, kva=Decimal("8000"), valid_until=D(2027, 6, 30), substation=grid.substation
    )  # 7,200 kW → 920 kW left on the substation
    other = make_project(team.supervisor, "P2026-002", name="数据中心二期", stage=Stage.APPROVED)
    # F002 alone has 4,334 kW, but the substation has only 920 kW left.
    with pytest.raises(ApplicationError, match=r"headroom on 示范S01变电站 \(S01\).*leaves 920 kW"):
        services.reservation_create(
            project=other, by=team.business, kva=Decimal("2000"), valid_until=D(2027, 3, 31), feeder=grid.f002
        )
    services.reservation_create(
        project=other, by=team.business, kva=Decimal("1000"), valid_until=D(2027, 3, 31), feeder=grid.f002
    )


def test_only_approved_projects_on_their_way_hold_capacity(team: Team, grid: Grid) -> None:
    planned = make_project(team.supervisor)
    with pytest.raises(ApplicationError, match="Only an approved project"):
        services.reservation_create(
            project=planned, by=team.business, kva=Decimal("10"), valid_until=D(2027, 6, 30), feeder=grid.f001
        )


def test_an_expired_reservation_no_longer_counts(team: Team, approved: Project, grid: Grid) -> None:
    services.reservation_create(
        project=approved, by=team.business, kva=Decimal("4000"), valid_until=D(2026, 11, 30), feeder=grid.f001,
        on=D(2026, 10, 1),
    )  # fmt: skip
    assert selectors.feeder_headroom(grid.f001, as_of=D(2026, 11, 30)).available_kw == Decimal("186")
    assert selectors.feeder_headroom(grid.f001, as_of=D(2026, 12, 1)).available_kw == Decimal("3786")


def test_expired_reservations_are_released_and_the_managers_told(
    team: Team, approved: Project, grid: Grid, smtp_server: Any
) -> None:
    kept = services.reservation_create(
        project=approved, by=team.business, kva=Decimal("1000"), valid_until=D(2026, 12, 31), feeder=grid.f002
    )
    expiring = services.reservation_create(
        project=approved, by=team.business, kva=Decimal("2000"), valid_until=D(2026, 11, 30), feeder=grid.f001,
        on=D(2026, 10, 1),
    )  # fmt: skip
    assert services.reservations_release_expired(today=D(2026, 11, 30)).released == 0  # still valid that day

    report = services.reservations_release_expired(today=D(2026, 12, 1))
    assert report.as_dict() == {"released": 1, "notified": 2, "emails": 2, "reservations": [expiring.pk]}
    expiring.refresh_from_db()
    kept.refresh_from_db()
    assert (expiring.status, expiring.released_on) == (ReservationStatus.EXPIRED, D(2026, 12, 1))
    assert kept.status == ReservationStatus.ACTIVE
    notes = ProspectNote.objects.filter(kind=NoteKind.RESERVATION_EXPIRED, reservation=expiring)
    assert sorted(n.user.get_username() for n in notes) == ["li.biz", "wang.tech"]
    assert all(n.emailed for n in notes)
    assert sorted(r for m in smtp_server.messages for r in m.recipients) == ["li@example.com", "wang@example.com"]
    message = smtp_server.messages[0]
    assert "2,000 kVA" in message.subject
    assert "F001线 (F001)" in message.subject
    # Mail goes out in the site language (zh-Hans).
    assert "容量有效期至 2026-11-30，已于 2026-12-01 释放" in message.text
    # Running again tells nobody twice.
    assert services.reservations_release_expired(today=D(2026, 12, 2)).released == 0
    assert len(smtp_server.messages) == 2


def test_expiry_runs_as_a_background_task(team: Team, approved: Project, grid: Grid, settings: Any) -> None:
    from powerkam.prospects.tasks import release_expired_reservations

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    services.reservation_create(
        project=approved, by=team.business, kva=Decimal("2000"), valid_until=D(2026, 11, 1), feeder=grid.f001,
        on=D(2026, 10, 1),
    )  # fmt: skip
    result = release_expired_reservations.enqueue(today="2026-11-02")
    assert result.return_value["released"] == 1
    assert approved.reservations.get().status == ReservationStatus.EXPIRED


def test_energised_marks_reservations_used(team: Team, approved: Project, grid: Grid) -> None:
    reservation = services.reservation_create(
        project=approved, by=team.business, kva=Decimal("1000"), valid_until=D(2027, 6, 30), feeder=grid.f001,
        on=D(2026, 9, 1),
    )  # fmt: skip
    services.project_advance(
        project=approved, to_stage=Stage.APPLIED, by=team.business, on=D(2026, 9, 28),
        connection=services.Connection("C8800001"),
    )  # fmt: skip
    services.project_advance(project=approved, to_stage=Stage.UNDER_CONSTRUCTION, by=team.business, on=D(2026, 10, 9))
    services.project_advance(project=approved, to_stage=Stage.ENERGISED, by=team.business, on=D(2026, 11, 9))
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.USED
