"""The 360 page loads the account's grade history with its reasons."""

from __future__ import annotations

import pytest

from factories import build_team

pytestmark = pytest.mark.django_db


def test_360_page_loads_the_grade_history_fragment(client):
    team = build_team()
    client.force_login(team.manager.user)
    page = client.get("/accounts/E100/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="grading"' in page
    assert 'hx-get="/grading/accounts/E100/history/"' in page
    fragment = client.get("/grading/accounts/E100/history/", HTTP_ACCEPT_LANGUAGE="en")
    assert fragment.status_code == 200
