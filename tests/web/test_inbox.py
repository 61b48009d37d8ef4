"""One inbox across the apps: service notifications and prospect notes, unread count in the top bar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from factories import Team
from powerkam.prospects.models import ProspectNote
from powerkam.service import services as service_services
from powerkam.service.models import Notification, TicketKind
from powerkam.web import inbox
from tests.prospects.conftest import make_project


@pytest.fixture
def messages(team: Team, store_dir: Path) -> Team:
    me = team.manager.user
    ticket = service_services.ticket_create(
        kind=TicketKind.CONSULTATION, title="咨询", by=me, accepted_on=dt.date(2026, 11, 2)
    )
    Notification.objects.create(user=me, ticket=ticket, kind="transfer", message="工单 #1 已转给您")
    project = make_project(me)
    ProspectNote.objects.create(user=me, project=project, kind="stage", message="项目已立项")
    ProspectNote.objects.create(user=team.other.user, project=project, kind="stage", message="别人的消息")
    return team


def test_unread_from_every_source_and_marking_them_read(client: Client, messages: Team) -> None:
    me = messages.manager.user
    assert inbox.unread_count(me) == 2
    texts = [m.text for m in inbox.messages_for(me)]
    assert set(texts) == {"工单 #1 已转给您", "项目已立项"}
    client.force_login(me)
    assert 'data-testid="inbox-unread"' in client.get("/inbox/count/").content.decode()
    page = client.get("/inbox/").content.decode()
    assert "项目已立项" in page
    assert "别人的消息" not in page
    assert client.post("/inbox/read/").status_code == 302
    assert inbox.unread_count(me) == 0
    assert 'data-testid="inbox-unread"' not in client.get("/inbox/count/").content.decode()
    assert "项目已立项" in client.get("/inbox/").content.decode()  # read messages stay listed
    assert inbox.unread_count(messages.other.user) == 1


def test_every_page_fetches_the_count_after_loading(client: Client, messages: Team) -> None:
    client.force_login(messages.manager.user)
    assert 'hx-get="/inbox/count/"' in client.get("/").content.decode()
