"""The compliance report per kind and area class (count, on-time share, median, 90th percentile,
breaches with owners) on its page, in Excel and in the API; the monthly complaint figures."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook

from factories import AccountFactory, AssignmentFactory
from powerkam.accounts.models import Account, AreaClass
from powerkam.service import services
from powerkam.service.compliance import complaints_by_month, compliance_report, nearest_rank
from powerkam.service.models import Ticket, TicketKind, WorkOrder

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date
FIRST, LAST = D(2026, 9, 1), D(2026, 10, 31)


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_nearest_rank_percentiles() -> None:
    assert nearest_rank([], 0.9) is None
    assert nearest_rank([5.0], 0.9) == 5.0
    assert nearest_rank([float(v) for v in range(1, 11)], 0.9) == 9.0  # the 9th of 10
    assert nearest_rank([3.0, 1.0, 2.0], 0.5) == 2.0


def _fault(by: User, account: Account, reported: dt.datetime, arrived: dt.datetime, restored: dt.datetime) -> Ticket:
    ticket = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title="抢修", by=by, account=account, accepted_at=reported
    )
    services.ticket_arrive(ticket=ticket, version=None, by=by, at=arrived)
    services.ticket_restore(ticket=ticket, version=None, by=by, at=restored)
    services.ticket_close(ticket=ticket, version=None, by=by, at=restored + dt.timedelta(hours=1))
    return ticket


def _review(by: User, account: Account, accepted: dt.date, closed: dt.date | None) -> Ticket:
    ticket = services.ticket_create(
        kind=TicketKind.DESIGN_REVIEW, title="设计审核", by=by, account=account, accepted_on=accepted
    )
    if closed is not None:
        services.ticket_close(ticket=ticket, version=None, by=by, on=closed)
    return ticket


@pytest.fixture
def tickets(manager: User, account: Account) -> dict[str, Ticket]:
    rural = AccountFactory(customer_id="C900002", area_class=AreaClass.RURAL, district="郊区")
    AssignmentFactory(account=rural, staff=manager)
    return {
        "fault_met": _fault(manager, account, at(2026, 10, 1, 23, 30), at(2026, 10, 2, 0, 15), at(2026, 10, 2, 3, 15)),
        "fault_late": _fault(
            manager, account, at(2026, 10, 14, 9, 0), at(2026, 10, 14, 10, 0), at(2026, 10, 14, 11, 0)
        ),
        "fault_rural": _fault(manager, rural, at(2026, 10, 1, 22, 0), at(2026, 10, 1, 23, 0), at(2026, 10, 2, 1, 0)),
        "review_met": _review(manager, account, D(2026, 9, 28), D(2026, 10, 16)),
        "review_late": _review(manager, account, D(2026, 9, 28), D(2026, 10, 19)),
        "review_open": _review(manager, account, D(2026, 9, 1), None),
    }


@pytest.mark.django_db
def test_groups_by_kind_and_area_with_median_and_p90(tickets: dict[str, Ticket], supervisor: User) -> None:
    report = compliance_report(user=supervisor, first=FIRST, last=LAST)
    groups = {(g.kind, g.area_class): g.as_dict() for g in report.groups}
    assert groups[("fault_repair", "urban")] == {
        "kind": "fault_repair",
        "label": "Fault repair",
        "area_class": "urban",
        "unit": "minutes",
        "count": 2,
        "on_time": 1,
        "on_time_share": 50.0,
        "median": 172.5,  # 225 and 120 minutes from the report to the restoration
        "p90": 225.0,
    }
    rural = groups[("fault_repair", "rural")]
    assert (rural["count"], rural["on_time_share"], rural["median"]) == (1, 100.0, 180.0)
    review = groups[("design_review", "urban")]
    assert (review["unit"], review["count"], review["on_time"], review["median"], review["p90"]) == (
        "workdays",
        2,
        1,
        10.5,
        11.0,
    )
    late = {b.ticket.pk: (b.closed, b.late, b.unit, b.ticket.owner.username) for b in report.breaches}
    assert late[tickets["fault_late"].pk] == (True, 15, "minutes", "li.mgr")  # on site 15 minutes late
    assert late[tickets["review_late"].pk] == (True, 1, "workdays", "li.mgr")
    assert late[tickets["review_open"].pk][0] is False  # open and late now
    assert tickets["fault_met"].pk not in late


@pytest.mark.django_db
def test_the_page_the_workbook_and_the_api(tickets: dict[str, Ticket], supervisor: User) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(supervisor)
    url = f"/service/compliance/report/?first={FIRST}&last={LAST}"
    page = client.get(url).content.decode()
    assert 'data-kind="fault_repair" data-area="rural"' in page
    assert f'data-ticket="{tickets["fault_late"].pk}"' in page
    workbook = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    assert workbook.sheetnames == ["Compliance", "Breaches"]
    rows = list(workbook["Compliance"].iter_rows(values_only=True))
    header = rows.index(
        ("Business", "Area class", "Unit", "Closed", "On time", "On-time share", "Median", "90th percentile")
    )
    assert ("Fault repair", "Urban", "minutes", 2, 1, 0.5, 172.5, 225) in rows[header + 1 :]
    api = client.get(f"/api/v1/service/compliance/report?first={FIRST}&last={LAST}").json()
    assert {(g["kind"], g["area_class"]) for g in api["groups"]} >= {
        ("fault_repair", "urban"),
        ("design_review", "urban"),
    }
    assert client.get(f"/api/v1/service/compliance/report?first={LAST}&last={FIRST}").status_code == 400
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_login(supervisor)
    page = zh.get(url).content.decode()
    for english in ("Compliance report", "On-time share", "90th percentile", "Breaches"):
        assert english not in page


@pytest.mark.django_db
def test_monthly_complaints_by_type_and_district(manager: User, account: Account, supervisor: User) -> None:
    account.district = "东城区"
    account.save()
    for no, kind, received in [
        ("W1", "complaint", at(2026, 10, 5, 9, 0)),
        ("W2", "complaint", at(2026, 10, 20, 9, 0)),
        ("W3", "report", at(2026, 11, 2, 9, 0)),
        ("W4", "inquiry", at(2026, 11, 3, 9, 0)),
    ]:
        WorkOrder.objects.create(order_no=no, order_type=kind, received_at=received, account=account, status="open")
    services.ticket_create(
        kind=TicketKind.COMPLAINT, title="当面投诉", by=manager, account=account, accepted_on=D(2026, 11, 4)
    )
    rows = complaints_by_month(user=supervisor, first=D(2026, 10, 1), last=D(2026, 11, 30))["rows"]
    assert rows == [
        {"month": "2026-10", "type": "complaint", "district": "东城区", "count": 2},
        {"month": "2026-11", "type": "report", "district": "东城区", "count": 1},
        {"month": "2026-11", "type": "ticket", "district": "东城区", "count": 1},
    ]
