"""Moving a planned visit by hand: refused with a clear message and nothing changed, or moved alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from powerkam.core.errors import ApplicationError
from powerkam.visits import services
from powerkam.visits.models import PlannedVisit, VisitPlan
from tests.visits.helpers import key_account

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(manager: User, colleague: User) -> VisitPlan:
    for i in range(3):
        key_account(f"K{i}", "C", key_since=D(2026, 10, 13), manager=manager)  # due 11-13
    key_account("W1", "C", key_since=D(2026, 10, 12), manager=colleague)  # due 11-12
    return services.plan_generate(first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), as_of=D(2026, 10, 31))


def snapshot() -> list[tuple[object, ...]]:
    return list(
        PlannedVisit.objects.order_by("pk").values_list(
            "pk", "manager_id", "planned_on", "late", "reason", "moved_by_hand"
        )
    )


def test_move_to_another_working_day(plan: VisitPlan, manager: User) -> None:
    planned = plan.visits.get(account__customer_id="K0")
    before = {row[0]: row for row in snapshot()}
    moved = services.planned_visit_move(planned=planned, day=D(2026, 11, 10), by=manager)
    assert (moved.planned_on, moved.late, moved.moved_by_hand) == (D(2026, 11, 10), False, True)
    after = {row[0]: row for row in snapshot()}
    assert {pk for pk in after if after[pk] != before[pk]} == {planned.pk}


def test_move_past_the_due_date_is_flagged_late(plan: VisitPlan, manager: User) -> None:
    moved = services.planned_visit_move(
        planned=plan.visits.get(account__customer_id="K0"), day=D(2026, 11, 16), by=manager
    )
    assert (moved.late, moved.reason) == (True, "moved")


def test_adjusted_working_day_is_allowed(manager: User) -> None:
    key_account("K9", "B", key_since=D(2026, 9, 30), manager=manager)  # due 10-30
    plan = services.plan_generate(first_day=D(2026, 10, 1), last_day=D(2026, 10, 31), as_of=D(2026, 9, 30))
    moved = services.planned_visit_move(planned=plan.visits.get(), day=D(2026, 10, 10), by=manager)
    assert moved.planned_on == D(2026, 10, 10)


@pytest.mark.parametrize(
    ("day", "username", "message"),
    [
        (D(2026, 11, 14), None, "2026-11-14 is not a working day on the official calendar"),
        (D(2026, 10, 5), None, "2026-10-05 is not a working day"),  # National Day holiday (a Monday)
        (D(2026, 11, 12), "m2", None),  # allowed: m2 has one visit that day
        (D(2026, 11, 12), "nobody", "There is no active account manager with the user name 'nobody'"),
    ],
)
def test_refusals_change_nothing(
    plan: VisitPlan, manager: User, day: dt.date, username: str | None, message: str | None
) -> None:
    planned = plan.visits.get(account__customer_id="K0")
    before = snapshot()
    if message is None:
        services.planned_visit_move(planned=planned, day=day, username=username, by=manager)
        return
    with pytest.raises(ApplicationError, match=message):
        services.planned_visit_move(planned=planned, day=day, username=username, by=manager)
    assert snapshot() == before


def test_capacity_refusal(plan: VisitPlan, manager: User, supervisor: User) -> None:
    # K0..K2 fill 11-13 (capacity 3); a colleague's visit cannot join that day.
    other = plan.visits.get(account__customer_id="W1")
    before = snapshot()
    with pytest.raises(ApplicationError) as caught:
        services.planned_visit_move(planned=other, day=D(2026, 11, 13), username="m1", by=supervisor)
    assert caught.value.message == "m1 already has 3 visit(s) planned on 2026-11-13, the daily capacity (3)."
    assert snapshot() == before
    # Within the same manager's day, a visit already there may stay (it does not count against itself).
    own = plan.visits.get(account__customer_id="K1")
    services.planned_visit_move(planned=own, day=D(2026, 11, 13), by=manager)


def test_a_completed_visit_cannot_move(plan: VisitPlan, manager: User) -> None:
    planned = plan.visits.get(account__customer_id="K0")
    services.visit_record(account=planned.account, visited_on=D(2026, 11, 2), by=manager, planned=planned)
    with pytest.raises(ApplicationError, match="made already"):
        services.planned_visit_move(planned=planned, day=D(2026, 11, 10), by=manager)


def test_a_manager_cannot_move_someone_elses_visit(plan: VisitPlan, colleague: User) -> None:
    with pytest.raises(ApplicationError, match="do not manage"):
        services.planned_visit_move(
            planned=plan.visits.get(account__customer_id="K0"), day=D(2026, 11, 10), by=colleague
        )
