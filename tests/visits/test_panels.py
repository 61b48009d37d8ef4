"""Visits show on the account 360 page (open follow-ups) and on My work."""

from __future__ import annotations

import datetime as dt

import pytest

from factories import build_team
from powerkam.visits import services

pytestmark = pytest.mark.django_db


def test_open_followup_shows_on_the_360_page_and_in_my_work(client):
    team = build_team()
    account = team.accounts["E100"]
    services.followup_create(
        account=account,
        need="希望提供峰谷电价优化方案",
        owner=team.manager.user,
        due_on=dt.date(2026, 12, 10),
        by=team.manager.user,
    )
    client.force_login(team.manager.user)

    page = client.get("/accounts/E100/").content.decode()
    assert "/accounts/E100/panels/followups/" in page  # loaded after the page …
    assert "visits/visits.css" in page  # … with its stylesheet in the page's head
    page = client.get("/accounts/E100/panels/followups/").content.decode()
    assert 'id="followups"' in page
    assert "希望提供峰谷电价优化方案" in page

    assert "/work/panels/visits/" in client.get("/").content.decode()  # loaded after the page
    home = client.get("/work/panels/visits/").content.decode()
    assert 'data-testid="my-visits"' in home
    assert "希望提供峰谷电价优化方案" in home


def test_an_account_without_followups_says_so(client):
    team = build_team()
    client.force_login(team.manager.user)
    page = client.get("/accounts/E101/panels/followups/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No open follow-ups." in page
