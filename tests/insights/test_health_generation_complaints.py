"""The CRM gathers the two newer health parts (docs/health.md): complaints repeated within 90 days
from the complaint tickets and the 95598 complaint work orders, and own generation growing from the
renewables ``generation`` data; the 360 panel words them with their figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from factories import Team, monthly_bills, write_dataset
from powerkam.insights import health
from powerkam.service import services as service_services
from powerkam.service.models import TicketKind, WorkOrder, WorkOrderStatus, WorkOrderType

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _complaint(team: Team, customer_id: str, days_ago: int) -> None:
    service_services.ticket_create(
        kind=TicketKind.COMPLAINT,
        title="电压偏低",
        by=team.manager.user,
        accepted_on=TODAY - dt.timedelta(days=days_ago),
        account=team.accounts[customer_id],
    )


def _work_order(team: Team, customer_id: str, days_ago: int, no: str) -> None:
    received = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(10)))
    WorkOrder.objects.create(
        order_no=no,
        order_type=WorkOrderType.COMPLAINT,
        received_at=received,
        account=team.accounts[customer_id],
        status=WorkOrderStatus.CLOSED,
    )


def test_complaints_repeated_within_90_days_raise_the_risk(team: Team, store_dir: Path) -> None:
    _complaint(team, "E100", 200)  # the first, months before
    _complaint(team, "E100", 150)  # 50 days later: a repeat
    _complaint(team, "E100", 20)  # 130 days later: not a repeat
    _work_order(team, "E101", 400, "W1")  # a year before the year: not counted …
    _work_order(team, "E101", 340, "W2")  # … but makes this one (60 days on) a repeat
    _complaint(team, "E200", 10)  # one complaint only
    by_id = {r.account.customer_id: r.health for r in health.key_account_health(user=None, today=TODAY).rows}
    e100 = by_id["E100"]
    assert e100.signals.repeated_complaints == 1
    assert e100.signals.repeated_complaint_on == f"{TODAY - dt.timedelta(days=150):%Y-%m-%d}"
    assert e100.parts["complaint_history"] == 50.0
    assert ("complaints_repeated", "medium") in e100.floors
    assert e100.risk != "low"
    assert by_id["E101"].signals.repeated_complaints == 1
    assert by_id["E200"].parts["complaint_history"] is None  # a single complaint: the service part counts it


def test_growing_own_generation_is_a_part_worded_on_the_panel(team: Team, store_dir: Path, client: Client) -> None:
    last = f"{TODAY.replace(day=1) - dt.timedelta(days=1):%Y-%m}"  # the last complete month
    bills = monthly_bills("E100", last_period=last, months=24) + monthly_bills("E101", last_period=last, months=24)
    write_dataset(store_dir, "billing", bills)
    generation = []
    for i, bill in enumerate(b for b in bills if b["customer_id"] == "E100"):
        kwh = 40_000.0 if i >= 12 else 10_000.0  # four times the year before
        generation.append(
            {
                "customer_id": "E100",
                "period": bill["period"],
                "technology": "pv",
                "installed_kw": 5000.0,
                "generated_kwh": kwh,
                "self_consumed_kwh": kwh,
                "exported_kwh": 0.0,
            }
        )
    write_dataset(store_dir, "generation", generation)
    found = health.account_health(account=team.accounts["E100"], today=TODAY)
    assert found.signals.generation_growth == pytest.approx(3.0)
    assert found.parts["self_generation"] == 0.0  # growth far past the threshold, a large own share
    assert ("self_generation_up", "medium") in found.floors
    assert health.account_health(account=team.accounts["E101"], today=TODAY).parts["self_generation"] is None
    client.force_login(team.manager.user)
    panel = client.get("/insights/health/E100/").content.decode()
    assert "自发电量较前 12 个月增长 300.0%" in panel
    assert "绿电与新能源服务" in panel  # the strategy that answers it
