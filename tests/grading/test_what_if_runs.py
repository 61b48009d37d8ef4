"""Grading an older period is a what-if unless published; changes compare with the previous period (issue 19).

The store holds 14 months ending 2026-10. K is a key account all along; J starts using electricity in
2026-04, so it has 5 active months in the window of 2026-08 (not key) and 6 in that of 2026-09 (key).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from factories import StaffFactory
from grading.grading_store import customer, monthly_bills, pay_on_time, periods_ending, write_store
from powerkam.accounts.models import Account, KeyStatus
from powerkam.grading.models import AccountGrade, Baseline, Change, GradingRun
from powerkam.grading.selectors import account_grade_history, roster, run_latest, run_previous
from powerkam.grading.services import grading_run_create, grading_run_execute
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db

MONTHS = periods_ending("2026-10", 14)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def store(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "store"
    path.mkdir()
    settings.ANALYTICS_DIR = path
    k = monthly_bills("K", MONTHS)
    j = monthly_bills("J", MONTHS)
    for bill in j:
        if bill["period"] < "2026-04":
            bill["kwh"] = 0
    write_store(path, customers=[customer("K"), customer("J")], billing=k + j, payments=pay_on_time(k + j))
    return path


def grade(period: str, *, publish: bool = False) -> GradingRun:
    return grading_run_execute(run=grading_run_create(period=period, publish=publish))


def changes(run: GradingRun) -> dict[str, str]:
    return dict(AccountGrade.objects.filter(run=run).values_list("account__customer_id", "change"))


def test_an_older_period_is_a_what_if_that_changes_no_grade(store: Path) -> None:
    current = grade("2026-10")
    assert not current.what_if
    j = Account.objects.get(customer_id="J")
    assert (j.key_status, j.grade) == (KeyStatus.KEY, "B")
    history_before = j.history.count()

    older = grade("2026-08")
    assert older.what_if
    j.refresh_from_db()
    assert (j.key_status, j.grade) == (KeyStatus.KEY, "B")  # not replaced by the older month
    assert j.history.count() == history_before
    assert run_latest() == current  # the roster stays the current period's
    # Kept: its grades are recorded (J was not a key account in 2026-08) …
    assert AccountGrade.objects.get(run=older, account=j).key_account is False
    # … but they are no account's history, and the roster shows them only when asked for.
    assert [g.run for g in account_grade_history(account=j)] == [current]
    superuser = StaffFactory(role=Role.SUPERVISOR).user
    assert {g.account.customer_id for g in roster(user=superuser, run=older)} == {"K"}
    # Never compared backwards with 2026-10: no earlier period was graded, so nothing to compare with.
    assert (older.baseline, older.compared_with) == (Baseline.NOTHING, None)
    assert changes(older) == {"K": Change.JOINED, "J": Change.NONE}


def test_changes_compare_with_the_previous_period_never_backwards(store: Path) -> None:
    current = grade("2026-10")
    august = grade("2026-08")
    september = grade("2026-09")
    assert september.what_if
    assert (september.baseline, september.compared_with) == (Baseline.PREVIOUS_PERIOD, august)
    assert run_previous(run=september) == august
    assert changes(september) == {"K": Change.SAME, "J": Change.JOINED}  # J joined in 2026-09, seen forwards
    assert september.joined == 1

    again = grade("2026-10")  # the current period again: published, compared with 2026-09
    assert not again.what_if
    assert (again.baseline, again.compared_with) == (Baseline.PREVIOUS_PERIOD, september)
    assert changes(again) == {"K": Change.SAME, "J": Change.SAME}
    assert run_latest() == again
    assert current.pk < again.pk


def test_the_supervisor_can_publish_an_older_period(store: Path) -> None:
    grade("2026-10")
    published = grade("2026-08", publish=True)
    assert not published.what_if
    assert run_latest() == published
    j = Account.objects.get(customer_id="J")
    assert j.key_status == KeyStatus.FORMER  # the 2026-08 result is now the current one
    assert published.baseline == Baseline.NOTHING


def test_a_what_if_creates_no_account(store: Path) -> None:
    grade("2026-10")
    write_store(  # a new key account appears in the store
        store,
        customers=[customer("K"), customer("J"), customer("N")],
        billing=monthly_bills("K", MONTHS) + monthly_bills("J", MONTHS) + monthly_bills("N", MONTHS),
    )
    older = grade("2026-09")
    assert older.what_if
    assert older.accounts_created == 0
    assert not Account.objects.filter(customer_id="N").exists()
    assert older.key_accounts == 3  # counted, not created


def test_the_command_line_says_what_if_and_publishes_on_request(store: Path) -> None:
    grade("2026-10")
    out, err = StringIO(), StringIO()
    call_command("grade", "--period", "2026-08", "--format", "json", stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    assert (data["what_if"], data["published"], data["baseline"]) == (True, False, "nothing")
    out = StringIO()
    call_command("grade", "--period", "2026-09", stdout=out, stderr=err)
    text = out.getvalue()
    assert "What-if: 2026-09 is older than the roster's period" in text
    assert "Since the previous period (2026-08" in text
    out = StringIO()
    call_command("grade", "--period", "2026-09", "--publish", "--format", "json", stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    assert (data["what_if"], data["compared_with_period"]) == (False, "2026-08")
    assert run_latest().pk == data["run"]  # type: ignore[union-attr]


def test_the_pages_and_the_api_say_what_if(client: Client, store: Path) -> None:
    grade("2026-10")
    older = grade("2026-08")
    supervisor = StaffFactory(role=Role.SUPERVISOR).user
    client.force_login(supervisor)
    runs = client.get("/grading/runs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = runs.split(f'data-run="{older.pk}"')[1].split("</tr>")[0]
    assert "data-what-if" in row
    assert 'name="publish"' in runs
    detail = client.get(f"/grading/runs/{older.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "data-what-if" in detail
    assert "not published" in detail
    assert "no earlier period graded: every key account counts as joined" in detail
    roster_page = client.get(f"/grading/?run={older.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "data-what-if" in roster_page
    assert "data-what-if" not in client.get("/grading/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = client.get(f"/grading/runs/{older.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "假设分析" in zh

    body = client.get(f"/api/v1/grading/runs/{older.pk}").json()
    assert (body["what_if"], body["publish"], body["baseline"], body["compared_with"]) == (
        True,
        False,
        "nothing",
        None,
    )
    assert client.get("/api/v1/grading/roster").json()["run"] != older.pk
