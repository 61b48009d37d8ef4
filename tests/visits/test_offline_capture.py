"""Offline visit capture (issue 19, docs/visits.md "Offline capture"): a visit sent twice with the
same client_key — a phone re-sending what it queued after a lost answer — is recorded once, and the
second send is answered as the first; the service worker and the manifest are served by PowerKAM."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from factories import ContactFactory
from powerkam.core.errors import ApplicationError
from powerkam.visits import services
from powerkam.visits.models import FollowUp, Visit, VisitAttachment
from tests.visits.helpers import key_account
from tests.visits.test_visits_api import bearer

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client: Client, manager: User) -> Client:
    key_account("K1", "C", key_since=D(2026, 10, 13), manager=manager, name="示范钢铁")
    client.force_login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def visit_data(key: str, colleague: User, **extra: Any) -> dict[str, Any]:
    return {
        "customer_id": "K1",
        "client_key": key,
        "visited_on": "2026-11-10",
        "topics": "年度用电计划",
        "needs-TOTAL_FORMS": "1",
        "needs-INITIAL_FORMS": "0",
        "needs-0-text": "新增一台2000kVA变压器",
        "needs-0-owner": str(colleague.pk),
        "needs-0-due_on": "2026-11-30",
        "attachments": [SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\nxx", content_type="image/png")],
        **extra,
    }


def test_the_same_client_key_posted_twice_records_one_visit(logged_in: Client, colleague: User) -> None:
    key = str(uuid.uuid4())
    first = logged_in.post("/visits/new/?customer_id=K1", visit_data(key, colleague))
    again = logged_in.post("/visits/new/?customer_id=K1", visit_data(key, colleague))
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]  # answered as the first time
    visit = Visit.objects.get()
    assert str(visit.client_key) == key
    assert first["Location"] == f"/visits/records/{visit.pk}/"
    assert FollowUp.objects.count() == 1
    assert VisitAttachment.objects.count() == 1
    # a new key is a new visit
    other = logged_in.post("/visits/new/?customer_id=K1", visit_data(str(uuid.uuid4()), colleague))
    assert other.status_code == 302
    assert Visit.objects.count() == 2


def test_the_page_script_gets_json_and_a_resend_the_same_answer(logged_in: Client, colleague: User) -> None:
    key = str(uuid.uuid4())
    answers = [
        logged_in.post("/visits/new/?customer_id=K1", visit_data(key, colleague), HTTP_ACCEPT="application/json")
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    visit = Visit.objects.get()
    assert answers[0].json() == {"id": visit.pk, "url": f"/visits/records/{visit.pk}/", "client_key": key}


def test_refused_visit_answers_the_fields_in_json_and_writes_nothing(logged_in: Client, colleague: User) -> None:
    data = visit_data(str(uuid.uuid4()), colleague, visited_on="", **{"needs-0-owner": ""})
    answer = logged_in.post("/visits/new/?customer_id=K1", data, HTTP_ACCEPT="application/json")
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert errors["visited_on"] == ["This field is required."]
    assert errors["needs-0-__all__"] == ["A follow-up needs both an owner and a due date (or neither)."]
    assert not Visit.objects.exists()
    bad_key = logged_in.post(
        "/visits/new/?customer_id=K1", visit_data("not-a-uuid", colleague), HTTP_ACCEPT="application/json"
    )
    assert bad_key.status_code == 400
    assert "client_key" in bad_key.json()["errors"]
    assert not Visit.objects.exists()


def test_a_key_used_for_another_account_is_refused(manager: User) -> None:
    one = key_account("K1", "C", manager=manager)
    two = key_account("K2", "C", manager=manager)
    key = uuid.uuid4()
    services.visit_record(account=one, visited_on=D(2026, 11, 10), by=manager, client_key=key)
    with pytest.raises(ApplicationError, match="already used for another visit"):
        services.visit_record(account=two, visited_on=D(2026, 11, 10), by=manager, client_key=key)
    assert Visit.objects.count() == 1


def test_the_api_takes_the_same_key(client: Client, manager: User) -> None:
    contact = ContactFactory(account=key_account("K9", "B", manager=manager), name="钱工")
    body = {
        "customer_id": "K9",
        "visited_on": "2026-11-02",
        "attendee_ids": [contact.pk],
        "client_key": str(uuid.uuid4()),
    }
    answers = [
        client.post("/api/v1/visits/visits", body, content_type="application/json", **bearer(manager)) for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Visit.objects.count() == 1


def test_the_form_carries_a_key_and_the_offline_words_in_the_users_language(client: Client, manager: User) -> None:
    key_account("K1", "C", manager=manager, name="示范钢铁")
    client.force_login(manager)
    for language, saved in (("zh-hans", "已保存在本机，将在联网后发送"), ("en", "Saved on this phone, will be sent")):
        html = client.get("/visits/new/?customer_id=K1", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        key = re.search(r'name="client_key" value="([0-9a-f-]{36})"', html)
        assert key is not None
        assert uuid.UUID(key.group(1))
        catalogue = re.search(r'<script id="offline-strings" type="application/json">(.*?)</script>', html, re.S)
        assert catalogue is not None
        words = json.loads(catalogue.group(1))
        assert words["queued"] == saved
        assert 'rel="manifest" href="/visits/manifest.webmanifest"' in html
        assert 'src="/static/visits/offline.js"' in html
        assert "data-offline-form" in html
    pick = client.get("/visits/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-sw="/visits/sw.js"' in pick


def test_service_worker_and_manifest_are_served_locally(client: Client) -> None:
    worker = client.get("/visits/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/visits/"
    assert "no-cache" in worker["Cache-Control"] or "max-age=0" in worker["Cache-Control"]
    assert "powerkam-visits-" in worker.content.decode()
    manifest = client.get("/visits/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-hans")
    data = manifest.json()
    assert manifest["Content-Type"] == "application/manifest+json"
    assert (data["start_url"], data["scope"], data["display"]) == ("/visits/new/", "/visits/", "standalone")
    assert all(not icon["src"].startswith("http") for icon in data["icons"])
