"""The account list's card markup for phones (issue 19): each row carries its figures' labels and a
next action — "Log a visit" for those who may log one, the 360 page for the others (the rendered
table is cached, so the two must not share a cache entry)."""

from __future__ import annotations

import pytest
from django.test import Client

from factories import Team

pytestmark = pytest.mark.django_db


def test_each_row_carries_labels_and_the_next_action_by_role(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="data accounts cards-on-phone"' in html
    assert 'data-label="Contract capacity"' in html
    assert 'href="/visits/new/?customer_id=E100" data-testid="card-log-visit">Log a visit</a>' in html

    # The viewer sees every account as the supervisor does, but may not log a visit.
    client.force_login(team.viewer.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "card-log-visit" not in html
    assert '<a class="btn btn-small" href="/accounts/E100/">Open the 360 page</a>' in html
    client.force_login(team.supervisor.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/visits/new/?customer_id=E100" data-testid="card-log-visit"' in html
