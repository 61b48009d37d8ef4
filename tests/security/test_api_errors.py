"""An unexpected error in the API answers JSON {"code", "message"} with 500: no traceback, no HTML page."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from factories import UserFactory
from powerkam.accounts import selectors

pytestmark = pytest.mark.django_db


def test_an_api_500_is_json_without_a_traceback_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("database exploded: secret detail")

    # A fault injected into the selector the list endpoint calls (a real request through the real API).
    monkeypatch.setattr(selectors, "account_page", broken)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    with caplog.at_level(logging.ERROR, logger="powerkam.api"):
        response = client.get("/api/v1/accounts/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "server_error"
    assert body["message"].startswith("Something went wrong on the server")
    assert "secret detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    # The traceback is in the log, for the operator.
    record = next(r for r in caplog.records if r.name == "powerkam.api")
    assert record.exc_info is not None
    assert "secret detail" in str(record.exc_info[1])


def test_the_500_message_is_in_chinese_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "account_page", lambda **kwargs: 1 / 0)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    assert client.get("/api/v1/accounts/").json()["message"] == "服务器出错，已记录日志，请重试。"
