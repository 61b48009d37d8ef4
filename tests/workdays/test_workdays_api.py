"""/api/v1/calendar."""

from __future__ import annotations

import pytest
from django.test import Client

from factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Client) -> Client:
    client.force_login(UserFactory())
    return client


def test_add_workdays(api: Client) -> None:
    response = api.get("/api/v1/calendar/add-workdays", {"date": "2026-09-28", "n": 10})
    assert response.status_code == 200
    assert response.json() == {"date": "2026-10-16", "provisional": False, "warning": ""}


def test_provisional_and_strict(api: Client) -> None:
    body = api.get("/api/v1/calendar/add-workdays", {"date": "2026-12-24", "n": 10}).json()
    assert body["provisional"]
    assert "2027" in body["warning"]
    refused = api.get("/api/v1/calendar/add-workdays", {"date": "2026-12-24", "n": 10, "strict": True})
    assert refused.status_code == 400
    assert "2027" in refused.json()["detail"]


def test_bad_input(api: Client) -> None:
    assert (
        api.get("/api/v1/calendar/add-workdays", {"date": "2026-12-24", "n": -3}).status_code == 422
    )  # the schema refuses it (ge=0)
    assert api.get("/api/v1/calendar/add-workdays", {"date": "2026-02-30", "n": 3}).status_code == 422


def test_day_and_status(api: Client) -> None:
    day = api.get("/api/v1/calendar/days/2026-02-14").json()
    assert (day["is_workday"], day["kind"]) == (True, "adjusted_workday")
    status = api.get("/api/v1/calendar/status").json()
    assert status["library_years"] == [2004, 2026]


def test_a_statutory_day_beyond_the_notice(api: Client) -> None:
    day = api.get("/api/v1/calendar/days/2027-01-01").json()
    assert (day["is_workday"], day["provisional"], day["kind"], day["name"], day["source"]) == (
        False,
        True,
        "holiday",
        "New Year's Day",
        "regulation",
    )
    assert "法定节假日" in day["warning"]  # the site language
    assert api.get("/api/v1/calendar/days/2027-01-01", {"strict": True}).status_code == 400


def test_login_required(client: Client) -> None:
    assert client.get("/api/v1/calendar/status").status_code == 401
