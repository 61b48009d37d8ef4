"""Stage rules: one step at a time, dated and kept; "1+1" before an approved project moves on;
applied opens the account and the new-connection case; energised makes a key account that keeps
the project's history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from powerkam.accounts.models import Assignment, AssignmentRole, KeyStatus
from powerkam.core.errors import ApplicationError
from powerkam.prospects import services
from powerkam.prospects.models import Project, ReservationStatus, Stage
from powerkam.service.models import TicketKind
from tests.prospects.conftest import Grid, Team, make_project

D = dt.date
pytestmark = pytest.mark.django_db


def test_an_approved_project_does_not_move_on_without_both_managers(team: Team) -> None:
    project = make_project(team.supervisor, stage=Stage.APPROVED)
    with pytest.raises(ApplicationError, match=r"Missing: primary .* and secondary") as refused:
        services.project_advance(
            project=project, to_stage=Stage.APPLIED, by=team.supervisor, on=D(2026, 4, 1),
            connection=services.Connection("C8800001"),
        )  # fmt: skip
    assert refused.value.extra == {"missing": ["primary", "secondary"]}
    services.project_managers_set(project=project, by=team.supervisor, primary=team.business, secondary=None)
    with pytest.raises(ApplicationError, match=r"Missing: secondary \(technical\) manager\.$"):
        services.project_advance(
            project=project, to_stage=Stage.APPLIED, by=team.supervisor, on=D(2026, 4, 1),
            connection=services.Connection("C8800001"),
        )  # fmt: skip
    project.refresh_from_db()
    assert project.stage == Stage.APPROVED
    assert project.case is None
    # Losing it needs no managers.
    services.project_advance(project=project, to_stage=Stage.LOST, by=team.supervisor, lost_reason="项目取消")
    assert project.stage == Stage.LOST


def test_the_two_managers_are_two_staff_members(team: Team, approved: Project) -> None:
    with pytest.raises(ApplicationError, match="two different people"):
        services.project_managers_set(
            project=approved, by=team.supervisor, primary=team.business, secondary=team.business
        )
    with pytest.raises(ApplicationError, match="not a PowerKAM staff member"):
        services.project_managers_set(
            project=approved, by=team.supervisor, primary=team.viewer, secondary=team.business
        )
    with pytest.raises(ApplicationError, match="view prospects but not change them"):
        services.project_managers_set(project=approved, by=team.viewer, primary=team.business, secondary=team.technical)


def test_a_planned_project_moves_to_approved_without_managers(team: Team) -> None:
    project = make_project(team.business)
    services.project_advance(project=project, to_stage=Stage.APPROVED, by=team.business, on=D(2026, 5, 6))
    assert (project.stage, project.stage_since) == (Stage.APPROVED, D(2026, 5, 6))


def test_one_step_at_a_time_dated_and_never_backwards(team: Team, approved: Project) -> None:
    with pytest.raises(ApplicationError, match="cannot move to Energised; next: Applied for connection, Lost"):
        services.project_advance(project=approved, to_stage=Stage.ENERGISED, by=team.business)
    with pytest.raises(ApplicationError, match="before the project's last stage change"):
        services.project_advance(
            project=approved, to_stage=Stage.APPLIED, by=team.business, on=D(2026, 3, 1),
            connection=services.Connection("C8800001"),
        )  # fmt: skip
    with pytest.raises(ApplicationError, match="in the future"):
        services.project_advance(
            project=approved, to_stage=Stage.APPLIED, by=team.business, on=dt.date.today() + dt.timedelta(days=2),
            connection=services.Connection("C8800001"),
        )  # fmt: skip
    with pytest.raises(ApplicationError, match="Say why"):
        services.project_advance(project=approved, to_stage=Stage.LOST, by=team.business, lost_reason=" ")


def test_from_approval_to_energised_the_account_keeps_the_project_history(team: Team, approved: Project) -> None:
    services.project_advance(
        project=approved, to_stage=Stage.APPLIED, by=team.business, on=D(2026, 9, 28),
        connection=services.Connection("C8800001"), note="报装受理",
    )  # fmt: skip
    account = approved.account
    assert account is not None
    assert (account.customer_id, account.name, account.key_status) == (
        "C8800001", "示范新能源汽车零部件有限公司", KeyStatus.CANDIDATE,
    )  # fmt: skip
    assert (account.voltage_kv, account.contract_capacity_kva, account.industry) == (
        Decimal("110"),
        Decimal("20000"),
        "C",
    )
    # "1+1" carries over to the account.
    roles = dict(Assignment.objects.filter(account=account, active=True).values_list("role", "staff__username"))
    assert roles == {AssignmentRole.PRIMARY: "li.biz", AssignmentRole.SECONDARY: "wang.tech"}
    # The new-connection case opens with the scheme reply, owned by the primary manager.
    case = approved.case
    assert case is not None
    assert case.account == account
    assert not case.green_channel
    step = case.steps.get()
    assert (step.kind, step.limit_days, step.owner) == (TicketKind.SCHEME_REPLY, 15, team.business)

    services.project_advance(project=approved, to_stage=Stage.UNDER_CONSTRUCTION, by=team.technical, on=D(2026, 10, 20))
    services.project_advance(project=approved, to_stage=Stage.ENERGISED, by=team.technical, on=D(2026, 11, 20))

    account.refresh_from_db()
    assert (account.key_status, account.key_since, account.connected_on) == (
        KeyStatus.KEY, D(2026, 11, 20), D(2026, 11, 20),
    )  # fmt: skip
    assert account.grade == "B"  # no bills yet: medium until a grading run can judge it
    assert list(account.prospect_projects.all()) == [approved]
    kept = [(c.from_stage, c.to_stage, c.on) for c in approved.stage_changes.order_by("on", "id")]
    assert kept == [
        ("", Stage.APPROVED, D(2026, 3, 2)),
        (Stage.APPROVED, Stage.APPLIED, D(2026, 9, 28)),
        (Stage.APPLIED, Stage.UNDER_CONSTRUCTION, D(2026, 10, 20)),
        (Stage.UNDER_CONSTRUCTION, Stage.ENERGISED, D(2026, 11, 20)),
    ]
    assert approved.history.count() >= 5  # every save kept
    assert account.history.filter(history_change_reason="energised: prospect P2026-001").exists()
    with pytest.raises(ApplicationError, match="cannot change any more"):
        services.project_advance(project=approved, to_stage=Stage.LOST, by=team.business, lost_reason="x")


def test_green_channel_project_opens_its_case_on_green_limits(team: Team) -> None:
    project = make_project(team.supervisor, stage=Stage.APPROVED, green_channel=True, dual_supply=True)
    services.project_managers_set(project=project, by=team.supervisor, primary=team.business, secondary=team.technical)
    services.project_advance(
        project=project, to_stage=Stage.APPLIED, by=team.business, on=D(2026, 9, 28),
        connection=services.Connection("C8800002"),
    )  # fmt: skip
    assert project.case is not None
    assert project.case.green_channel
    assert project.case.dual_supply
    step = project.case.steps.get()
    assert (step.green_channel, step.limit_days) == (True, 20)  # dual supply: 30 normally, 20 on the green channel


def test_applying_for_an_existing_customer_links_its_account(team: Team, approved: Project) -> None:
    from factories import AccountFactory

    existing = AccountFactory(customer_id="C0001", name="老客户")
    services.project_advance(
        project=approved, to_stage=Stage.APPLIED, by=team.business, on=D(2026, 9, 28),
        connection=services.Connection("C0001"),
    )  # fmt: skip
    assert approved.account == existing
    existing.refresh_from_db()
    assert existing.name == "老客户"


def test_lost_releases_its_reservations(team: Team, approved: Project, grid: Grid) -> None:
    reservation = services.reservation_create(
        project=approved, by=team.business, kva=Decimal("1000"), valid_until=D(2027, 6, 30), feeder=grid.f001
    )
    services.project_advance(
        project=approved, to_stage=Stage.LOST, by=team.business, on=D(2026, 11, 2), lost_reason="业主改址"
    )
    reservation.refresh_from_db()
    assert (reservation.status, reservation.released_on) == (ReservationStatus.RELEASED, D(2026, 11, 2))
    assert approved.lost_reason == "业主改址"
    assert approved.stage_changes.last().note == "业主改址"  # type: ignore[union-attr]
