"""The account 360 page: master data, managers, contacts, supply, history, and the store-backed
sections (36 months of consumption and revenue, typical load curve, payment record)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from factories import ContactFactory, Team, monthly_bills, write_dataset
from powerkam.accounts.models import Account, Assignment
from powerkam.grid.models import Feeder, Substation

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client: Client, team: Team) -> Client:
    client.force_login(team.manager.user)
    return client


def chart_option(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no chart data {element_id}"
    return json.loads(match.group(1))


def test_the_header_shows_master_data_managers_and_badges(manager: Client, team: Team) -> None:
    html = manager.get("/accounts/E100/").content.decode()
    assert "示范钢铁有限公司" in html
    assert 'class="badge grade grade-A" title="信用分 100"' in html
    assert "一级重要用户" in html
    assert "双电源" in html
    assert "110 kV" in html
    assert "40,000 kVA" in html
    assert "C · 制造业" in html


def _people(html: str) -> list[str]:
    section = html[html.index('id="people"') : html.index('id="contacts"')]
    return re.findall(r"<strong>([^<]+)</strong>", section)


def test_managers_primary_and_secondary(manager: Client) -> None:
    html = manager.get("/accounts/E100/").content.decode()
    assert _people(html) == ["李娜", "王强"]  # the primary first
    assert "<dt>主经理</dt><dd>李娜" in html


def test_the_kept_head_follows_the_account_and_its_managers_at_once(manager: Client, team: Team) -> None:
    """The page's head is kept as HTML per version of the accounts (accounts/views.py ``_detail_head``)."""
    assert _people(manager.get("/accounts/E100/").content.decode()) == ["李娜", "王强"]
    team.other.name = "王刚"
    team.other.save()  # a manager renamed
    html = manager.get("/accounts/E100/").content.decode()
    assert _people(html) == ["李娜", "王刚"]
    account = team.accounts["E100"]
    account.address = "示范路1号"
    account.save()  # the account edited
    assert "示范路1号" in manager.get("/accounts/E100/").content.decode()
    Assignment.objects.filter(account=account, role="secondary").delete()  # the secondary ended
    assert _people(manager.get("/accounts/E100/").content.decode()) == ["李娜"]


def test_contacts_exclude_archived_ones(manager: Client, team: Team) -> None:
    ContactFactory(account=team.accounts["E100"], name="刘工")
    ContactFactory(account=team.accounts["E100"], name="旧联系人", archived=True)
    response = manager.get("/accounts/E100/")
    assert [c.name for c in response.context["contacts"]] == ["刘工"]
    assert "<strong>刘工</strong>" in response.content.decode()
    assert "<strong>旧联系人</strong>" not in response.content.decode()


def test_supply_feeders_come_from_the_topology_and_dual_supply_is_marked(manager: Client) -> None:
    station = Substation.objects.create(substation_id="S01", name="城东站")
    Feeder.objects.create(feeder_id="F001", name="东一线", substation=station, voltage_kv=Decimal("110"))
    feeders = manager.get("/accounts/E100/").context["feeders"]
    assert [(f.feeder_id, f.feeder.name if f.feeder else None) for f in feeders] == [("F001", "东一线"), ("F002", None)]
    html = manager.get("/accounts/E100/").content.decode()
    assert "城东站" in html
    assert "拓扑中暂无该线路" in html


def test_history_lists_changes_with_the_fields_changed(manager: Client, team: Team) -> None:
    account = team.accounts["E100"]
    account.contract_capacity_kva = Decimal("50000")
    account.save()
    html = manager.get("/accounts/E100/history/").content.decode()
    entries = re.findall(r'<li><span class="when">[^<]*</span>(.*?) <span class="muted">', html)
    assert entries[0] == "客户信息变更: 合同容量（kVA）"
    assert "分配客户经理：李娜（主经理）" in entries
    assert "客户建档" in entries


def test_the_sections_load_as_fragments(manager: Client) -> None:
    html = manager.get("/accounts/E100/").content.decode()
    for section in ("consumption", "load", "payments", "history"):
        assert f'hx-get="/accounts/E100/{section}/"' in html


def test_without_store_data_each_section_says_what_to_import(manager: Client, store_dir: Path) -> None:
    assert "导入电费抽取文件" in manager.get("/accounts/E100/consumption/").content.decode()
    assert "导入采集系统负荷数据" in manager.get("/accounts/E100/load/").content.decode()
    assert "导入电费和缴费抽取文件" in manager.get("/accounts/E100/payments/").content.decode()


def test_consumption_chart_has_36_months_in_wan_kwh(manager: Client, store_dir: Path) -> None:
    bills = monthly_bills("E100", last_period="2026-10", months=40, kwh=2_000_000.0)
    write_dataset(store_dir, "billing", bills + monthly_bills("E200", last_period="2026-10", months=3))
    html = manager.get("/accounts/E100/consumption/").content.decode()
    option = chart_option(html, "chart-consumption-data")
    assert option["xAxis"]["data"][0] == "2023-11"
    assert option["xAxis"]["data"][-1] == "2026-10"
    assert len(option["series"][0]["data"]) == 36
    assert option["series"][0]["data"][-1] == 200.0  # 2,000,000 kWh = 200 万kWh
    assert option["series"][1]["data"][-1] == 140.0  # 1,400,000 yuan = 140 万元
    assert option["yAxis"][0]["name"] == "万kWh"
    assert "2,400.00 万kWh" in html  # the last 12 months


def test_consumption_chart_in_english_uses_mwh(manager: Client, store_dir: Path) -> None:
    write_dataset(store_dir, "billing", monthly_bills("E100", last_period="2026-10", months=2, kwh=2_000_000.0))
    manager.cookies["django_language"] = "en"
    option = chart_option(manager.get("/accounts/E100/consumption/").content.decode(), "chart-consumption-data")
    assert option["yAxis"][0]["name"] == "MWh"
    assert option["series"][0]["name"] == "Consumption"
    assert option["series"][0]["data"][-1] == 2000.0


def test_the_sections_read_the_store_as_it_is_now(manager: Client, store_dir: Path) -> None:
    """The store sections share one DuckDB database between requests: a re-imported file must show at once."""
    for kwh in (1_000_000.0, 3_000_000.0):
        write_dataset(store_dir, "billing", monthly_bills("E100", last_period="2026-10", months=2, kwh=kwh))
        option = chart_option(manager.get("/accounts/E100/consumption/").content.decode(), "chart-consumption-data")
        assert option["series"][0]["data"][-1] == kwh / 10_000


def test_load_curve_chart_splits_working_and_non_working_days(manager: Client, store_dir: Path) -> None:
    start = dt.datetime(2026, 10, 1)
    rows = []
    for quarter in range(31 * 96):
        ts = start + dt.timedelta(minutes=15 * quarter)
        rows.append({"customer_id": "E100", "ts": ts, "kw": 800.0 if ts.weekday() < 5 else 200.0})
    write_dataset(store_dir, "loads", rows)
    html = manager.get("/accounts/E100/load/").content.decode()
    option = chart_option(html, "chart-load-data")
    working, non_working = option["series"]
    assert len(option["xAxis"]["data"]) == 96
    assert set(working["data"]) == {800.0}
    assert set(non_working["data"]) == {200.0}
    assert "2026-10-04 至 2026-10-31" in html  # the last 28 days


def test_payment_record_highlights_arrears(manager: Client, store_dir: Path) -> None:
    bills = monthly_bills("E100", last_period="2026-09", months=3, kwh=10_000.0)  # 7,000 yuan each
    write_dataset(store_dir, "billing", bills)
    write_dataset(
        store_dir,
        "payments",
        [
            {
                "customer_id": "E100",
                "period": "2026-07",
                "paid_on": dt.date(2026, 8, 10),
                "amount_yuan": Decimal("7000"),
            },
            {
                "customer_id": "E100",
                "period": "2026-08",
                "paid_on": dt.date(2026, 9, 20),
                "amount_yuan": Decimal("7000"),
            },
            {
                "customer_id": "E100",
                "period": "2026-09",
                "paid_on": dt.date(2026, 10, 10),
                "amount_yuan": Decimal("3000"),
            },
        ],
    )
    html = manager.get("/accounts/E100/payments/").content.decode()
    rows = dict(re.findall(r'<tr class="(arrears|)" data-period="(\d{4}-\d{2})">', html)[i][::-1] for i in range(3))
    assert rows == {"2026-09": "arrears", "2026-08": "", "2026-07": ""}
    assert 'data-arrears="4000.00"' in html
    assert "4,000.00 元" in html
    # 2026-08 was due 2026-09-15 and paid 2026-09-20: 5 days late.
    assert re.search(r'data-period="2026-08">.*?<span class="badge badge-warn">5</span>', html, re.S)


def test_an_account_loaded_in_bulk_has_an_empty_history_not_an_error(client: Client, team: Team) -> None:
    # Bulk loads (imports, benchmarks) write no history records.
    Account.objects.bulk_create(
        [
            Account(
                customer_id="BULK1", name="批量客户", voltage_kv=10, contract_capacity_kva=1, tariff="large_industrial"
            )
        ]
    )
    client.force_login(team.supervisor.user)
    assert client.get("/accounts/BULK1/").status_code == 200
    response = client.get("/accounts/BULK1/history/")
    assert response.status_code == 200
    assert "暂无变更记录" in response.content.decode()


def test_the_older_bills_are_rendered_when_asked_for(manager: Client, store_dir: Path) -> None:
    """Most visits read the last year: the payments section renders 12 bills and the older ones only
    when the "show older bills" fold-out asks for them (the section again, with them shown)."""
    write_dataset(store_dir, "billing", monthly_bills("E100", last_period="2026-10", months=36))
    first = manager.get("/accounts/E100/payments/").content.decode()
    assert len(re.findall(r'data-period="\d{4}-\d{2}"', first)) == 12
    assert 'class="older-bills"' not in first
    assert 'hx-get="/accounts/E100/payments/?older=1"' in first
    asked = manager.get("/accounts/E100/payments/?older=1").content.decode()
    assert len(re.findall(r'data-period="\d{4}-\d{2}"', asked)) == 36
    older = asked[asked.index('class="older-bills"') :]
    assert len(re.findall(r'data-period="\d{4}-\d{2}"', older)) == 24
    assert "data-older-bills open" in asked


def test_the_add_contact_form_is_the_same_in_each_language_and_shows_its_errors(manager: Client) -> None:
    """The empty form's fields are rendered once per process and language (the same for every account):
    each language gets its own labels, and a form sent back with a mistake shows the mistake and
    what was typed, not the kept empty form."""
    zh = manager.get("/accounts/E100/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = manager.get("/accounts/E101/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<label for="id_name">姓名</label>' in zh
    assert '<label for="id_name">Name</label>' in en
    assert 'name="influence"' in zh
    assert 'name="influence"' in en
    sent_back = manager.post(
        "/accounts/E100/contacts/",
        {"name": "刘工", "role": "electrician", "influence": "medium", "email": "not-an-address"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Enter a valid email address." in sent_back
    assert 'value="刘工"' in sent_back


def test_an_account_read_as_its_manager_needs_no_second_query_for_the_edit_right(team: Team) -> None:
    """account_get finds a manager's account among those they manage: asking right after whether they
    may change it costs no query. The same account read another way is checked against the database,
    and an account they do not manage stays refused."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from powerkam.accounts.selectors import account_get
    from powerkam.staff import permissions

    user = team.manager.user
    account = account_get(user=user, customer_id="E100")
    with CaptureQueriesContext(connection) as queries:
        assert permissions.can(user, "accounts.change_account", account)
    assert len(queries) == 0
    same = Account.objects.get(customer_id="E100")
    with CaptureQueriesContext(connection) as queries:
        assert permissions.can(user, "accounts.change_account", same)
    assert len(queries) == 1
    assert not permissions.can(user, "accounts.change_account", Account.objects.get(customer_id="E200"))
    # A supervisor reads the whole base: nothing is noted, the lead's right needs no assignment anyway.
    assert permissions.can(
        team.supervisor.user, "accounts.change_account", account_get(user=team.supervisor.user, customer_id="E200")
    )
