"""Issue 19 part 4, the missing outage pages: the month plan page (pick or upload the jobs, plan,
compare with the earliest-start plan and the bound, accept all or nothing, Excel), the ride-through
accounts named, "plan this window" from a suggestion, and the default priority weights."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from factories import StaffFactory
from powerkam.accounts.models import Account
from powerkam.analytics import outages as engine
from powerkam.api.services import api_token_issue
from powerkam.core.errors import ApplicationError
from powerkam.outages import selectors, services
from powerkam.outages.models import OutageStatus, PlannedOutage
from powerkam.staff.models import Role


def local(*args: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))  # type: ignore[arg-type]


@pytest.fixture
def draft(small_grid: dict[str, Account], planner: User) -> PlannedOutage:
    return services.outage_create(
        title="F1 开关检修",
        feeders="F1",
        start=local(2026, 12, 1, 8),
        end=local(2026, 12, 1, 12),
        crew="c1",
        by=planner,
    )


# -- default weights (docs/outages.md "Weights") ------------------------------------------------------


def test_grade_a_and_important_users_weigh_more_by_default() -> None:
    rules = engine.OutageRules()
    assert rules.weight() == 1.0
    assert rules.weight(grade="A") == 3.0
    assert rules.weight(grade="B") == 1.0
    assert rules.weight(important_grade="special") == 10.0
    assert rules.weight(grade="A", important_grade="first") == 5.0  # the larger one
    assert rules.weight(important_grade="second") == 2.0
    assert rules.weight(important_grade="temporary") == 1.0
    # A rules version that sets the tables replaces them: an empty table means no priority.
    flat = engine.OutageRules.from_toml("[weights.grade]\n[weights.important_grade]\n")
    assert flat.weight(grade="A", important_grade="special") == 1.0
    assert "A = 3.0" in rules.to_toml()


def test_default_weights_reach_the_impact(small_grid: dict[str, Account]) -> None:
    report = selectors.outage_impact(feeders="F1", start=local(2026, 12, 10, 8), end=local(2026, 12, 10, 12))
    ka = next(r for r in report.interrupted if r["customer_id"] == "KA")
    assert ka["weight"] == 3.0  # grade A
    assert report.ens_kwh == pytest.approx(400.0)  # 100 kW × 4 h
    assert report.weighted_ens_kwh == pytest.approx(1200.0)


# -- ride-through accounts named -------------------------------------------------------------------------


def test_riding_through_accounts_are_named(planner_client: Client, small_grid: dict[str, Account]) -> None:
    report = selectors.outage_impact(feeders="F1", start=local(2026, 12, 10, 8), end=local(2026, 12, 10, 12))
    assert report.riding_through == ["KB"]
    assert report.riding_through_accounts == [
        {
            "customer_id": "KB",
            "name": "乙医院",
            "feeders": ["F1", "F2"],
            "key_account": True,
            "grade": "B",
            "important_grade": "first",
        }
    ]
    page = planner_client.get(
        "/grid/impact/", {"feeders": "F1", "start": "2026-12-10T08:00", "end": "2026-12-10T12:00"}
    ).content.decode()
    riding = page[page.index('id="riding-through"') :]
    assert "乙医院" in riding
    assert "F1 + F2" in riding

    token = api_token_issue(username="chen.plan").token
    response = Client().post(
        "/api/v1/grid/impact",
        {"feeders": "F1", "start": "2026-12-10T08:00", "end": "2026-12-10T12:00"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert response.json()["riding_through_accounts"][0]["name"] == "乙医院"


def test_a_manager_sees_only_own_ride_through_accounts(small_grid: dict[str, Account], manager: User) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)  # manages KA only
    page = client.get(
        "/grid/impact/", {"feeders": "F1", "start": "2026-12-10T08:00", "end": "2026-12-10T12:00"}
    ).content.decode()
    assert "乙医院" not in page


# -- plan this window ------------------------------------------------------------------------------------


def test_plan_this_window_fills_the_new_outage_form(planner_client: Client, small_grid: dict[str, Account]) -> None:
    page = planner_client.get(
        "/grid/impact/",
        {
            "feeders": "F1",
            "suggest": "1",
            "duration": "2",
            "from": "2026-12-10",
            "to": "2026-12-10",
            "hours": "08:00-18:00",
        },
    ).content.decode()
    link = re.search(r'data-testid="plan-window" href="([^"]+)"', page)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert "start=2026-12-10T08:00" in url
    assert "end=2026-12-10T10:00" in url
    assert "feeders=F1" in url
    form = planner_client.get(url).content.decode()
    assert 'name="feeders" value="F1"' in form
    assert 'value="2026-12-10T08:00"' in form
    assert 'value="2026-12-10T10:00"' in form
    # A viewer sees the windows but no button.
    viewer = Client(HTTP_ACCEPT_LANGUAGE="en")
    viewer.force_login(StaffFactory(role=Role.VIEWER).user)
    page = viewer.get(
        "/grid/impact/",
        {"feeders": "F1", "suggest": "1", "duration": "2", "from": "2026-12-10", "to": "2026-12-10"},
    ).content.decode()
    assert 'id="suggested-windows"' in page
    assert "plan-window" not in page


def test_move_a_draft_to_a_suggested_window(planner_client: Client, draft: PlannedOutage) -> None:
    page = planner_client.get(
        f"/grid/outages/{draft.pk}/",
        {"suggest": "1", "duration": "4", "from": "2026-12-10", "to": "2026-12-10", "hours": "08:00-18:00"},
    ).content.decode()
    assert 'data-testid="move-here"' in page
    response = planner_client.post(
        f"/grid/outages/{draft.pk}/update/",
        {"version": draft.version, "start": "2026-12-10T08:00", "end": "2026-12-10T12:00"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.start == local(2026, 12, 10, 8)
    assert (draft.feeders, draft.crew, draft.title) == ("F1", "c1", "F1 开关检修")


# -- jobs files ------------------------------------------------------------------------------------------

CSV = "job_id,feeders,duration_hours,from,to,crew,hours\nJ2,F3,2,2026-12-07,2026-12-11,c2,08:00-18:00\n"


def test_jobs_from_csv_and_excel() -> None:
    jobs = selectors.read_jobs("jobs.csv", CSV.encode("gb18030"))
    assert jobs == [
        selectors.JobInput("J2", "F3", "2", dt.date(2026, 12, 7), dt.date(2026, 12, 11), "c2", "08:00-18:00")
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["job_id", "feeders", "duration_hours", "from", "to"])
    sheet.append(["J2", "F3", 2, dt.datetime(2026, 12, 7), dt.date(2026, 12, 11)])
    buffer = io.BytesIO()
    book.save(buffer)
    (job,) = selectors.read_jobs("jobs.xlsx", buffer.getvalue())
    assert (job.job_id, job.first, job.last, job.crew) == ("J2", dt.date(2026, 12, 7), dt.date(2026, 12, 11), "")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("job_id,feeders\nJ1,F1\n", "jobs.csv needs the columns job_id, feeders, duration_hours, from, to"),
        ("job_id,feeders,duration_hours,from,to\nJ1,F1,2,2026-12-40,2026-12-11\n", "jobs.csv, row 2: '2026-12-40'"),
        (
            "job_id,feeders,duration_hours,from,to\nJ1,F1,2,2026-12-01,2026-12-11\nJ1,F2,2,2026-12-01,2026-12-11\n",
            "jobs.csv, row 3: job_id J1 appears twice.",
        ),
        ("", "jobs.csv holds no jobs."),
    ],
)
def test_bad_jobs_files_are_refused_naming_row_and_column(content: str, message: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        selectors.read_jobs("jobs.csv", content.encode())
    assert message in caught.value.message


# -- accept: all or nothing --------------------------------------------------------------------------------


def _jobs(draft: PlannedOutage) -> list[services.AcceptedJob]:
    return [
        services.AcceptedJob(
            "#1", "F1", local(2026, 12, 7, 8), local(2026, 12, 7, 12), "c1", "", draft.pk, draft.version
        ),
        services.AcceptedJob("J2", "F3", local(2026, 12, 7, 8), local(2026, 12, 7, 10), "c2"),
    ]


def test_accept_moves_picked_outages_and_creates_the_others(draft: PlannedOutage, planner: User) -> None:
    outages = services.plan_accept(jobs=_jobs(draft), by=planner)
    assert outages[0].pk == draft.pk
    draft.refresh_from_db()
    assert draft.start == local(2026, 12, 7, 8)
    new = outages[1]
    assert (new.title, new.feeders, new.crew, new.status) == ("J2", "F3", "c2", OutageStatus.DRAFT)
    # Accepting the same plan again would put a second outage on F3 at the same time: refused.
    with pytest.raises(ApplicationError, match="overlaps outage J2"):
        services.plan_accept(jobs=_jobs(draft)[1:], by=planner)
    assert PlannedOutage.objects.count() == 2


def test_accept_writes_nothing_on_a_clash_or_a_stale_outage(draft: PlannedOutage, planner: User) -> None:
    services.outage_create(
        title="F3 抢修", feeders="F3", start=local(2026, 12, 7, 9), end=local(2026, 12, 7, 11), by=planner
    )
    with pytest.raises(ApplicationError) as caught:
        services.plan_accept(jobs=_jobs(draft), by=planner)
    assert "Job J2 (2026-12-07 08:00 – 10:00) overlaps outage F3 抢修" in caught.value.message
    draft.refresh_from_db()
    assert draft.start == local(2026, 12, 1, 8)  # not moved either
    assert PlannedOutage.objects.count() == 2

    jobs = _jobs(draft)[:1]
    services.outage_update(outage=draft, by=planner, crew="c9", version=draft.version)  # someone else
    with pytest.raises(ApplicationError, match=r"Job #1: .*Nothing was saved\."):
        services.plan_accept(jobs=jobs, by=planner)
    draft.refresh_from_db()
    assert draft.start == local(2026, 12, 1, 8)


def test_only_planners_accept(draft: PlannedOutage, manager: User) -> None:
    with pytest.raises(ApplicationError):
        services.plan_accept(jobs=_jobs(draft), by=manager)
    assert PlannedOutage.objects.count() == 1


# -- the page ----------------------------------------------------------------------------------------------


def _plan(client: Client, draft: PlannedOutage, **extra: Any) -> Any:
    data = {
        "month": "2026-12",
        "outages": [str(draft.pk)],
        "from": "2026-12-07",
        "to": "2026-12-11",
        "hours": "08:00-18:00",
        "time_limit": "5",
        "jobs": SimpleUploadedFile("jobs.csv", CSV.encode(), content_type="text/csv"),
    }
    data.update(extra)
    return client.post("/grid/plan/", data)


def test_plan_page_plans_compares_accepts_and_exports(planner_client: Client, draft: PlannedOutage) -> None:
    page = planner_client.get("/grid/plan/?month=2026-12").content.decode()
    assert "F1 开关检修" in page  # a candidate
    response = _plan(planner_client, draft)
    assert response.status_code == 302
    page = planner_client.get(response["Location"]).content.decode()
    assert 'data-testid="plan-result"' in page
    # D1 out on F1 for 4 h: KA (grade A, weight 3) 100 kW → 400 kWh, 1,200 weighted; KB rides through.
    assert re.search(r'data-testid="plan-ens">1,200 kWh<', page)
    assert re.search(r'data-testid="naive-ens">1,200 kWh<', page)  # constant loads: earliest is best
    assert 'data-testid="plan-gap">gap 0.00%' in page
    assert "2026-12-07 08:00 – 12:00" in page
    assert "甲钢铁" in page
    assert "No interval load data" in page  # KC on F1, KD on F3: unknown, never zero
    token = re.search(r'name="plan" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    export = planner_client.get(f"/grid/plan/export.xlsx?plan={token}")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Plan", "Jobs"]
    rows = list(book["Jobs"].iter_rows(values_only=True))
    assert rows[1][:6] == (
        f"#{draft.pk}",
        "F1 开关检修",
        "F1",
        "c1",
        dt.datetime(2026, 12, 7, 8),
        dt.datetime(2026, 12, 7, 12),
    )
    assert "KA 甲钢铁" in rows[1][8]
    figures = dict(list(book["Plan"].iter_rows(values_only=True))[1:])
    assert figures["Weighted energy not supplied of the plan (kWh)"] == 1200
    assert figures["Status"] == "optimal (proven)"

    response = planner_client.post("/grid/plan/accept/", {"plan": token})
    assert response.status_code == 302
    assert response["Location"] == "/grid/outages/?month=2026-12"
    draft.refresh_from_db()
    assert draft.start == local(2026, 12, 7, 8)
    assert PlannedOutage.objects.filter(title="J2", feeders="F3").count() == 1
    # Twice: refused with a message, nothing more written.
    response = planner_client.post("/grid/plan/accept/", {"plan": token}, follow=True)
    assert "Nothing was saved" in response.content.decode()
    assert PlannedOutage.objects.count() == 2


def test_plan_page_refuses_bad_input_with_a_message(planner_client: Client, draft: PlannedOutage) -> None:
    response = _plan(planner_client, draft, time_limit="600")
    assert response.status_code == 400
    assert "Time limit: give between 1 and 20 seconds." in response.content.decode()
    response = _plan(planner_client, draft, jobs=SimpleUploadedFile("jobs.csv", b"job_id,feeders\nJ1,F1\n"))
    assert "jobs.csv needs the columns" in response.content.decode()
    response = _plan(
        planner_client,
        draft,
        jobs=SimpleUploadedFile("jobs.csv", b"job_id,feeders,duration_hours,from,to\nJ9,F99,2,2026-12-07,2026-12-08\n"),
    )
    assert "Unknown feeder: F99" in response.content.decode()
    response = planner_client.post("/grid/plan/", {"month": "2026-12", "from": "2026-12-07", "to": "2026-12-11"})
    assert "Pick at least one outage of the month or upload a jobs file." in response.content.decode()
    assert PlannedOutage.objects.count() == 1
    assert planner_client.get("/grid/plan/?plan=nope").status_code == 200


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VIEWER])
def test_plan_page_is_for_planners_and_supervisors(role: str, draft: PlannedOutage) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(StaffFactory(role=role).user)
    assert client.get("/grid/plan/").status_code == 403
    assert client.get("/grid/plan/export.xlsx?plan=x").status_code == 403
    assert client.post("/grid/plan/accept/", {"plan": "x"}).status_code == 302  # nothing kept for them
    assert "month-plan" not in client.get("/grid/outages/").content.decode()
    supervisor = Client(HTTP_ACCEPT_LANGUAGE="en")
    supervisor.force_login(StaffFactory(role=Role.SUPERVISOR).user)
    assert supervisor.get("/grid/plan/").status_code == 200
