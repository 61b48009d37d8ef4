"""`powerkam demo build` and `powerkam demo logins`: the demo goes through the real importer."""

from __future__ import annotations

import collections
import io
import json
from pathlib import Path
from typing import Any

import ibis
import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from powerkam.accounts.models import Account, Assignment
from powerkam.analytics.grading import evaluate, load_tables
from powerkam.demo.selectors import DEMO_PASSWORD, demo_marker
from powerkam.demo.services import demo_build
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.imports.selectors import data_summary
from powerkam.staff.models import StaffProfile
from tests.demo.conftest import TODAY, read_csv, read_customers

pytestmark = pytest.mark.django_db

SMALL = ["--customers", "300", "--months", "13", "--load-months", "1", "--today", TODAY.isoformat()]


def demo(*args: str) -> Any:
    out = io.StringIO()
    call_command("demo", *args, "--format", "json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_build_imports_every_file_through_the_importer(data_dir: Path) -> None:
    result = demo("build", *SMALL)

    assert result["built"] is True
    files = Path(result["files_dir"])
    assert files == data_dir / "demo"
    rows = result["rows"]
    summary = data_summary()
    for kind in (
        "customers", "billing", "payments", "loads", "outages", "feeders", "projects", "staff", "visits",
        "applications", "contracts", "market",
    ):  # fmt: skip
        assert summary[kind] == rows[kind], kind
    assert summary["assignments"] == rows["assignments"]
    runs = ImportRun.objects.all()
    assert runs.count() == 15
    assert set(runs.values_list("status", flat=True)) == {ImportStatus.SUCCEEDED}
    assert {r.kind: r.rows for r in runs} == rows

    hv = [c for c in read_customers(files / "customers.csv") if float(c["voltage_kv"]) >= 10]
    assert Account.objects.count() == summary["crm_accounts"] == len(hv)
    important = Account.objects.exclude(important_grade="")
    assert important.exists()
    assert all(a.multiple_supply for a in important)
    assert Assignment.objects.filter(active=True, role="primary").count() == len(hv)
    # the extract's 地区类别 landed on the accounts (the fault-repair limits follow it)
    zh = {"城区": "urban", "农村": "rural", "特殊边远": "remote"}
    assert dict(Account.objects.values_list("customer_id", "area_class")) == {
        c["customer_id"]: zh[c["area_class"]] for c in hv
    }


def test_every_demo_login_works_with_the_demo_password(data_dir: Path) -> None:
    demo("build", *SMALL)

    staff = read_csv(data_dir / "demo" / "staff.csv")
    one_per_role = {member["role"]: member for member in staff}  # each check hashes: keep them few
    for member in one_per_role.values():
        user = authenticate(username=member["username"], password=DEMO_PASSWORD)
        assert user is not None, member["username"]
        assert user.groups.filter(name=member["role"]).exists()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert StaffProfile.objects.get(user=admin).role == "admin"
    managers = User.objects.filter(staff__role="manager")
    assert managers.count() >= 10
    assert not managers.filter(is_superuser=True).exists()


def test_if_missing_does_nothing_when_the_demo_is_built(data_dir: Path) -> None:
    first = demo("build", *SMALL)
    marker = demo_marker()
    assert marker is not None
    assert marker["spec"]["customers"] == 300
    billing = Path(first["files_dir"]) / "billing.parquet"
    written = billing.stat().st_mtime_ns
    runs = ImportRun.objects.count()

    again = demo("build", *SMALL, "--if-missing")

    assert again["built"] is False
    assert ImportRun.objects.count() == runs
    assert billing.stat().st_mtime_ns == written
    assert again["rows"] == first["rows"]


def test_if_missing_builds_when_nothing_is_there(data_dir: Path) -> None:
    result = demo("build", *SMALL, "--if-missing")
    assert result["built"] is True
    assert demo_marker() is not None


def test_building_the_same_demo_again_changes_nothing(data_dir: Path) -> None:
    demo("build", *SMALL)
    before = ImportRun.objects.count()

    demo("build", *SMALL)

    again = ImportRun.objects.order_by("pk")[before:]
    assert len(again) == 15
    for run in again:
        assert run.status == ImportStatus.SUCCEEDED
        assert (run.inserted, run.updated) == (0, 0), run.kind


def test_a_different_demo_is_refused_in_a_built_data_dir(data_dir: Path) -> None:
    demo_build(customers=300, months=13, load_months=1, today=TODAY)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("demo", "build", *SMALL[:-2], "--seed", "99", stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert "POWERKAM_DATA_DIR" in err.getvalue()


def test_logins_lists_every_user_with_role_and_password(data_dir: Path) -> None:
    demo("build", *SMALL)
    staff = read_csv(data_dir / "demo" / "staff.csv")
    User.objects.filter(username=staff[-1]["username"]).update(password="changed-elsewhere")

    logins = demo("logins")["logins"]
    text = io.StringIO()
    call_command("demo", "logins", stdout=text)

    assert [row["username"] for row in logins] == [s["username"] for s in staff]
    by_name = {row["username"]: row for row in logins}
    assert by_name["admin"]["superuser"] is True
    assert by_name[staff[0]["username"]]["password"] == DEMO_PASSWORD
    assert by_name[staff[-1]["username"]]["password"] != DEMO_PASSWORD
    for member in staff:
        assert by_name[member["username"]]["name"] == member["name"]
        assert member["username"] in text.getvalue()
    assert text.getvalue().count(DEMO_PASSWORD) == len(staff) - 1


def test_logins_before_a_build_says_what_to_do(data_dir: Path) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("demo", "logins", stdout=io.StringIO(), stderr=err)
    assert "powerkam demo build" in err.getvalue()


def test_bad_sizes_are_refused_with_a_message(data_dir: Path) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("demo", "build", "--customers", "5", stdout=io.StringIO(), stderr=err)
    assert "10" in err.getvalue()
    assert demo_marker() is None
    with pytest.raises(SystemExit):
        call_command("demo", "build", "--months", "12", "--load-months", "13", stdout=io.StringIO(), stderr=err)
    assert demo_marker() is None


@pytest.mark.slow
def test_a_2000_customer_province_passes_the_importer(data_dir: Path) -> None:
    result = demo("build", "--customers", "2000", "--today", TODAY.isoformat())

    summary = data_summary()
    assert summary["customers"] == 2000
    assert summary["billing"] == result["rows"]["billing"]
    assert summary["loads"] == result["rows"]["loads"] > 500_000
    assert summary["crm_accounts"] == 150

    # PowerKAM's own grading engine finds key accounts of every grade in it.
    graded = evaluate(load_tables(ibis.duckdb.connect(), data_dir / "store"), "2026-10").to_pylist()
    grades = collections.Counter(r["grade"] for r in graded if r["key_account"])
    key_accounts = sum(grades.values())
    assert 0.5 * 150 < key_accounts < 0.95 * 150
    assert 0.1 <= grades["A"] / key_accounts <= 0.25
    assert grades["B"] > grades["A"]
    assert grades["C"] > 0


def test_if_missing_builds_when_the_database_does_not_hold_the_demo(data_dir: Path) -> None:
    # A data directory whose marker names users this (fresh) database does not have.
    spec = {"customers": 300, "seed": 2026, "months": 13, "load_months": 1, "load_customers": 5000}
    (data_dir / "demo-province.json").write_text(json.dumps({"spec": spec, "logins": ["nobody"]}))

    result = demo("build", *SMALL, "--if-missing")

    assert result["built"] is True
    assert User.objects.filter(username="admin").exists()


def test_the_demo_is_graded_so_key_accounts_show_at_once(data_dir: Path) -> None:
    result = demo("build", *SMALL)

    from powerkam.grading.models import GradingRun

    run = GradingRun.objects.get()
    assert run.period == result["periods"][-1]
    key = Account.objects.filter(key_status="key")
    assert key.exists()
    assert set(key.values_list("grade", flat=True)) <= {"A", "B", "C"}
    assert not key.filter(grade="").exists()
    assert not Account.objects.exclude(key_status="key").exclude(grade="").exists()


def test_every_demo_account_has_a_stakeholder_map(data_dir: Path) -> None:
    from powerkam.accounts.models import Contact

    demo("build", *SMALL)
    accounts = Account.objects.count()
    assert accounts > 0
    assert Contact.objects.values("account").distinct().count() == accounts
    assert Contact.objects.filter(role="decision_maker", influence="high").count() >= accounts
    before = Contact.objects.count()
    demo("build", *SMALL)  # building again adds nobody twice
    assert Contact.objects.count() == before


def test_the_demo_has_a_visit_plan_for_the_next_two_months(data_dir: Path) -> None:
    from powerkam.visits.models import PlannedVisit, VisitPlan

    demo("build", *SMALL)
    plan = VisitPlan.objects.get()
    assert plan.first_day == TODAY
    planned = PlannedVisit.objects.filter(plan=plan)
    assert planned.exists()
    assert all(p.planned_on >= TODAY for p in planned)


def test_the_demo_has_recent_service_requests_and_surveys(data_dir: Path) -> None:
    from powerkam.insights.health import key_account_health
    from powerkam.insights.models import SatisfactionSurvey
    from powerkam.service.models import Ticket, TicketStatus

    demo("build", *SMALL)
    tickets = Ticket.objects.all()
    assert tickets.filter(status=TicketStatus.CLOSED).exists()
    assert all(t.closed_on is None or t.accepted_on <= t.closed_on <= TODAY for t in tickets)
    assert all(t.account is not None and t.account.key_status == "key" for t in tickets)
    surveys = SatisfactionSurvey.objects.all()
    assert surveys.exists()
    assert {s.score for s in surveys} <= {1, 2, 3, 4, 5}
    assert all(s.surveyed_on <= TODAY for s in surveys)
    # Retention offers with answers, for "what worked" and the offer tasks (docs/health.md).
    from powerkam.insights.models import RetentionOffer

    offers = RetentionOffer.objects.all()
    assert offers.exclude(outcome="pending").exists()
    assert all(o.offered_on <= TODAY for o in offers)
    # Every risk level is there for the health page to show.
    report = key_account_health(user=None, today=TODAY)
    assert {risk for risk, n in report.counts if n} >= {"medium", "low"}
    # This quarter's campaign asks every grade-A key account; the surveys of the quarter count.
    from powerkam.accounts.models import Account
    from powerkam.insights.campaigns import campaign_progress
    from powerkam.insights.models import SurveyCampaign

    campaign = SurveyCampaign.objects.get()
    assert campaign.starts_on <= TODAY <= campaign.due_on
    asked = set(campaign.targets.values_list("account__customer_id", flat=True))
    assert asked == set(Account.objects.key_accounts().active().filter(grade="A").values_list("customer_id", flat=True))
    progress = campaign_progress(campaign=campaign, user=campaign.created_by)
    assert progress.done == sum(
        1 for s in surveys if s.account.customer_id in asked and campaign.starts_on <= s.surveyed_on
    )
