"""``powerkam visits due|plan|digest`` in text and JSON."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from powerkam.visits.models import PlanStatus, VisitPlan
from tests.visits.helpers import key_account, visit

D = dt.date
pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("visits", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def accounts(manager: User) -> None:
    a = key_account("KA", "A", manager=manager)
    visit(a, D(2026, 8, 31))
    b = key_account("KB", "B", manager=manager, district="西城区")
    visit(b, D(2026, 8, 31), imported=True)
    key_account("KX", "C", key_since=D(2026, 10, 10))  # no manager, due 11-10


def test_due_json(accounts: None) -> None:
    code, out, _ = run("due", "--as-of", "2026-10-31", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["as_of"] == "2026-10-31"
    assert [
        {k: item[k] for k in ("customer_id", "grade", "username", "last_visit_on", "due_on")} for item in data["items"]
    ] == [
        {"customer_id": "KX", "grade": "C", "username": None, "last_visit_on": None, "due_on": "2026-11-10"},
        {"customer_id": "KB", "grade": "B", "username": "m1", "last_visit_on": "2026-08-31", "due_on": "2026-11-30"},
        {"customer_id": "KA", "grade": "A", "username": "m1", "last_visit_on": "2026-08-31", "due_on": "2027-02-28"},
    ]


def test_due_text(accounts: None) -> None:
    code, out, _ = run("due", "--as-of", "2026-10-31")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[1].split() == ["KX", "C", "—", "—", "2026-11-10"]
    assert lines[-1] == "3 accounts"


def test_plan_json_saves_the_plan(accounts: None) -> None:
    code, out, _ = run("plan", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json")
    assert code == 0
    data = json.loads(out)
    items = [
        {k: i[k] for k in ("customer_id", "username", "planned_on", "due_on", "late", "district")}
        for i in data["items"]
    ]
    assert items == [
        {
            "customer_id": "KB",
            "username": "m1",
            "planned_on": "2026-11-30",
            "due_on": "2026-11-30",
            "late": False,
            "district": "西城区",
        },
        {
            "customer_id": "KX",
            "username": None,
            "planned_on": None,
            "due_on": "2026-11-10",
            "late": False,
            "district": "东城区",
        },
    ]
    assert data["items"][1]["reason"] == "unassigned"
    assert data["unassigned"] == 1
    assert VisitPlan.objects.get(pk=data["plan"]).status == PlanStatus.ACTIVE


def test_plan_text_dry_run(accounts: None) -> None:
    code, out, _ = run("plan", "--from", "2026-11-01", "--to", "2026-11-30", "--dry-run")
    assert code == 0
    assert "2026-11-30  m1" in out
    assert "The account has no manager" in out
    assert "2 visits, 0 late, 1 without a manager" in out
    assert not VisitPlan.objects.exists()


def test_bad_input_is_a_clean_error(accounts: None) -> None:
    code, out, err = run("plan", "--from", "2026-11-30", "--to", "2026-11-01", "--format", "json")
    assert code == 1
    assert json.loads(out) == {"error": "The end of the plan (2026-11-01) is before its start (2026-11-30)."}
    assert "Traceback" not in err
    code, _, err = run("due", "--as-of", "tomorrow")
    assert code == 1
    assert "'tomorrow' is not a date in the form YYYY-MM-DD." in err


def test_digest_command(accounts: None, mailoutbox: list[object]) -> None:
    code, out, _ = run("digest", "--today", "2026-11-02", "--format", "json")
    assert code == 0
    assert json.loads(out)["recipients"] == ["m1"]
    assert len(mailoutbox) == 1
