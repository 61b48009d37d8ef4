"""Survey campaigns: launch (who may, what is checked), each account given to its manager, progress
from the surveys recorded within the dates, the managers' work lists, the pages and the export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from factories import AccountFactory, Team, build_team
from powerkam.core.errors import ApplicationError
from powerkam.insights import campaigns, services
from powerkam.insights.models import CampaignAccount
from powerkam.web import worklist
from workbooks import INJECTED, assert_header, assert_injected_names_are_text, assert_numbers, column

pytestmark = pytest.mark.django_db

START, DUE = dt.date(2026, 10, 1), dt.date(2026, 12, 31)
TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def team(db: None) -> Team:
    return build_team()


def launch(team: Team, grades: list[str] | None = None, **kw):
    return services.campaign_launch(
        name=kw.get("name", "2026 年四季度满意度调查"),
        starts_on=kw.get("starts_on", START),
        due_on=kw.get("due_on", DUE),
        grades=grades or [],
        by=kw.get("by", team.supervisor.user),
    )


def survey(team: Team, customer_id: str, score: int, on: dt.date, by=None):
    return services.survey_record(
        account=team.accounts[customer_id], by=by or team.supervisor.user, surveyed_on=on, score=score, today=TODAY
    )


def test_a_campaign_takes_the_key_accounts_of_its_grades_each_with_its_manager(team: Team) -> None:
    campaign = launch(team, ["A", "B"])
    targets = {
        t.account.customer_id: t.assigned_to.username for t in campaign.targets.select_related("account", "assigned_to")
    }
    # E100 (A: primary m01, secondary m02) and E101 (B: m01); E200 is grade C, E300 not a key account
    assert targets == {"E100": "m01", "E101": "m01"}
    every = launch(team, name="全部大客户")
    assert sorted(every.targets.values_list("account__customer_id", flat=True)) == ["E100", "E101", "E200"]


@translation.override("en")
def test_launching_is_checked_and_for_supervisors_only(team: Team) -> None:
    with pytest.raises(ApplicationError, match="supervisors"):
        launch(team, by=team.manager.user)
    with pytest.raises(ApplicationError, match="before it starts"):
        launch(team, starts_on=DUE, due_on=START)
    with pytest.raises(ApplicationError, match="grade"):
        launch(team, ["D"])
    team.accounts["E200"].grade = "B"
    team.accounts["E200"].save()
    with pytest.raises(ApplicationError, match="No key account"):
        launch(team, ["C"])
    assert CampaignAccount.objects.count() == 0  # nothing half-written


def test_progress_counts_the_surveys_dated_within_the_campaign(team: Team) -> None:
    campaign = launch(team)
    survey(team, "E100", 5, dt.date(2026, 9, 30))  # before the campaign: does not count
    survey(team, "E100", 4, dt.date(2026, 10, 20))
    survey(team, "E200", 2, dt.date(2026, 11, 2))
    progress = campaigns.campaign_progress(campaign=campaign, user=team.supervisor.user)
    assert (progress.total, progress.done, progress.average) == (3, 2, 3.0)
    assert [r.target.account.customer_id for r in progress.rows] == ["E101", "E100", "E200"]  # to do first
    assert [r.target.account.customer_id for r in progress.dissatisfied] == ["E200"]
    assert dict(progress.distribution) == {5: 0, 4: 1, 3: 0, 2: 1, 1: 0}
    by_manager = {m.name: (m.done, m.total) for m in progress.by_manager}
    assert by_manager == {"李娜": (1, 2), "王强": (1, 1)}
    # a manager sees the accounts they ask or manage
    mine = campaigns.campaign_progress(campaign=campaign, user=team.manager.user)
    assert sorted(r.target.account.customer_id for r in mine.rows) == ["E100", "E101"]


def test_the_surveys_to_ask_are_on_the_managers_work_list_until_answered(team: Team) -> None:
    campaign = launch(team)
    tasks = [t for t in worklist.tasks_for(team.manager.user, TODAY) if t.kind == "survey"]
    assert sorted(t.customer_id for t in tasks) == ["E100", "E101"]
    assert all(t.due_on == DUE and t.title == campaign.name for t in tasks)
    assert tasks[0].url.endswith("#health")
    survey(team, "E101", 5, TODAY, by=team.manager.user)
    assert [t.customer_id for t in worklist.tasks_for(team.manager.user, TODAY) if t.kind == "survey"] == ["E100"]
    services.campaign_archive(campaign=campaign, by=team.supervisor.user)
    assert [t for t in worklist.tasks_for(team.manager.user, TODAY) if t.kind == "survey"] == []
    # a campaign that has not started yet is not on anybody's list
    launch(team, starts_on=dt.date(2027, 1, 1), due_on=dt.date(2027, 3, 31))
    assert [t for t in worklist.tasks_for(team.manager.user, TODAY) if t.kind == "survey"] == []


def test_supervisors_launch_from_the_page_and_see_the_progress(client: Client, team: Team) -> None:
    client.force_login(team.supervisor.user)
    response = client.post(
        "/insights/surveys/",
        {"name": "A 级客户回访", "starts_on": "2026-11-01", "due_on": "2026-12-15", "grades": ["A"]},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-customer="E100"' in page
    assert 'data-customer="E101"' not in page
    listing = client.get("/insights/surveys/").content.decode()
    assert "A 级客户回访" in listing
    # a bad form says what is wrong next to the field
    bad = client.post("/insights/surveys/", {"name": "x", "starts_on": "2026-12-15", "due_on": "2026-11-01"})
    assert bad.status_code == 400
    assert "不能早于开始日期" in bad.content.decode()


def test_managers_cannot_launch_or_close(client: Client, team: Team) -> None:
    campaign = launch(team)
    client.force_login(team.manager.user)
    assert 'id="launch"' not in client.get("/insights/surveys/").content.decode()
    assert (
        client.post("/insights/surveys/", {"name": "x", "starts_on": "2026-11-01", "due_on": "2026-12-15"}).status_code
        == 403
    )
    assert client.post(f"/insights/surveys/{campaign.pk}/").status_code == 403
    assert client.get(f"/insights/surveys/{campaign.pk}/").status_code == 200


def test_the_export_lists_every_account_with_its_score(client: Client, team: Team) -> None:
    campaign = launch(team)
    survey(team, "E200", 2, dt.date(2026, 11, 2))
    client.force_login(team.supervisor.user)
    response = client.get(f"/insights/surveys/{campaign.pk}/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)[1:]
    assert [(r[0], r[5]) for r in rows] == [("E100", None), ("E101", None), ("E200", 2)]


def test_the_export_writes_names_as_text_dates_and_scores_as_typed_cells(client: Client, team: Team) -> None:
    for n, name in enumerate(INJECTED):
        AccountFactory(customer_id=f"J{n}", name=name, key_status="key", grade="A")
    campaign = launch(team, name="2026/Q4: [满意度]?")  # a name Excel refuses as a sheet title
    survey(team, "E200", 2, dt.date(2026, 11, 2))
    client.force_login(team.supervisor.user)
    client.cookies["django_language"] = "en"
    book = load_workbook(io.BytesIO(client.get(f"/insights/surveys/{campaign.pk}/?format=xlsx").content))
    assert book.sheetnames == ["2026 Q4   满意度"]
    sheet = book.active
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    assert_numbers(column(sheet, "Satisfaction"), "0")
    [surveyed] = [c for c in column(sheet, "Surveyed on") if c.value is not None]
    assert (surveyed.value, surveyed.is_date, surveyed.number_format) == (dt.datetime(2026, 11, 2), True, "yyyy-mm-dd")


def test_the_api_lists_campaigns_with_their_progress(client: Client, team: Team) -> None:
    from powerkam.api.services import api_token_issue

    launch(team)
    survey(team, "E200", 2, dt.date(2026, 11, 2))
    token = api_token_issue(username="m01").token
    body = client.get("/api/v1/insights/campaigns", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [(c["accounts"], c["surveyed"], c["not_surveyed"]) for c in body] == [(2, 0, ["E100", "E101"])]
    token = api_token_issue(username="zhangwei").token
    body = client.get("/api/v1/insights/campaigns", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert (body[0]["surveyed"], body[0]["dissatisfied"], body[0]["average_score"]) == (1, ["E200"], 2.0)


def test_the_accounts_of_a_campaign_are_paged_and_filtered(client: Client, team: Team) -> None:
    import re

    campaign = launch(team)
    survey(team, "E200", 2, dt.date(2026, 11, 2))
    client.force_login(team.supervisor.user)

    def shown(query: str) -> list[str]:
        html = client.get(f"/insights/surveys/{campaign.pk}/{query}").content.decode()
        return re.findall(r'<tr data-customer="([^"]+)"', html)

    assert shown("") == ["E100", "E101", "E200"]
    assert shown("?status=todo") == ["E100", "E101"]
    assert shown("?status=dissatisfied") == ["E200"]
