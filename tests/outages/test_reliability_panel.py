"""Reliability and planned outages on the account 360 page."""

from __future__ import annotations

import pytest

from factories import StaffFactory
from powerkam.imports.services import import_file
from tests.conftest import SAMPLES

pytestmark = pytest.mark.django_db


def test_360_page_shows_the_accounts_reliability_from_the_outage_history(client, settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "store"
    import_file(kind="feeders", path=SAMPLES / "feeders.csv")
    import_file(kind="customers", path=SAMPLES / "customers.csv")
    import_file(kind="outages", path=SAMPLES / "outages.csv")
    supervisor = StaffFactory(role="supervisor")
    client.force_login(supervisor.user)

    page = client.get("/accounts/E006/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "/accounts/E006/panels/reliability/" in page  # loaded after the page
    page = client.get("/accounts/E006/panels/reliability/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="reliability"' in page
    assert 'data-testid="reliability"' in page
    assert "Interruptions, last 12 months" in page
    assert "No planned outage affects this account." in page
