"""A fault repair's outage on the account's reliability record (issue 18, item 2): restoring a fault
ticket records an interruption from the report to the restoration, once, and the grid's reliability
figures (grid page, 360 panel, health) count it with the feeders' outage history (docs/service.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import AccountFactory, AssignmentFactory, write_dataset
from powerkam.accounts.models import Account
from powerkam.outages import network as grid
from powerkam.service import services
from powerkam.service.models import FaultInterruption, Ticket, TicketKind
from tests.service.conftest import taken_over

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNTIL = dt.datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "store"
    return settings.ANALYTICS_DIR


@pytest.fixture
def plant(manager: User, store: Path) -> Account:
    account = AccountFactory(customer_id="C700", name="示范化工", key_status="key", feeders="F1")
    AssignmentFactory(account=account, staff=manager)
    return account


def _fault(account: Account, desk: User, manager: User, reported: dt.datetime) -> Ticket:
    ticket = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title="10kV 进线跳闸", by=desk, account=account, accepted_at=reported
    )
    return taken_over(ticket, manager)


def _restored(account: Account, desk: User, manager: User, reported: dt.datetime, restored: dt.datetime) -> Ticket:
    ticket = _fault(account, desk, manager, reported)
    services.ticket_arrive(ticket=ticket, version=ticket.version, by=manager, at=reported + dt.timedelta(minutes=30))
    ticket.refresh_from_db()
    services.ticket_restore(ticket=ticket, version=ticket.version, by=manager, at=restored)
    ticket.refresh_from_db()
    return ticket


def test_restoring_a_fault_puts_its_outage_on_the_reliability_record(plant: Account, desk: User, manager: User) -> None:
    assert grid.account_reliability(account=plant, until=UNTIL).interruptions == 0
    ticket = _restored(plant, desk, manager, at(2026, 10, 1, 23, 30), at(2026, 10, 2, 2, 0))
    record = FaultInterruption.objects.get(ticket=ticket)
    assert (record.account, record.start, record.end) == (plant, at(2026, 10, 1, 23, 30), at(2026, 10, 2, 2, 0))
    r = grid.account_reliability(account=plant, until=UNTIL)
    assert (r.interruptions, r.unplanned_interruptions, r.planned_interruptions) == (1, 1, 0)
    assert r.hours == pytest.approx(2.5)
    assert r.events[0].start == dt.datetime(2026, 10, 1, 23, 30)  # local time, as the store's outages
    assert r.events[0].outage_ids == (f"ticket:{ticket.pk}",)
    table = {row.customer_id: row for row in grid.reliability_table(until=UNTIL)}
    assert table["C700"].unplanned_hours == pytest.approx(2.5)


def test_it_is_recorded_once_however_often_the_ticket_is_saved(plant: Account, desk: User, manager: User) -> None:
    ticket = _restored(plant, desk, manager, at(2026, 10, 5, 9, 0), at(2026, 10, 5, 11, 0))
    record = FaultInterruption.objects.get(ticket=ticket)
    assert services.fault_interruption_record(ticket) == record
    services.ticket_close(ticket=ticket, version=ticket.version, by=manager, at=at(2026, 10, 5, 15, 0))
    ticket.refresh_from_db()
    services.fault_interruption_record(ticket)
    assert FaultInterruption.objects.count() == 1
    assert record.history.count() == 1  # never rewritten: the same times
    assert grid.account_reliability(account=plant, until=UNTIL).interruptions == 1


def test_a_fault_closed_without_a_restoration_and_other_tickets_record_none(
    plant: Account, desk: User, manager: User
) -> None:
    false_alarm = _fault(plant, desk, manager, at(2026, 10, 6, 8, 0))
    services.ticket_close(
        ticket=false_alarm, version=false_alarm.version, by=manager, at=at(2026, 10, 6, 8, 40), resolution="误报"
    )
    office = services.ticket_create(
        kind=TicketKind.MAINTENANCE, title="年度检修", by=desk, account=plant, accepted_on=dt.date(2026, 10, 8)
    )
    assert services.fault_interruption_record(office) is None
    assert not FaultInterruption.objects.exists()
    assert grid.account_reliability(account=plant, until=UNTIL).interruptions == 0


def test_a_feeder_outage_the_store_also_knows_counts_once(
    plant: Account, desk: User, manager: User, store: Path
) -> None:
    """F1 was out 23:00–01:00 in the outage history; the fault ticket says 23:30–02:00: one
    interruption of 3 hours, not two."""
    write_dataset(
        store,
        "outages",
        [
            {"outage_id": "O1", "feeder_id": "F1", "start": dt.datetime(2026, 10, 1, 23, 0),
             "end": dt.datetime(2026, 10, 2, 1, 0), "planned": False, "cause": "雷击"},
            {"outage_id": "O2", "feeder_id": "F1", "start": dt.datetime(2026, 11, 3, 8, 0),
             "end": dt.datetime(2026, 11, 3, 12, 0), "planned": True, "cause": "检修"},
        ],
    )  # fmt: skip
    _restored(plant, desk, manager, at(2026, 10, 1, 23, 30), at(2026, 10, 2, 2, 0))
    r = grid.account_reliability(account=plant, until=UNTIL)
    assert (r.interruptions, r.unplanned_interruptions, r.planned_interruptions) == (2, 1, 1)
    assert (r.unplanned_hours, r.planned_hours) == (pytest.approx(3.0), pytest.approx(4.0))
    assert set(r.events[0].outage_ids) == {"O1", f"ticket:{FaultInterruption.objects.get().ticket_id}"}


def test_an_account_without_feeders_has_its_faults_on_the_record_and_the_360_panel(
    desk: User, manager: User, store: Path, client: Client
) -> None:
    account = AccountFactory(customer_id="C701", name="示范冷库", key_status="key", feeders="")
    AssignmentFactory(account=account, staff=manager)
    ticket = _restored(account, desk, manager, at(2026, 11, 20, 14, 0), at(2026, 11, 20, 15, 30))
    table = {row.customer_id: row for row in grid.reliability_table(until=UNTIL)}
    assert table["C701"].interruptions == 1
    assert table["C701"].hours == pytest.approx(1.5)
    client.force_login(manager)
    html = client.get("/accounts/C701/panels/reliability/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="fault-interruptions"' in html
    assert f"/service/tickets/{ticket.pk}/" in html
    assert "复电时间" in html
    assert "2026-11-20 15:30" in html


def test_combining_records_counts_each_period_once() -> None:
    from powerkam.analytics.reliability import Interruption, combine_interruptions

    t = dt.datetime
    feeders = [Interruption(t(2026, 10, 1, 8), t(2026, 10, 1, 10), True, ("O1",))]
    own = [
        Interruption(t(2026, 10, 1, 10), t(2026, 10, 1, 11), False, ("ticket:1",)),  # touches: one
        Interruption(t(2026, 10, 2, 8), t(2026, 10, 2, 9), False, ("ticket:2",)),
        Interruption(t(2026, 10, 3, 8), t(2026, 10, 3, 8), False, ("ticket:3",)),  # no time: none
    ]
    assert combine_interruptions(feeders, own) == [
        Interruption(t(2026, 10, 1, 8), t(2026, 10, 1, 11), False, ("O1", "ticket:1")),
        Interruption(t(2026, 10, 2, 8), t(2026, 10, 2, 9), False, ("ticket:2",)),
    ]


def test_the_ticket_page_and_the_api_show_the_record(plant: Account, desk: User, manager: User) -> None:
    ticket = _restored(plant, desk, manager, at(2026, 10, 1, 23, 30), at(2026, 10, 2, 2, 0))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(manager)
    html = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert "2026-10-01 23:30 停电 – 2026-10-02 02:00 复电（2.5 小时），已计入该客户的供电可靠性" in html
    data = client.get(f"/api/v1/service/tickets/{ticket.pk}").json()
    assert data["interruption"]["hours"] == 2.5
    assert dt.datetime.fromisoformat(data["interruption"]["start"]) == at(2026, 10, 1, 23, 30)
    open_fault = _fault(plant, desk, manager, at(2026, 10, 9, 8, 0))
    assert client.get(f"/api/v1/service/tickets/{open_fault.pk}").json()["interruption"] is None
    assert 'data-testid="interruption"' not in client.get(f"/service/tickets/{open_fault.pk}/").content.decode()
