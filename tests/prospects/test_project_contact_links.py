"""A prospect's contact fields link their phone numbers and e-mail addresses (issue 19)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.prospects.conftest import Team, make_project

pytestmark = pytest.mark.django_db


def test_the_project_page_links_phones_and_emails_in_its_contacts(client: Client, team: Team) -> None:
    make_project(
        team.supervisor,
        government_contact="发改委 王科长 0571-8765 4321",
        owner_contact="赵总 138 0013 8000 zhao@example.cn",
    )
    client.force_login(team.supervisor)
    html = client.get("/prospects/p/P2026-001/").content.decode()
    assert '发改委 王科长 <a href="tel:057187654321" class="contact-link" data-contact="tel">0571-8765 4321</a>' in html
    assert 'href="tel:13800138000"' in html
    assert '<a href="mailto:zhao@example.cn" class="contact-link" data-contact="mailto">zhao@example.cn</a>' in html
