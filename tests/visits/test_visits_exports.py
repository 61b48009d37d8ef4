"""The visits pages' Excel exports: the due list and the visit records, exactly the rows the page
shows the user (its filters, their accounts), names as text, dates as date cells, numbers as numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from powerkam.visits.models import Visit, VisitSource
from powerkam.visits.selectors import visits_due
from tests.visits.helpers import key_account, visit
from workbooks import (
    INJECTED,
    as_written,
    assert_header,
    assert_injected_names_are_text,
    assert_numbers,
    column,
    open_workbook,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the pages date the due list from the real today


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the headers are read in English
    return client


@pytest.fixture
def injected(manager: User, colleague: User) -> None:
    """The manager's accounts carry the injected names (visited by them); the colleague has one of their own."""
    for n, name in enumerate(INJECTED):
        account = key_account(f"J{n}", "ABC"[n % 3], manager=manager, name=name)
        v = visit(account, TODAY - dt.timedelta(days=200 + n), staff=manager)
        Visit.objects.filter(pk=v.pk).update(topics=f"用电需求 {name}", satisfaction=1 + n % 5)
    other = key_account("K900", "A", manager=colleague, name="王强的客户")
    v = visit(other, TODAY - dt.timedelta(days=3), staff=colleague, imported=True)
    Visit.objects.filter(pk=v.pk).update(topics="峰谷电价", satisfaction=5)


def test_due_export_is_the_managers_due_list_typed(client: Client, manager: User, injected: None) -> None:
    response = login(client, manager).get("/visits/due/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"visits-due-{TODAY.isoformat()}.xlsx" in response["Content-Disposition"]
    sheet = open_workbook(response.content).active
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    expected = visits_due(user=manager, as_of=TODAY)
    assert [c.value for c in column(sheet, "Customer id")] == [r.customer_id for r in expected]
    assert "K900" not in [c.value for c in column(sheet, "Customer id")]  # the colleague's account
    for header in ("Last visit", "Due"):
        cells = column(sheet, header)
        assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in cells)
    assert [c.value.date() for c in column(sheet, "Due")] == [r.due_on for r in expected]
    assert column(sheet, "Last visit")[0].value.date() == expected[0].last_visit_on
    assert_numbers(column(sheet, "Days overdue"), "0")
    assert [c.value for c in column(sheet, "Days overdue")] == [r.days_overdue for r in expected]
    assert {c.value for c in column(sheet, "Manager")} == {"李娜"}


def test_due_export_honours_the_manager_filter(client: Client, supervisor: User, injected: None) -> None:
    sheet = open_workbook(login(client, supervisor).get("/visits/due/export.xlsx?manager=m2").content).active
    assert [c.value for c in column(sheet, "Customer id")] == ["K900"]
    everyone = open_workbook(client.get("/visits/due/export.xlsx").content).active
    assert len(column(everyone, "Customer id")) == len(INJECTED) + 1


def test_due_page_links_to_its_export_with_the_filter(client: Client, supervisor: User, injected: None) -> None:
    html = login(client, supervisor).get("/visits/due/?manager=m2").content.decode()
    assert 'href="/visits/due/export.xlsx?manager=m2"' in html


def test_records_export_is_every_visible_visit_typed(client: Client, manager: User, injected: None) -> None:
    response = login(client, manager).get("/visits/records/export.xlsx")
    assert response.status_code == 200
    assert f"visit-records-{TODAY.isoformat()}.xlsx" in response["Content-Disposition"]
    sheet = open_workbook(response.content).active
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    ids = [c.value for c in column(sheet, "Customer id")]
    assert ids == [f"J{n}" for n in range(len(INJECTED))]  # newest first; not the colleague's K900
    dates = column(sheet, "Date")
    assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)
    assert dates[0].value.date() == TODAY - dt.timedelta(days=200)
    assert_numbers(column(sheet, "Satisfaction"), "0")
    assert [c.value for c in column(sheet, "Satisfaction")] == [1 + n % 5 for n in range(len(INJECTED))]
    assert column(sheet, "Topics")[0].value == f"用电需求 {as_written(INJECTED[0])}"
    assert {c.value for c in column(sheet, "Visited by")} == {"李娜"}
    assert {c.value for c in column(sheet, "Source")} == {VisitSource.RECORDED.label}


def test_records_export_honours_the_search_and_source(client: Client, supervisor: User, injected: None) -> None:
    c = login(client, supervisor)
    sheet = open_workbook(c.get("/visits/records/export.xlsx?q=峰谷").content).active
    assert [x.value for x in column(sheet, "Customer id")] == ["K900"]
    sheet = open_workbook(c.get("/visits/records/export.xlsx?source=recorded").content).active
    assert "K900" not in [x.value for x in column(sheet, "Customer id")]
    assert len(column(sheet, "Customer id")) == len(INJECTED)
    html = c.get("/visits/records/?q=峰谷").content.decode()
    assert "/visits/records/export.xlsx?q=" in html


def test_the_export_speaks_the_users_language(client: Client, manager: User, injected: None) -> None:
    client.force_login(manager)
    html = client.get("/visits/records/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "导出 Excel" in html
    content = client.get("/visits/due/export.xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    sheet = open_workbook(content).active
    assert sheet.title == "应访客户"
    assert [c.value for c in sheet[1]][:3] == ["户号", "客户", "等级"]


def test_records_export_of_a_selection_is_exactly_the_selected_visible_visits(
    client: Client, manager: User, injected: None
) -> None:
    """The list's bulk bar (issue 19 part 6): the selected rows only; a colleague's visit stays out."""
    login(client, manager)
    html = client.get("/visits/records/").content.decode()
    chosen = list(Visit.objects.filter(account__customer_id__in=["J0", "J2"]).values_list("pk", flat=True))
    assert f'name="selected" value="{chosen[0]}" form="visit-bulk"' in html
    theirs = Visit.objects.get(account__customer_id="K900").pk
    response = client.post("/visits/records/export.xlsx", {"selected": [*chosen, theirs]})
    sheet = open_workbook(response.content).active
    assert sorted(c.value for c in column(sheet, "Customer id")) == ["J0", "J2"]
    nothing = client.post("/visits/records/export.xlsx", {})
    assert nothing.status_code == 302
