"""Satisfaction surveys: recorded on the 360 page by the account's managers, a part of its health."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from factories import Team
from powerkam.core.errors import ApplicationError
from powerkam.insights import health, services
from powerkam.insights.models import SatisfactionSurvey

TODAY = timezone.localdate()


def post(client: Client, customer_id: str, **fields: object) -> tuple[int, str]:
    data = {"surveyed_on": TODAY.isoformat(), "score": 4, "channel": "visit", "respondent": "王工", "comments": ""}
    data.update(fields)
    response = client.post(f"/insights/health/{customer_id}/surveys/", data)
    return response.status_code, response.content.decode()


def test_a_manager_records_a_survey_and_the_health_panel_shows_it(client: Client, team: Team, store_dir: Path) -> None:
    client.force_login(team.manager.user)
    status, html = post(client, "E100", score=2, comments="抢修到场慢")
    assert status == 200
    assert "抢修到场慢" in html
    assert "2 / 5" in html
    assert "满意度 2 分" in html  # the reason it lost points
    survey = SatisfactionSurvey.objects.get()
    assert (survey.account.customer_id, survey.score, survey.recorded_by) == ("E100", 2, team.manager.user)
    assert survey.history.count() == 1
    found = health.account_health(account=team.accounts["E100"])
    assert found.signals.satisfaction == 2
    assert found.parts["satisfaction"] == 25.0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"surveyed_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "调查日期不能晚于今天"),
        ({"score": 6}, "6"),
        ({"surveyed_on": "yesterday"}, "日期"),
    ],
)
def test_bad_surveys_are_refused_next_to_the_field(
    client: Client, team: Team, store_dir: Path, fields: dict[str, object], message: str
) -> None:
    client.force_login(team.manager.user)
    status, html = post(client, "E100", **fields)
    assert status == 400
    assert message in html
    assert 'class="errorlist' in html
    assert not SatisfactionSurvey.objects.exists()


def test_who_may_record(client: Client, team: Team, store_dir: Path) -> None:
    client.force_login(team.viewer.user)
    status, html = post(client, "E100")
    assert status == 400
    assert "只读" in html
    client.force_login(team.manager.user)
    assert client.post("/insights/health/E200/surveys/", {"score": 4}).status_code == 403
    with pytest.raises(ApplicationError):
        services.survey_record(account=team.accounts["E200"], by=team.manager.user, surveyed_on=TODAY, score=4)
    assert not SatisfactionSurvey.objects.exists()


def test_health_takes_the_latest_survey_of_the_year_and_skips_archived_ones(team: Team, store_dir: Path) -> None:
    account, by = team.accounts["E100"], team.manager.user
    services.survey_record(account=account, by=by, surveyed_on=TODAY - dt.timedelta(days=400), score=1)
    assert health.account_health(account=account).signals.satisfaction is None  # older than 12 months
    services.survey_record(account=account, by=by, surveyed_on=TODAY - dt.timedelta(days=30), score=5)
    wrong = services.survey_record(account=account, by=by, surveyed_on=TODAY - dt.timedelta(days=2), score=1)
    assert health.account_health(account=account).signals.satisfaction == 1
    services.survey_archive(survey=wrong, by=by)
    assert health.account_health(account=account).signals.satisfaction == 5
    assert SatisfactionSurvey.objects.count() == 3  # archived, never deleted


def test_api_records_and_lists_surveys_with_visibility(team: Team, store_dir: Path) -> None:
    from powerkam.api.services import api_token_issue

    token = api_token_issue(username=team.manager.user.username).token
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {"customer_id": "E100", "surveyed_on": TODAY.isoformat(), "score": 3, "channel": "phone"}
    created = api.post("/api/v1/insights/surveys", body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["recorded_by"] == "m01"
    bad = api.post("/api/v1/insights/surveys", body | {"score": 0}, content_type="application/json")
    assert bad.status_code == 422  # the schema says 1 … 5 (docs/api.md)
    assert bad.json()["fields"] == [{"field": "score", "message": "不能小于 1。"}]
    other = api.post("/api/v1/insights/surveys", body | {"customer_id": "E200"}, content_type="application/json")
    assert other.status_code == 403
    assert [s["customer_id"] for s in api.get("/api/v1/insights/surveys").json()] == ["E100"]
    assert api.get("/api/v1/insights/health/E100").json()["parts"]["satisfaction"] == 50.0
