"""Saving plans: capacity from the staff profile, unassigned accounts, superseding, overdue first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from powerkam.core.errors import ApplicationError
from powerkam.visits import services
from powerkam.visits.models import PlannedVisit, PlanStatus, VisitPlan
from tests.visits.helpers import key_account, visit

D = dt.date
pytestmark = pytest.mark.django_db
AS_OF = D(2026, 10, 31)


def test_plan_saved_with_capacity_and_unassigned(manager: User, supervisor: User) -> None:
    manager.staff.daily_visit_capacity = 2
    manager.staff.save()
    for i in range(3):
        account = key_account(f"K{i}", "C", key_since=D(2026, 9, 30), manager=manager)  # due 10-30
        visit(account, D(2026, 10, 13))  # due 11-13 (a Friday)
    key_account("NOBODY", "B", key_since=D(2026, 10, 10))  # due 11-10, no manager
    plan = services.plan_generate(first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), by=supervisor, as_of=AS_OF)
    rows = list(plan.visits.order_by("planned_on", "account__customer_id"))
    placed = [(p.account.customer_id, p.planned_on, p.late) for p in rows if p.planned_on]
    # Capacity 2: two on the due date, the third on the working day before — all on time.
    assert placed == [
        ("K2", D(2026, 11, 12), False),
        ("K0", D(2026, 11, 13), False),
        ("K1", D(2026, 11, 13), False),
    ]
    unassigned = plan.visits.get(manager__isnull=True)
    assert (unassigned.account.customer_id, unassigned.planned_on, unassigned.reason) == ("NOBODY", None, "unassigned")
    assert plan.created_by == supervisor


def test_a_new_plan_supersedes_the_overlapping_one(manager: User) -> None:
    key_account("K1", "C", key_since=D(2026, 10, 10), manager=manager)
    first = services.plan_generate(first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), as_of=AS_OF)
    later = services.plan_generate(first_day=D(2026, 12, 1), last_day=D(2026, 12, 31), as_of=AS_OF)
    again = services.plan_generate(first_day=D(2026, 11, 15), last_day=D(2026, 12, 15), as_of=AS_OF)
    statuses = dict(VisitPlan.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: PlanStatus.SUPERSEDED,
        later.pk: PlanStatus.SUPERSEDED,
        again.pk: PlanStatus.ACTIVE,
    }
    assert PlannedVisit.objects.filter(plan=first).exists()  # kept, never deleted


def test_overdue_accounts_take_the_first_days(manager: User) -> None:
    manager.staff.daily_visit_capacity = 1
    manager.staff.save()
    old = key_account("OLD", "C", manager=manager)
    visit(old, D(2026, 8, 1))  # due 09-01: overdue
    key_account("NEW", "C", key_since=D(2026, 10, 31), manager=manager)  # due 11-30
    plan = services.plan_generate(first_day=D(2026, 11, 2), last_day=D(2026, 11, 30), as_of=AS_OF)
    old_visit = plan.visits.get(account__customer_id="OLD", occurrence=1)
    assert (old_visit.planned_on, old_visit.late, old_visit.reason) == (D(2026, 11, 2), True, "overdue")
    assert plan.visits.get(account__customer_id="NEW").planned_on == D(2026, 11, 30)


def test_refusals(manager: User) -> None:
    with pytest.raises(ApplicationError, match="before its start"):
        services.plan_compute(first_day=D(2026, 11, 30), last_day=D(2026, 11, 1))
    with pytest.raises(ApplicationError, match="at most a year"):
        services.plan_compute(first_day=D(2026, 1, 1), last_day=D(2027, 6, 30))


def test_viewers_may_not_plan(db: None) -> None:
    from factories import StaffFactory
    from powerkam.staff.models import Role

    viewer = StaffFactory(role=Role.VIEWER).user
    with pytest.raises(ApplicationError, match="read-only"):
        services.plan_generate(first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), by=viewer)
