"""The 360 page's group panel (集团客户) and the contacts as a stakeholder map."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from factories import AccountFactory, AssignmentFactory, ContactFactory, Team, monthly_bills, write_dataset
from powerkam.accounts.selectors import account_contacts, account_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(team: Team, store_dir: Path) -> Team:
    """E100 heads a group: G1 (the manager's) and G2 (another manager's) belong to it."""
    head = team.accounts["E100"]
    g1 = AccountFactory(customer_id="G1", name="示范钢铁一分厂", parent=head, key_status="key", grade="B")
    g2 = AccountFactory(customer_id="G2", name="示范钢铁二分厂", parent=head)
    AssignmentFactory(account=g1, staff=team.manager.user, role="primary")
    AssignmentFactory(account=g2, staff=team.other.user, role="primary")
    rows = []
    for customer_id, kwh in (("E100", 1_000_000.0), ("G1", 200_000.0), ("G2", 300_000.0), ("E101", 50_000.0)):
        rows += monthly_bills(customer_id, last_period="2026-10", months=14, kwh=kwh)
    write_dataset(store_dir, "billing", rows)
    return team


def test_the_group_lists_its_accounts_with_their_last_12_months(group: Team) -> None:
    found = account_group(user=group.supervisor.user, account=group.accounts["E100"])
    assert found is not None
    assert [m.account.customer_id for m in found.members] == ["E100", "G1", "G2"]
    assert [m.kwh_12 for m in found.members] == [12_000_000.0, 2_400_000.0, 3_600_000.0]
    assert found.kwh_12 == 18_000_000.0
    assert found.hidden == 0


def test_a_member_shows_its_group_and_a_manager_sees_only_their_accounts(group: Team) -> None:
    g1 = group.accounts["E100"].sites.get(customer_id="G1")
    found = account_group(user=group.manager.user, account=g1)
    assert found is not None
    assert found.head.customer_id == "E100"
    assert [m.account.customer_id for m in found.members] == ["E100", "G1"]  # G2 is a colleague's
    assert found.hidden == 1
    assert found.kwh_12 == 14_400_000.0


def test_an_account_in_no_group_has_no_panel(client: Client, group: Team) -> None:
    assert account_group(user=group.supervisor.user, account=group.accounts["E101"]) is None
    client.force_login(group.manager.user)
    assert client.get("/accounts/E101/panels/group/").content == b""
    html = client.get("/accounts/E100/panels/group/").content.decode()
    assert re.findall(r'<tr data-customer="([^"]+)"', html) == ["E100", "G1"]
    assert "另有 1 户集团成员由其他客户经理管理" in html
    assert 'hx-get="/accounts/E100/panels/group/"' in client.get("/accounts/E100/").content.decode()


def test_contacts_read_as_a_stakeholder_map(group: Team) -> None:
    account = group.accounts["E101"]
    ContactFactory(account=account, name="赵电工", role="electrician", influence="low")
    ContactFactory(account=account, name="钱总", role="decision_maker", influence="high")
    ContactFactory(account=account, name="孙财务", role="finance", influence="high")
    ContactFactory(account=account, name="李主任", role="energy_manager", influence="medium")
    assert [c.name for c in account_contacts(account=account)] == ["钱总", "孙财务", "李主任", "赵电工"]


def test_the_360_page_marks_the_key_people(client: Client, group: Team) -> None:
    ContactFactory(account=group.accounts["E101"], name="钱总", role="decision_maker", influence="high")
    client.force_login(group.manager.user)
    html = client.get("/accounts/E101/").content.decode()
    assert html.count('data-influence="high"') == 1
    assert "关键人" in html
