"""The API contract (docs/api.md): one error shape in the request's language, the field named, no 500 from
input, the date window, unique schema names, every error status documented, datetimes with their offset."""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from pydantic import BaseModel

from factories import StaffFactory, build_team
from powerkam.api.errors import django_fields, error_statuses
from powerkam.api.services import api_token_issue
from powerkam.api.urls import api
from powerkam.prospects import services as prospects
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    build_team()
    admin = StaffFactory(user__username="api-admin", name="管理员", role=Role.ADMIN).user
    prospects.project_create(by=admin, project_id="GP-1", name="示范园区")
    token = api_token_issue(username=admin.get_username()).token
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)


def _shape(body: dict[str, Any]) -> None:
    assert {"code", "message", "detail", "fields"} <= set(body)
    assert body["message"] == body["detail"]
    assert all(set(f) == {"field", "message"} for f in body["fields"])


def _fields(body: dict[str, Any]) -> dict[str, str]:
    return {f["field"]: f["message"] for f in body["fields"]}


# -- the two server errors of the issue -------------------------------------------------------------------


def test_an_absurd_capacity_on_a_project_is_422_naming_the_field(admin_client: Client) -> None:
    response = admin_client.patch(
        "/api/v1/prospects/projects/GP-1",
        '{"expected_capacity_kva": -2.37e-271, "version": 1}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    body = response.json()
    _shape(body)
    assert body["code"] == "validation_error"
    assert _fields(body) == {"expected_capacity_kva": "Too many digits: at most 12."}
    negative = admin_client.patch(
        "/api/v1/prospects/projects/GP-1",
        {"expected_capacity_kva": -5},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert _fields(negative.json()) == {"expected_capacity_kva": "Must be at least 0."}
    # A positive but too precise one is refused too (the column keeps 2 decimal places) …
    precise = admin_client.patch(
        "/api/v1/prospects/projects/GP-1",
        '{"expected_capacity_kva": 2.37e-271, "version": 1}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert precise.status_code == 422
    assert "expected_capacity_kva" in _fields(precise.json())
    # … and a plausible one is saved.
    ok = admin_client.patch(
        "/api/v1/prospects/projects/GP-1",
        {"expected_capacity_kva": "5000.5", "version": 1},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert Decimal(ok.json()["expected_capacity_kva"]) == Decimal("5000.50")


def test_a_case_with_an_empty_title_is_422_naming_the_title(admin_client: Client) -> None:
    response = admin_client.post(
        "/api/v1/service/cases",
        {"customer_id": "E100", "title": "", "accepted_on": "2026-11-02"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert _fields(response.json()) == {"title": "Must not be empty."}


# -- the date window ---------------------------------------------------------------------------------------


def test_absurd_dates_are_refused_with_the_window(admin_client: Client) -> None:
    ticket = admin_client.post(
        "/api/v1/service/tickets",
        {"kind": "new_connection", "title": "报装", "accepted_on": "0198-02-09"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert ticket.status_code == 422
    assert _fields(ticket.json())["accepted_on"].startswith("Must lie between 1949-10-01 and ")
    project = admin_client.patch(
        "/api/v1/prospects/projects/GP-1",
        {"expected_energize_on": "5984-11-23"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert project.status_code == 422
    assert "expected_energize_on" in _fields(project.json())
    # Query parameters too; the window's edges are inside it.
    assert admin_client.get("/api/v1/visits/due", {"as_of": "9999-12-31"}).status_code == 422
    assert admin_client.get("/api/v1/calendar/days/1949-10-01").status_code == 200
    assert admin_client.get("/api/v1/calendar/days/1949-09-30").status_code == 422


# -- one shape, in the request's language ------------------------------------------------------------------


def test_a_missing_field_in_chinese_and_in_english(admin_client: Client) -> None:
    zh = admin_client.post("/api/v1/service/cases", {"customer_id": "E100"}, content_type="application/json")
    assert zh.status_code == 422
    _shape(zh.json())
    assert _fields(zh.json()) == {"title": "此字段为必填项。", "accepted_on": "此字段为必填项。"}
    assert zh.json()["message"] == "以下字段有误：title, accepted_on。"
    en = admin_client.post(
        "/api/v1/service/cases", {"customer_id": "E100"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert _fields(en.json()) == {"title": "This field is required.", "accepted_on": "This field is required."}
    assert en.json()["message"] == "Some fields are not valid: title, accepted_on."


def test_not_found_domain_errors_and_unauthorised_share_the_shape(admin_client: Client) -> None:
    missing = admin_client.get("/api/v1/prospects/projects/NOPE", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    _shape(missing.json())
    assert missing.json()["code"] == "not_found"
    # Django's get_object_or_404 message (English, a model name) is replaced by one in the user's language.
    outage = admin_client.get("/api/v1/grid/outages/999999")
    assert outage.status_code == 404
    assert outage.json()["message"] == "没有该对象（或您无权查看）。"
    refused = admin_client.post(
        "/api/v1/prospects/projects",
        {"project_id": "GP-1", "name": "重复"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    _shape(refused.json())
    assert refused.json()["code"] == "bad_request"
    anonymous = Client().get("/api/v1/accounts/", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.status_code == 401
    _shape(anonymous.json())
    assert anonymous.json()["code"] == "unauthorized"
    # A query parameter in error is named by its own name.
    bad_page = admin_client.get("/api/v1/accounts/", {"page": "0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad_page.status_code == 422
    assert _fields(bad_page.json()) == {"page": "Must be at least 1."}


def test_a_django_validation_error_names_its_fields() -> None:
    error = ValidationError({"expected_capacity_kva": ["Ensure that there are no more than 12 digits in total."]})
    assert django_fields(error) == [("expected_capacity_kva", "Ensure that there are no more than 12 digits in total.")]
    assert django_fields(ValidationError("Nope.")) == [("body", "Nope.")]


# -- the OpenAPI document ----------------------------------------------------------------------------------


def _operations() -> list[tuple[str, str, Any]]:
    found = []
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    found.append((method, path, operation))
    return found


def _models(annotation: Any, into: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in into:
            return
        into.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, into)
    for argument in typing.get_args(annotation):
        _models(argument, into)


def test_schema_names_are_unique_across_apps() -> None:
    models: set[type[BaseModel]] = set()
    for _method, _path, operation in _operations():
        for model in [*operation.response_models.values(), *operation.models]:
            if model is not None and hasattr(model, "model_fields"):
                _models(model, models)
    by_name: dict[str, set[str]] = {}
    for model in models:
        if model.__name__ not in ("NinjaResponseSchema",):
            by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_every_operation_documents_its_error_statuses(admin_client: Client) -> None:
    document = admin_client.get("/api/v1/openapi.json").json()
    assert document["info"]["version"] == "1.1"
    error_ref = "#/components/schemas/ErrorOut"
    operations = 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations += 1
            documented = {int(s) for s in operation["responses"] if s.isdigit()}
            expected = set(error_statuses(method, path))
            assert expected <= documented, f"{method.upper()} {path} lacks {sorted(expected - documented)}"
            for status in (401, 422, 429, 500):
                schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
                assert schema == {"$ref": error_ref}, f"{method.upper()} {path} {status}"
    assert operations >= 75
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message", "detail"}


def test_datetimes_leave_the_api_with_their_offset(admin_client: Client, settings: Any) -> None:
    from powerkam.api.fields import AwareJSONEncoder

    encoded = AwareJSONEncoder().encode({"at": dt.datetime(2026, 11, 2, 8, 0)})
    assert encoded == '{"at": "2026-11-02T08:00:00+08:00"}'
    aware = AwareJSONEncoder().encode({"at": dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)})
    assert aware == '{"at": "2026-11-02T00:00:00Z"}'


def test_a_domain_error_keeps_its_figures_without_breaking_the_shape(admin_client: Client) -> None:
    """An ApplicationError's extra keys are added to the answer (an outage's ``status`` among them)."""
    from powerkam.outages import services as outages

    admin = StaffFactory(user__username="planner-2", name="计划员", role=Role.ADMIN).user
    from powerkam.grid.models import Feeder, Substation

    substation = Substation.objects.create(substation_id="S1", name="一号变电站")
    Feeder.objects.create(feeder_id="F001", name="F001线", substation=substation, voltage_kv=Decimal("10"))
    start = dt.datetime(2026, 12, 10, 8, 0, tzinfo=dt.UTC)
    outage = outages.outage_create(
        title="检修", feeders="F001", start=start, end=start + dt.timedelta(hours=4), by=admin
    )
    response = admin_client.post(f"/api/v1/grid/outages/{outage.pk}/done", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    _shape(body)
    assert body["code"] == "bad_request"
    assert "cannot be marked done" in body["message"]


def test_the_fuzzed_document_is_the_served_one(admin_client: Client) -> None:
    """test_api_fuzz.py builds the document in process (to collect the operations): it must be the served one."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils import translation

    served = admin_client.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json()
    with translation.override("en"):
        built = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), cls=DjangoJSONEncoder))
    assert built == served
