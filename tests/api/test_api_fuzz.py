"""Every operation of /api/v1, fuzzed with schemathesis against a real HTTP server (docs/api.md).

The live server (Django's threaded WSGI server) answers requests generated from the OpenAPI
document (the one /api/v1/openapi.json serves, built in process because the operations are known
when the tests are collected), authenticated with an administrator's API token. Requests fit the
schema or, deliberately, do not. Each response must: not be a server error, conform to the
documented schema, carry a documented status and content type. Path parameters name objects that
exist (a project, a ticket, a case …) so the bodies and queries reach the services instead of
stopping at a 404; the 404s are tested by the targeted tests (test_api_contract.py).

Two profiles: a short one in ``make test`` (6 examples per operation), a long one marked ``slow``
(``make test-slow`` in CI). Both run on PostgreSQL too in CI (marker ``db``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from factories import build_team
from powerkam.api.services import api_token_issue
from powerkam.staff.models import Role

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _seed(store_dir: Path) -> dict[str, Any]:
    """A small supply area with one object of each kind the path parameters name, bills for 12 months,
    a finished grading run (grades with their reasons) and interruptions on E100's feeder."""
    from factories import ContactFactory, StaffFactory, write_dataset
    from grading.grading_store import customer, monthly_bills, pay_on_time, periods_ending, write_store
    from powerkam.grading.services import grading_run_create, grading_run_execute
    from powerkam.grid.models import Feeder, Substation
    from powerkam.outages import services as outage_services
    from powerkam.prospects import services as prospects
    from powerkam.service import services as service
    from powerkam.service.models import TicketKind

    team = build_team()
    admin = StaffFactory(user__username="fuzz-admin", name="管理员", role=Role.ADMIN).user
    ContactFactory(account=team.accounts["E100"], name="王工")
    substation = Substation.objects.create(substation_id="S1", name="一号变电站", district="东城区")
    for feeder_id in ("F001", "F002"):
        Feeder.objects.create(
            feeder_id=feeder_id,
            name=f"{feeder_id}线",
            substation=substation,
            voltage_kv=Decimal("10"),
            rated_capacity_kva=Decimal("8000"),
        )
    amounts = {"E100": "900000.00", "E101": "50000.00", "E200": "300000.00", "E300": "100.00"}
    bills = [
        b
        for cid, amount in amounts.items()
        for b in monthly_bills(cid, periods_ending("2026-10", 12), amount=amount, kwh=1000)
    ]
    write_store(
        store_dir,
        customers=[customer(cid, district="东城区") for cid in amounts],
        billing=bills,
        payments=pay_on_time([b for b in bills if b["customer_id"] != "E200"]),
    )
    now = dt.datetime.now().replace(microsecond=0)
    write_dataset(
        store_dir,
        "outages",
        [
            {
                "outage_id": "O1",
                "feeder_id": "F001",
                "start": now - dt.timedelta(days=30, hours=2),
                "end": now - dt.timedelta(days=30),
                "planned": False,
                "cause": "故障",
            }
        ],
    )
    run = grading_run_execute(run=grading_run_create(period="2026-10", by=team.supervisor.user))
    outage = outage_services.outage_create(
        title="检修",
        feeders="F001",
        start=now + dt.timedelta(days=10),
        end=now + dt.timedelta(days=10, hours=4),
        by=admin,
    )
    project = prospects.project_create(
        by=admin, project_id="GP-1", name="示范园区", expected_capacity_kva=Decimal("5000")
    )
    today = dt.date(2026, 11, 2)
    ticket = service.ticket_create(
        kind=TicketKind.choices[0][0], title="报修", by=admin, accepted_on=today, account=team.accounts["E100"]
    )
    case = service.case_create(account=team.accounts["E100"], title="增容", by=admin, accepted_on=today)
    return {
        "token": api_token_issue(username=admin.get_username()).token,
        "parameters": {
            "customer_id": "E100",
            "project_id": project.project_id,
            "ticket_id": ticket.pk,
            "case_id": case.pk,
            "run_id": run.pk,
            "outage_id": outage.pk,
        },
    }


def _document() -> dict[str, Any]:
    """The OpenAPI document the server serves (built in process: the schema is needed to collect the tests)."""
    from powerkam.api.urls import api

    return api.get_openapi_schema(path_prefix="/api/v1/")


schema = schemathesis.openapi.from_dict(_document())


@pytest.fixture
def seeded(live_server: Any, transactional_db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    cache.clear()
    settings.ANALYTICS_DIR = tmp_path / "store"
    # Every operation answers fast, so every operation is fuzzed: a month plan searches at most a
    # second (the installation's cap, docs/outages.md), and a grading run is only queued (the database
    # task backend; no worker runs here), as in production.
    settings.OUTAGE_PLAN_MAX_SECONDS = 1.0
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    data = _seed(settings.ANALYTICS_DIR)
    data["base_url"] = live_server.url
    data["headers"] = {"Authorization": f"Bearer {data['token']}", "Accept-Language": "en"}
    return data


def _run(case: Any, seeded: dict[str, Any]) -> None:
    for name, value in seeded["parameters"].items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    case.call_and_validate(base_url=seeded["base_url"], headers=seeded["headers"], checks=CHECKS)


def _fuzz(seeded: dict[str, Any], max_examples: int, negative: bool = False) -> None:
    """Every operation in turn against one server and one database (a flush per operation would cost more
    than the requests); every failing operation is listed with schemathesis' report and a curl line."""
    settings = hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
    )
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        strategy = operation.as_strategy()
        if negative:  # also requests that do not fit the schema: each must be refused with a documented 4xx
            strategy = strategy | operation.as_strategy(GenerationMode.NEGATIVE)

        @settings
        @hypothesis.given(case=strategy)
        def check(case: Any) -> None:
            _run(case, seeded)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup: collect, report all
            failures.append(f"{operation.method.upper()} {operation.path}\n{exc}")
    assert operations >= 70, "the schema lost its operations"
    assert not failures, f"{len(failures)} of {operations} operations broke the contract:\n\n" + "\n\n".join(failures)


def test_every_operation_keeps_its_contract(seeded: dict[str, Any]) -> None:
    _fuzz(seeded, max_examples=6, negative=True)


@pytest.mark.slow
def test_every_operation_keeps_its_contract_long(seeded: dict[str, Any]) -> None:
    _fuzz(seeded, max_examples=60, negative=True)
