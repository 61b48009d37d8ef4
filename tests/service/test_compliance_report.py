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


@pytest.fixture
def complaints(manager: User, account: Account, colleague: User) -> None:
    """September to November 2026: 95598 complaints and a report in 东城区 (the manager's account),
    a complaint in 西城区 (a colleague's account), a complaint ticket recorded without a work order."""
    account.district = "东城区"
    account.save()
    other = AccountFactory(customer_id="C900009", district="西城区")
    AssignmentFactory(account=other, staff=colleague)
    for no, kind, received, on in [
        ("W1", "complaint", at(2026, 9, 5, 9, 0), account),
        ("W2", "complaint", at(2026, 11, 20, 9, 0), account),
        ("W3", "report", at(2026, 11, 2, 9, 0), account),
        ("W4", "inquiry", at(2026, 11, 3, 9, 0), account),
        ("W5", "complaint", at(2026, 11, 30, 23, 30), other),  # late on the last day: still November
        ("W6", "complaint", at(2026, 12, 1, 0, 30), other),  # after the period
    ]:
        WorkOrder.objects.create(order_no=no, order_type=kind, received_at=received, account=on, status="open")
    services.ticket_create(
        kind=TicketKind.COMPLAINT, title="当面投诉", by=manager, account=account, accepted_on=D(2026, 11, 4)
    )


PERIOD = "?first=2026-09-01&last=2026-11-30"


def _table(html: str, testid: str) -> list[list[str]]:
    import re

    body = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows
    ]


@pytest.mark.django_db
def test_the_monthly_complaint_page_by_month_and_district(supervisor: User, complaints: None) -> None:
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_login(supervisor)
    html = zh.get("/service/complaints/" + PERIOD).content.decode()
    assert "投诉月报" in html
    assert _table(html, "complaints-by-month") == [
        ["月份", "95598 投诉", "举报", "无工单的投诉（本系统登记）", "合计"],
        ["2026-09", "1", "0", "0", "1"],
        ["2026-10", "0", "0", "0", "0"],  # a month without complaints is shown, with zeros
        ["2026-11", "2", "1", "1", "4"],
        ["合计", "3", "1", "1", "5"],
    ]
    assert _table(html, "complaints-by-district") == [
        ["区县", "95598 投诉", "举报", "无工单的投诉（本系统登记）", "合计"],
        ["东城区", "2", "1", "1", "4"],
        ["西城区", "1", "0", "0", "1"],
    ]
    for english in ("Monthly complaint report", "By district", "Reports of misconduct"):
        assert english not in html
    en = Client(HTTP_ACCEPT_LANGUAGE="en")
    en.force_login(supervisor)
    english_page = en.get("/service/complaints/" + PERIOD).content.decode()
    assert "Monthly complaint report" in english_page
    assert "Reports of misconduct" in english_page


@pytest.mark.django_db
def test_the_monthly_complaint_workbook_reads_back(supervisor: User, complaints: None) -> None:
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_login(supervisor)
    response = zh.get("/service/complaints/" + PERIOD + "&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "complaints-2026-09-01-2026-11-30.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按月", "按区县", "明细"]
    by_month = list(book["按月"].iter_rows(values_only=True))
    assert by_month[0][0] == "投诉情况 2026-09-01 – 2026-11-30"
    assert by_month[1] == ("月份", "95598 投诉", "举报", "无工单的投诉（本系统登记）", "合计")
    assert by_month[2:] == [
        ("2026-09", 1, 0, 0, 1),
        ("2026-10", 0, 0, 0, 0),
        ("2026-11", 2, 1, 1, 4),
        ("合计", 3, 1, 1, 5),
    ]
    by_district = list(book["按区县"].iter_rows(min_row=3, values_only=True))
    assert by_district == [("东城区", 2, 1, 1, 4), ("西城区", 1, 0, 0, 1)]
    detail = list(book["明细"].iter_rows(min_row=2, values_only=True))
    assert detail == [
        ("2026-09", "95598 投诉", "东城区", 1),
        ("2026-11", "95598 投诉", "东城区", 1),
        ("2026-11", "95598 投诉", "西城区", 1),
        ("2026-11", "举报", "东城区", 1),
        ("2026-11", "无工单的投诉（本系统登记）", "东城区", 1),
    ]


@pytest.mark.django_db
def test_a_manager_sees_the_complaints_of_their_own_accounts(manager: User, complaints: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(manager)
    html = client.get("/service/complaints/" + PERIOD).content.decode()
    assert [row[0] for row in _table(html, "complaints-by-district")[1:]] == ["东城区"]
    assert "西城区" not in html


@pytest.mark.django_db
def test_the_complaint_report_refuses_a_bad_period_and_is_linked(supervisor: User, complaints: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(supervisor)
    bad = client.get("/service/complaints/?first=2026-11-30&last=2026-09-01", follow=True)
    assert "The period ends before it starts." in bad.content.decode()
    garbled = client.get("/service/complaints/?first=Nov", follow=True)
    assert "YYYY-MM-DD" in garbled.content.decode()
    assert 'data-testid="complaints-report-link"' in client.get("/service/compliance/").content.decode()
    assert "/service/complaints/" in client.get("/service/").content.decode()


def test_report_periods_count_whole_calendar_months() -> None:
    """The SLA chart's "last N months" starts on the first of the month N - 1 months back (12 months
    to December start in January), whatever the months' lengths; before, 31-day steps reached one
    month further for N ≥ 3."""
    from powerkam.service.selectors import first_of_months_back

    assert first_of_months_back(dt.date(2026, 12, 7), 12) == dt.date(2026, 1, 1)
    assert first_of_months_back(dt.date(2026, 12, 7), 1) == dt.date(2026, 12, 1)
    assert first_of_months_back(dt.date(2026, 3, 31), 3) == dt.date(2026, 1, 1)
    assert first_of_months_back(dt.date(2027, 2, 28), 36) == dt.date(2024, 3, 1)
