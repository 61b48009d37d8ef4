"""No lost update on a survey campaign: two supervisors close the same campaign from the same page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from factories import StaffFactory, Team, build_team
from powerkam.core.errors import ConflictError
from powerkam.insights import services
from powerkam.insights.models import SurveyCampaign
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_language() -> Iterator[None]:
    """The pages are asked in English; the next test gets back the language it would have had."""
    with translation.override(translation.get_language()):
        yield


def client_for(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def campaign() -> tuple[Team, SurveyCampaign]:
    team = build_team()
    launched = services.campaign_launch(
        name="2026 年四季度满意度调查",
        starts_on=dt.date(2026, 10, 1),
        due_on=dt.date(2026, 12, 31),
        grades=["A"],
        by=team.supervisor.user,
    )
    return team, launched


def test_the_second_close_from_a_stale_page_is_refused(campaign: tuple[Team, SurveyCampaign]) -> None:
    team, launched = campaign
    deputy = StaffFactory(role=Role.SUPERVISOR, name="孙副主任").user
    first, second = client_for(team.supervisor.user), client_for(deputy)
    page = f"/insights/surveys/{launched.pk}/"
    assert 'name="version" value="1"' in first.get(page).content.decode()
    assert 'name="version" value="1"' in second.get(page).content.decode()
    assert first.post(page, {"version": 1}).status_code == 302
    refused = second.post(page, {"version": 1}, follow=True).content.decode()
    assert f"{team.supervisor.name} changed this survey campaign while you were editing it" in refused
    launched.refresh_from_db()
    assert (launched.archived, launched.version) == (True, 2)


def test_a_stale_close_in_the_service_names_the_field(campaign: tuple[Team, SurveyCampaign]) -> None:
    team, launched = campaign
    services.campaign_archive(campaign=launched, by=team.supervisor.user, version=1)
    with pytest.raises(ConflictError) as caught, translation.override("en"):
        services.campaign_archive(
            campaign=SurveyCampaign.objects.get(pk=launched.pk), by=team.supervisor.user, version=1
        )
    assert caught.value.extra["changed_fields"] == ["archived"]


@pytest.mark.parametrize(
    ("save", "older", "newer", "stale"),
    [
        (
            services.tariff_rules_set,
            "capacity_yuan_per_kva = 15",
            "capacity_yuan_per_kva = 16",
            "capacity_yuan_per_kva = 17",
        ),
        (services.health_rules_set, "high_drop = 0.5", "high_drop = 0.45", "high_drop = 0.4"),
    ],
)
def test_rules_saved_from_an_older_version_are_refused(save: Any, older: str, newer: str, stale: str) -> None:
    team = build_team()
    base = save(rules_toml=older, by=team.supervisor.user)
    latest = save(rules_toml=newer, by=team.supervisor.user, based_on=base.pk)
    with pytest.raises(ConflictError) as caught, translation.override("en"):
        save(rules_toml=stale, by=team.supervisor.user, based_on=base.pk)
    assert caught.value.extra["current_version"] == latest.pk
    assert caught.value.extra["changed_fields"] == ["rules (TOML)"]
    assert type(latest).objects.first().rules_toml == newer
