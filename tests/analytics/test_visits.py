"""Visit cadence and planning (docs/rules.md §2) — pure, against the official 2026 calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from powerkam.analytics.visits import (
    GradeChange,
    PlanAccount,
    VisitRules,
    add_months,
    check_move,
    compliance,
    plan_visits,
    replay,
)
from powerkam.analytics.workcal import Override, WorkCalendar

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


# ---- cadence -------------------------------------------------------------------------------------


def test_rules_month_end_examples() -> None:
    # docs/rules.md §2: the 31st plus one month is the last day of the next month.
    assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert add_months(D(2026, 8, 31), 3) == D(2026, 11, 30)
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2027, 12, 31), 2) == D(2028, 2, 29)  # leap year


@pytest.mark.parametrize(("grade", "due"), [("A", D(2027, 2, 28)), ("B", D(2026, 11, 30)), ("C", D(2026, 9, 30))])
def test_next_due_is_last_visit_plus_cadence(grade: str, due: dt.date) -> None:
    state = replay(key_since=D(2026, 1, 31), grades=[GradeChange(D(2026, 1, 31), grade)], visits=[D(2026, 8, 31)])
    assert state.last_visit_on == D(2026, 8, 31)
    assert state.due_on == due


def test_first_visit_due_one_month_after_becoming_key() -> None:
    state = replay(key_since=D(2026, 3, 31), grades=[GradeChange(D(2026, 3, 31), "A")], visits=[])
    assert state.last_visit_on is None
    assert state.due_on == D(2026, 4, 30)


def test_imported_visit_before_key_counts() -> None:
    # Visited in 2025 (imported log), identified as key at the end of 2026-01: due from the old visit.
    state = replay(key_since=D(2026, 1, 31), grades=[GradeChange(D(2026, 1, 31), "B")], visits=[D(2025, 12, 15)])
    assert state.last_visit_on == D(2025, 12, 15)
    assert state.due_on == D(2026, 3, 15)
    assert state.visits[0].due_on is None  # it answered no due date: the account was not key yet


def test_grade_change_takes_the_earlier_due_date() -> None:
    grades = [GradeChange(D(2026, 1, 31), "A"), GradeChange(D(2026, 3, 31), "C")]
    # A: due 2026-07-10; becomes C on 03-31 → min(07-10, 01-10 + 1 month = 02-10) = 02-10 (overdue).
    state = replay(key_since=D(2026, 1, 31), grades=grades, visits=[D(2026, 1, 10)])
    assert state.grade == "C"
    assert state.due_on == D(2026, 2, 10)
    # As of before the change, the A cadence still applies.
    assert replay(key_since=D(2026, 1, 31), grades=grades, visits=[D(2026, 1, 10)], as_of=D(2026, 3, 1)).due_on == D(
        2026, 7, 10
    )


def test_grade_change_up_never_postpones() -> None:
    grades = [GradeChange(D(2026, 1, 31), "C"), GradeChange(D(2026, 2, 28), "A")]
    state = replay(key_since=D(2026, 1, 31), grades=grades, visits=[D(2026, 2, 10)])
    # C: due 03-10; becomes A: min(03-10, 02-10 + 6 months) = 03-10.
    assert state.due_on == D(2026, 3, 10)
    # The next visit then uses the A cadence.
    state = replay(key_since=D(2026, 1, 31), grades=grades, visits=[D(2026, 2, 10), D(2026, 3, 9)])
    assert state.due_on == D(2026, 9, 9)


def test_replay_records_each_visit_against_its_due_date() -> None:
    state = replay(
        key_since=D(2026, 1, 31),
        grades=[GradeChange(D(2026, 1, 31), "C")],
        visits=[D(2026, 3, 5), D(2026, 2, 20), D(2026, 4, 10)],
    )
    assert [(c.visited_on, c.due_on, c.on_time) for c in state.visits] == [
        (D(2026, 2, 20), D(2026, 2, 28), True),
        (D(2026, 3, 5), D(2026, 3, 20), True),
        (D(2026, 4, 10), D(2026, 4, 5), False),
    ]


def test_unknown_grade_is_refused() -> None:
    with pytest.raises(ValueError, match="grade"):
        replay(key_since=D(2026, 1, 1), grades=[GradeChange(D(2026, 1, 1), "Z")], visits=[])


def test_compliance_by_manager_and_grade() -> None:
    a = replay(
        key_since=D(2026, 1, 31), grades=[GradeChange(D(2026, 1, 31), "C")], visits=[D(2026, 2, 20), D(2026, 4, 10)]
    )
    b = replay(key_since=D(2025, 1, 31), grades=[GradeChange(D(2025, 1, 31), "A")], visits=[D(2026, 1, 5)])
    cells = compliance(
        [("m1", c) for c in a.visits] + [("m2", c) for c in b.visits], first_day=D(2026, 1, 1), last_day=D(2026, 12, 31)
    )
    assert (cells["m1", "C"].visits, cells["m1", "C"].on_time, cells["m1", "C"].rate) == (2, 1, 50.0)
    assert cells["m2", "A"].on_time == 0  # due 2025-02-28, visited 2026-01-05
    assert cells["*", "*"].visits == 3
    assert cells["*", "*"].rate == pytest.approx(33.3)


# ---- planning ------------------------------------------------------------------------------------


def test_plan_on_or_before_due_on_a_working_day(cal: WorkCalendar) -> None:
    plan = plan_visits(
        accounts=[PlanAccount("K1", "A", due_on=D(2026, 11, 15), manager="m1")],  # a Sunday
        first_day=D(2026, 11, 1),
        last_day=D(2026, 11, 30),
        calendar=cal,
    )
    (item,) = plan.items
    assert item.planned_on == D(2026, 11, 13)  # the Friday before
    assert not item.late
    assert item.reason == ""


def test_adjusted_working_day_is_used(cal: WorkCalendar) -> None:
    # 2026-10-10 is a Saturday worked after the National Day holiday; 10-11 (Sunday) is off.
    plan = plan_visits(
        accounts=[PlanAccount("K1", "B", due_on=D(2026, 10, 11), manager="m1")],
        first_day=D(2026, 10, 1),
        last_day=D(2026, 10, 31),
        calendar=cal,
    )
    assert plan.items[0].planned_on == D(2026, 10, 10)


def test_administrator_override_makes_a_day_off(cal: WorkCalendar) -> None:
    closed = WorkCalendar([Override(D(2026, 10, 10), False, "site closure")])
    plan = plan_visits(
        accounts=[PlanAccount("K1", "B", due_on=D(2026, 10, 11), manager="m1")],
        first_day=D(2026, 10, 1),
        last_day=D(2026, 10, 31),
        calendar=closed,
    )
    assert plan.items[0].planned_on == D(2026, 10, 9)


def test_capacity_moves_extra_visits_earlier_then_late(cal: WorkCalendar) -> None:
    accounts = [PlanAccount(f"K{i}", "C", due_on=D(2026, 11, 13), manager="m1") for i in range(5)]
    plan = plan_visits(accounts=accounts, first_day=D(2026, 11, 12), last_day=D(2026, 11, 30), calendar=cal)
    days = [(i.customer_id, i.planned_on, i.late, i.reason) for i in plan.items]
    assert days == [
        ("K3", D(2026, 11, 12), False, ""),
        ("K4", D(2026, 11, 12), False, ""),
        ("K0", D(2026, 11, 13), False, ""),
        ("K1", D(2026, 11, 13), False, ""),
        ("K2", D(2026, 11, 13), False, ""),
    ]
    # Capacity 2: 4 fit on or before the due date, the fifth is late on the next working day.
    plan = plan_visits(
        accounts=accounts, first_day=D(2026, 11, 12), last_day=D(2026, 11, 30), calendar=cal, capacities={"m1": 2}
    )
    late = plan.late
    assert [(i.customer_id, i.planned_on, i.reason) for i in late] == [("K4", D(2026, 11, 16), "no_capacity")]
    per_day: dict[dt.date, int] = {}
    for item in plan.items:
        assert item.planned_on is not None
        per_day[item.planned_on] = per_day.get(item.planned_on, 0) + 1
    assert max(per_day.values()) == 2


def test_capacity_is_per_manager(cal: WorkCalendar) -> None:
    accounts = [PlanAccount(f"K{i}", "C", due_on=D(2026, 11, 13), manager=f"m{i % 2}") for i in range(6)]
    plan = plan_visits(accounts=accounts, first_day=D(2026, 11, 13), last_day=D(2026, 11, 30), calendar=cal)
    assert all(i.planned_on == D(2026, 11, 13) and not i.late for i in plan.items)


def test_overdue_first_on_the_first_working_days(cal: WorkCalendar) -> None:
    accounts = [
        PlanAccount("NEW", "A", due_on=D(2026, 10, 9), manager="m1"),
        PlanAccount("OLD2", "C", due_on=D(2026, 9, 20), manager="m1"),
        PlanAccount("OLD1", "C", due_on=D(2026, 8, 1), manager="m1"),
    ]
    plan = plan_visits(
        accounts=accounts, first_day=D(2026, 10, 1), last_day=D(2026, 10, 9), calendar=cal, capacities={"m1": 1}
    )
    rows = [(i.customer_id, i.planned_on, i.late, i.reason) for i in plan.items]
    # 10-01…10-07 are holidays: the first working day is 10-08.
    assert rows == [
        ("OLD1", D(2026, 10, 8), True, "overdue"),
        ("OLD2", D(2026, 10, 9), True, "overdue"),
        ("NEW", D(2026, 10, 10), True, "no_capacity"),
    ]


def test_no_working_day_before_due(cal: WorkCalendar) -> None:
    plan = plan_visits(
        accounts=[PlanAccount("K1", "B", due_on=D(2026, 10, 5), manager="m1")],
        first_day=D(2026, 10, 1),
        last_day=D(2026, 10, 31),
        calendar=cal,
    )
    (item,) = plan.items
    assert (item.planned_on, item.late, item.reason) == (D(2026, 10, 8), True, "no_workday")


def test_repeats_inside_the_horizon(cal: WorkCalendar) -> None:
    plan = plan_visits(
        accounts=[
            PlanAccount("C1", "C", due_on=D(2026, 11, 30), manager="m1"),
            PlanAccount("A1", "A", due_on=D(2026, 11, 30), manager="m1"),
        ],
        first_day=D(2026, 11, 1),
        last_day=D(2027, 2, 28),
        calendar=cal,
    )
    c_visits = [(i.occurrence, i.due_on, i.planned_on) for i in plan.items if i.customer_id == "C1"]
    assert c_visits == [
        (1, D(2026, 11, 30), D(2026, 11, 30)),
        (2, D(2026, 12, 30), D(2026, 12, 30)),
        (3, D(2027, 1, 30), D(2027, 1, 29)),  # Saturday → Friday
        (4, D(2027, 2, 28), D(2027, 2, 26)),
    ]
    assert [i.occurrence for i in plan.items if i.customer_id == "A1"] == [1]


def test_unassigned_accounts_are_listed(cal: WorkCalendar) -> None:
    plan = plan_visits(
        accounts=[
            PlanAccount("K1", "B", due_on=D(2026, 11, 10)),
            PlanAccount("K2", "B", due_on=D(2026, 11, 10), manager="m"),
        ],
        first_day=D(2026, 11, 1),
        last_day=D(2026, 11, 30),
        calendar=cal,
    )
    assert [(i.customer_id, i.username, i.planned_on, i.reason) for i in plan.unassigned] == [
        ("K1", None, None, "unassigned")
    ]
    assert plan.items[-1].customer_id == "K1"  # listed last


def test_not_due_in_horizon_is_left_out(cal: WorkCalendar) -> None:
    plan = plan_visits(
        accounts=[PlanAccount("K1", "A", due_on=D(2027, 1, 10), manager="m")],
        first_day=D(2026, 11, 1),
        last_day=D(2026, 11, 30),
        calendar=cal,
    )
    assert plan.items == ()


def test_visits_of_a_day_grouped_by_district(cal: WorkCalendar) -> None:
    accounts = [
        PlanAccount("K1", "C", due_on=D(2026, 11, 13), district="东城区", manager="m1"),
        PlanAccount("K2", "C", due_on=D(2026, 11, 13), district="西城区", manager="m1"),
        PlanAccount("K3", "C", due_on=D(2026, 11, 13), district="东城区", manager="m1"),
    ]
    plan = plan_visits(accounts=accounts, first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), calendar=cal)
    assert [(i.customer_id, i.district) for i in plan.items] == [("K1", "东城区"), ("K3", "东城区"), ("K2", "西城区")]


def test_district_pulls_a_visit_to_a_day_in_the_same_district(cal: WorkCalendar) -> None:
    accounts = [
        PlanAccount("E1", "C", due_on=D(2026, 11, 11), district="东城区", manager="m1"),  # Wednesday
        PlanAccount("W1", "C", due_on=D(2026, 11, 12), district="西城区", manager="m1"),
        PlanAccount("E2", "C", due_on=D(2026, 11, 13), district="东城区", manager="m1"),
    ]
    plan = plan_visits(accounts=accounts, first_day=D(2026, 11, 1), last_day=D(2026, 11, 30), calendar=cal)
    days = {i.customer_id: i.planned_on for i in plan.items}
    # E2 joins E1 on Wednesday instead of going out alone on Friday; still on time.
    assert days == {"E1": D(2026, 11, 11), "W1": D(2026, 11, 12), "E2": D(2026, 11, 11)}
    no_window = plan_visits(
        accounts=accounts,
        first_day=D(2026, 11, 1),
        last_day=D(2026, 11, 30),
        calendar=cal,
        rules=VisitRules(district_window_workdays=0),
    )
    assert {i.customer_id: i.planned_on for i in no_window.items}["E2"] == D(2026, 11, 13)


def test_plan_is_deterministic(cal: WorkCalendar) -> None:
    accounts = [
        PlanAccount(f"K{i:03d}", "ABC"[i % 3], due_on=D(2026, 11, 1) + dt.timedelta(days=i % 17), manager=f"m{i % 4}")
        for i in range(60)
    ]
    first = plan_visits(accounts=accounts, first_day=D(2026, 11, 1), last_day=D(2027, 1, 31), calendar=cal)
    second = plan_visits(
        accounts=list(reversed(accounts)), first_day=D(2026, 11, 1), last_day=D(2027, 1, 31), calendar=cal
    )
    assert first == second
    for item in first.items:
        assert item.planned_on is not None
        assert cal.is_workday(item.planned_on).workday
        assert item.late == (item.planned_on > item.due_on)


def test_zero_capacity_manager_gets_listed_not_placed(cal: WorkCalendar) -> None:
    plan = plan_visits(
        accounts=[PlanAccount("K1", "B", due_on=D(2026, 11, 10), manager="m")],
        first_day=D(2026, 11, 1),
        last_day=D(2026, 11, 30),
        calendar=cal,
        capacities={"m": 0},
    )
    assert (plan.items[0].planned_on, plan.items[0].reason) == (None, "no_capacity")


def test_check_move(cal: WorkCalendar) -> None:
    known = {"m1": 3}
    assert check_move(day=D(2026, 10, 10), username="m1", calendar=cal, known_managers=known, booked_that_day=2) == ""
    assert (
        check_move(day=D(2026, 10, 11), username="m1", calendar=cal, known_managers=known, booked_that_day=0)
        == "not_workday"
    )
    assert (
        check_move(day=D(2026, 10, 12), username="m1", calendar=cal, known_managers=known, booked_that_day=3)
        == "capacity"
    )
    assert (
        check_move(day=D(2026, 10, 12), username="zz", calendar=cal, known_managers=known, booked_that_day=0)
        == "unknown_manager"
    )
