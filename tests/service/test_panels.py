"""The service desk shows on the account 360 page and on "My work"."""

from __future__ import annotations

import datetime as dt

import pytest

from factories import build_team
from powerkam.service import services

pytestmark = pytest.mark.django_db


def test_account_360_and_my_work_list_the_open_ticket(client):
    team = build_team()
    account = team.accounts["E100"]
    services.ticket_create(
        kind="fault_repair",
        title="10kV 进线开关跳闸",
        account=account,
        by=team.manager.user,
        accepted_on=dt.date(2026, 11, 20),
    )
    client.force_login(team.manager.user)

    page = client.get(f"/accounts/{account.customer_id}/").content.decode()
    assert f"/accounts/{account.customer_id}/panels/tickets/" in page  # loaded after the page
    page = client.get(f"/accounts/{account.customer_id}/panels/tickets/").content.decode()
    assert 'id="tickets"' in page
    assert "10kV 进线开关跳闸" in page

    assert "/work/panels/tickets/" in client.get("/").content.decode()  # loaded after the page
    home = client.get("/work/panels/tickets/").content.decode()
    assert 'id="tickets"' in home
    assert "10kV 进线开关跳闸" in home


def test_an_account_without_tickets_says_so_and_offers_to_record_one(client):
    team = build_team()
    client.force_login(team.manager.user)
    page = client.get("/accounts/E101/panels/tickets/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "/service/tickets/new/?customer_id=E101" in page
