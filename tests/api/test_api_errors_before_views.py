"""Errors Django answers before an API view runs — a Host header not allowed, a path no operation has —
come back in the API's JSON error shape, in the request's language; the pages keep Django's."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_host_not_allowed_is_a_json_400_under_the_api(client: Client) -> None:
    response = client.get("/api/v1/accounts", HTTP_HOST="evil.example.com", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["code"] == "bad_request"
    assert body["message"] == body["detail"]
    assert "Host" in body["message"]
    assert body["fields"] == []


def test_in_english_when_asked(client: Client) -> None:
    response = client.get("/api/v1/accounts", HTTP_HOST="evil.example.com", HTTP_ACCEPT_LANGUAGE="en")
    assert json.loads(response.content)["message"] == "The request is not valid (its Host header or its form)."


def test_a_path_without_an_operation_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/at-all")
    assert response.status_code == 404
    assert json.loads(response.content)["code"] == "not_found"


def test_pages_keep_djangos_answers(client: Client) -> None:
    response = client.get("/accounts/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")
