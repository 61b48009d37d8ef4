"""Log-in throttling on every way in: the log-in page, the admin's log-in and API tokens (django-axes).

After AXES_FAILURE_LIMIT wrong tries from one address the user name is locked there: even the right
password (or token) is refused with 429 and a message in the user's language, until the cool-off passes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from factories import UserFactory
from powerkam.api.services import api_token_issue
from powerkam.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
LOCKED_ZH = "登录失败次数过多"


def cool_off_passes() -> None:
    """Move every recorded failure back past the cool-off, as if the time had passed."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))


def log_in(client: Client, username: str, password: str, url: str = "/login/", **extra: str):
    return client.post(url, {"username": username, "password": password}, **extra)


def test_the_login_page_locks_a_user_name_after_the_limit_then_lets_it_in_after_the_cool_off() -> None:
    user = UserFactory(username="wang")
    client = Client()
    for _ in range(LIMIT - 1):
        response = log_in(client, "wang", "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    locked = log_in(client, "wang", "wrong-password")
    assert locked.status_code == 429
    assert LOCKED_ZH in locked.content.decode()  # Chinese by default
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())

    # The right password is refused while locked, and nobody is logged in.
    refused = log_in(client, "wang", user.raw_password)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session

    # In English for an English browser.
    english = log_in(Client(), "wang", user.raw_password, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429
    assert "Too many failed log-ins for this user name from your address" in english.content.decode()

    cool_off_passes()
    assert log_in(client, "wang", user.raw_password).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, username="wang").exists()


def test_the_lock_is_for_the_user_name_from_that_address_only() -> None:
    UserFactory(username="wang")
    other = UserFactory(username="li")
    for _ in range(LIMIT):
        log_in(Client(), "wang", "wrong-password", REMOTE_ADDR="10.0.0.7")
    assert log_in(Client(), "wang", "wrong-password", REMOTE_ADDR="10.0.0.7").status_code == 429
    # A colleague behind the same address logs in; the same user name from elsewhere is not locked either.
    assert log_in(Client(), "li", other.raw_password, REMOTE_ADDR="10.0.0.7").status_code == 302
    assert log_in(Client(), "wang", "wrong-password", REMOTE_ADDR="10.0.0.8").status_code == 200


def test_the_admin_login_is_throttled_too() -> None:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    statuses = [log_in(client, "root", "wrong-password", url="/admin/login/").status_code for _ in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    refused = log_in(client, "root", admin.raw_password, url="/admin/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert "logging in is locked" in refused.content.decode()
    assert client.get("/admin/").status_code == 302  # still not logged in
    cool_off_passes()
    assert log_in(client, "root", admin.raw_password, url="/admin/login/").status_code == 302


def test_wrong_api_tokens_lock_the_address_out_with_429_json() -> None:
    token = api_token_issue(username=UserFactory(username="m01").username).token
    client = Client()
    bearer = {"HTTP_AUTHORIZATION": "Bearer not-the-token"}
    statuses = [client.get("/api/v1/accounts/", **bearer).status_code for _ in range(LIMIT)]
    assert statuses == [401] * (LIMIT - 1) + [429]

    right = client.get("/api/v1/accounts/", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert right.status_code == 429
    body = right.json()
    assert body["code"] == "locked_out"
    assert "Too many failed log-ins" in body["message"]
    assert body["detail"] == body["message"]  # the API's one error shape
    assert body["fields"] == []
    assert right["Retry-After"]
    # Another address is not affected.
    assert (
        client.get("/api/v1/accounts/", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="10.1.1.1").status_code == 200
    )

    cool_off_passes()
    assert client.get("/api/v1/accounts/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, username="(API token)")
    assert failures.count() >= LIMIT
    assert failures.first().path == "/api/v1/accounts/"
