"""Arrears collection (欠费催缴): key accounts owing bills past their due date, filters, the open
collection ticket of each, and the Excel export of exactly what is filtered."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from factories import AccountFactory, AssignmentFactory, Team, build_team, monthly_bills, write_dataset
from powerkam.service import services
from powerkam.service.models import TicketKind
from workbooks import INJECTED, assert_header, assert_injected_names_are_text, assert_numbers, column

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db: None) -> Team:
    cache.clear()
    return build_team()


@pytest.fixture
def owing(settings, tmp_path: Path, team: Team) -> Path:
    """Today − 40 days: E100's bill (100,000) and E200's (50,000) fall due and stay unpaid; E101's
    older bill (10,000, due today − 100 days) too. Everything else is paid on time."""
    store = tmp_path / "store"
    store.mkdir()
    settings.ANALYTICS_DIR = store
    today = timezone.localdate()
    rows = []
    for customer_id, kwh, days in (("E100", 100_000.0, 40), ("E200", 50_000.0, 40), ("E101", 10_000.0, 100)):
        bill = monthly_bills(customer_id, last_period="2026-01", months=1, kwh=kwh, price="1.00")[0]
        bill["due_date"] = today - dt.timedelta(days=days)
        rows.append(bill)
    write_dataset(store, "billing", rows)
    write_dataset(store, "payments", [])
    return store


def _ids(html: str) -> list[str]:
    return re.findall(r'<tr data-customer="([^"]+)"', html)


def test_the_supervisor_sees_every_key_account_in_arrears_most_owed_first(client: Client, team: Team, owing) -> None:
    client.force_login(team.supervisor.user)
    html = client.get("/service/arrears/").content.decode()
    assert _ids(html) == ["E100", "E200", "E101"]
    assert 'data-count="3"' in html
    assert _ids(client.get("/service/arrears/?sort=days").content.decode()) == ["E101", "E100", "E200"]
    assert _ids(client.get("/service/arrears/?age=91-180").content.decode()) == ["E101"]
    assert _ids(client.get("/service/arrears/?manager=m02").content.decode()) == ["E100", "E200"]  # secondary on E100
    assert _ids(client.get("/service/arrears/?q=医院").content.decode()) == ["E101"]


def test_a_manager_sees_only_their_accounts(client: Client, team: Team, owing) -> None:
    client.force_login(team.manager.user)
    assert _ids(client.get("/service/arrears/").content.decode()) == ["E100", "E101"]


def test_an_open_collection_ticket_replaces_the_collect_button(client: Client, team: Team, owing) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.ARREARS_COLLECTION,
        title="催缴 1 月电费",
        by=team.manager.user,
        accepted_on=timezone.localdate(),
        account=team.accounts["E100"],
    )
    client.force_login(team.supervisor.user)
    html = client.get("/service/arrears/").content.decode()
    assert f'data-ticket="{ticket.pk}"' in html
    assert "customer_id=E200&amp;kind=arrears_collection" in html
    assert "customer_id=E100&amp;kind=arrears_collection" not in html
    # "nobody collecting yet" leaves E100 out
    assert _ids(client.get("/service/arrears/?without_ticket=1").content.decode()) == ["E200", "E101"]
    # the Collect button opens the ticket form with the account and the kind filled in
    form = client.get("/service/tickets/new/?customer_id=E200&kind=arrears_collection").content.decode()
    assert 'value="E200"' in form
    assert 'value="arrears_collection" selected' in form


def test_the_export_is_exactly_the_filtered_list(client: Client, team: Team, owing) -> None:
    client.force_login(team.supervisor.user)
    response = client.get("/service/arrears/?manager=m01&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert [row[0] for row in values[1:]] == ["E100", "E101"]
    assert values[1][5] == 100000.0
    assert values[1][6] == 40


def test_the_export_writes_names_as_text_and_money_as_numbers(
    client: Client, team: Team, settings, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    settings.ANALYTICS_DIR = store
    rows = []
    for n, name in enumerate(INJECTED):
        account = AccountFactory(customer_id=f"J{n}", name=name, key_status="key", grade="B")
        AssignmentFactory(account=account, staff=team.manager.user)
        bill = monthly_bills(f"J{n}", last_period="2026-01", months=1, kwh=1000.0 * (n + 1), price="1.50")[0]
        bill["due_date"] = timezone.localdate() - dt.timedelta(days=10 + n)
        rows.append(bill)
    write_dataset(store, "billing", rows)
    write_dataset(store, "payments", [])
    client.force_login(team.supervisor.user)
    client.cookies["django_language"] = "en"
    sheet = load_workbook(io.BytesIO(client.get("/service/arrears/?format=xlsx").content)).active
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    assert_numbers(column(sheet, "Owed (yuan)"), "#,##0.00")
    assert_numbers(column(sheet, "Penalty accrued (yuan)"), "#,##0.00")
    assert_numbers(column(sheet, "Bills"), "0")
    assert_numbers(column(sheet, "Days past due"), "0")
    assert column(sheet, "Owed (yuan)")[0].value == 10500.0  # the most owed first: 7,000 kWh at 1.50


def test_without_bills_the_page_says_what_to_import(client: Client, team: Team, settings, tmp_path: Path) -> None:
    settings.ANALYTICS_DIR = tmp_path
    client.force_login(team.supervisor.user)
    html = client.get("/service/arrears/").content.decode()
    assert 'data-count="0"' in html
    assert _ids(html) == []
