"""Bulk actions on the account list (issue 19 part 6): reassign the primary manager (supervisors),
add to a survey campaign, export the selection — each account through the single action's service,
all or none, history kept, every refused row named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from factories import Team
from powerkam.accounts.models import Assignment, AssignmentRole
from powerkam.core.bulk import BulkRefused
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.insights import services as insight_services
from powerkam.insights.models import CampaignAccount
from powerkam.visits import services as visit_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Assertions read the English messages."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _primary(team: Team, customer_id: str) -> str | None:
    row = Assignment.objects.filter(
        account=team.accounts[customer_id], role=AssignmentRole.PRIMARY, active=True
    ).first()
    return row.staff.username if row else None


def test_a_supervisor_reassigns_several_accounts_with_history(team: Team) -> None:
    accounts = [team.accounts["E101"], team.accounts["E300"]]
    visit_services.accounts_reassign(accounts=accounts, to_user=team.other.user, by=team.supervisor.user)
    assert (_primary(team, "E101"), _primary(team, "E300")) == ("m02", "m02")
    ended = Assignment.objects.get(account=team.accounts["E101"], staff=team.manager.user)
    assert ended.active is False  # ended, kept
    created = Assignment.objects.get(account=team.accounts["E101"], staff=team.other.user, active=True)
    assert created.history.first().history_user == team.supervisor.user


def test_one_refused_account_reassigns_none_and_is_named(team: Team) -> None:
    # m02 is already E200's primary manager: the whole reassignment is refused.
    accounts = [team.accounts["E101"], team.accounts["E200"]]
    with pytest.raises(BulkRefused) as refused:
        visit_services.accounts_reassign(accounts=accounts, to_user=team.other.user, by=team.supervisor.user)
    assert [(r.row, r.message) for r in refused.value.refusals] == [
        ("E200 示范化工有限公司", "m02 is already the primary manager.")
    ]
    assert _primary(team, "E101") == "m01"  # unchanged


def test_only_a_supervisor_reassigns_in_bulk(team: Team) -> None:
    with pytest.raises(NotAllowed):
        visit_services.accounts_reassign(
            accounts=[team.accounts["E101"]], to_user=team.other.user, by=team.manager.user
        )
    assert _primary(team, "E101") == "m01"


def test_adding_to_a_campaign_is_all_or_nothing(team: Team) -> None:
    by = team.supervisor.user
    campaign = insight_services.campaign_launch(
        name="A级满意度", starts_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 12, 31), grades=["A"], by=by
    )
    assert list(CampaignAccount.objects.filter(campaign=campaign).values_list("account__customer_id", flat=True)) == [
        "E100"
    ]
    with pytest.raises(BulkRefused) as refused:
        insight_services.campaign_add_accounts(
            campaign=campaign, accounts=[team.accounts["E101"], team.accounts["E100"]], by=by
        )
    assert [r.row for r in refused.value.refusals] == ["E100 示范钢铁有限公司"]
    assert not CampaignAccount.objects.filter(campaign=campaign, account=team.accounts["E101"]).exists()

    added = insight_services.campaign_add_accounts(
        campaign=campaign, accounts=[team.accounts["E101"], team.accounts["E200"]], by=by
    )
    assert [(t.account.customer_id, t.assigned_to.username) for t in added] == [("E101", "m01"), ("E200", "m02")]
    assert added[0].history.first().history_user == by
    with pytest.raises(NotAllowed):
        insight_services.campaign_add_accounts(
            campaign=campaign, accounts=[team.accounts["E300"]], by=team.manager.user
        )


def test_the_list_page_offers_and_runs_the_bulk_actions_by_role(client: Client, team: Team) -> None:
    client.force_login(team.manager.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="selected" value="E100" form="account-bulk"' in html
    assert 'value="reassign"' not in html  # a manager may not reassign
    assert 'value="export"' in html
    response = client.post("/accounts/bulk/", {"action": "export", "selected": ["E101", "E100"]})
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    ids = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "E100" in ids
    assert "E101" in ids
    assert "E200" not in ids
    # Someone else's account is refused by id before anything runs.
    client.post("/accounts/bulk/", {"action": "export", "selected": ["E200"]}, HTTP_ACCEPT_LANGUAGE="en")
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No account with this customer id: E200." in html

    client.force_login(team.supervisor.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="reassign"' in html
    client.post(
        "/accounts/bulk/",
        {"action": "reassign", "to_user": "m02", "selected": ["E101", "E200"], "next": "/accounts/?grade=B"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = client.get("/accounts/?grade=B", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 of 2 selected rows was refused, so nothing was changed." in html
    assert "E200 示范化工有限公司: m02 is already the primary manager." in html
    assert _primary(team, "E101") == "m01"
    client.post("/accounts/bulk/", {"action": "reassign", "to_user": "m02", "selected": ["E101", "E300"]})
    assert (_primary(team, "E101"), _primary(team, "E300")) == ("m02", "m02")


def test_the_bulk_bar_is_kept_and_follows_staff_and_campaigns_at_once(client: Client, team: Team) -> None:
    """The bar is rendered once per version of the accounts, the campaigns, the user's rights and the
    language (a supervisor's lists every manager): a new manager or campaign shows at the next visit."""
    from factories import StaffFactory
    from powerkam.staff.models import Role

    client.force_login(team.supervisor.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="m02">王强 (m02)</option>' in html
    assert "m03" not in html
    assert 'name="campaign"' not in html  # no campaign running yet

    StaffFactory(user__username="m03", name="周杰", role=Role.MANAGER, supervisor=team.supervisor)
    campaign = insight_services.campaign_launch(
        name="A级满意度",
        starts_on=dt.date(2026, 10, 1),
        due_on=dt.date(2026, 12, 31),
        grades=["A"],
        by=team.supervisor.user,
    )
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="m03">周杰 (m03)</option>' in html
    assert "A级满意度" in html
    zh = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "新的主客户经理…" in zh  # each language its own bar
    assert "New primary manager…" not in zh
    insight_services.campaign_archive(campaign=campaign, by=team.supervisor.user)
    assert "A级满意度" not in client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # The viewer sees the same accounts as the supervisor but may not reassign: never the supervisor's bar.
    client.force_login(team.viewer.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="reassign"' not in html
    assert 'value="export"' in html


def test_the_list_sends_the_primary_manager_seen_and_an_account_reassigned_since_refuses(team: Team) -> None:
    """The list's row carries the primary assignment it shows (the row's version for a reassignment): an
    account reassigned after the list was read refuses the bulk reassignment, named."""
    client = Client()
    client.force_login(team.supervisor.user)
    page = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    seen = {
        cid: Assignment.objects.get(account=team.accounts[cid], role=AssignmentRole.PRIMARY, active=True).pk
        for cid in ("E100", "E101")
    }
    for cid, pk in seen.items():
        assert f'name="version-{cid}" value="{pk}" form="account-bulk"' in page
    visit_services.account_reassign(account=team.accounts["E101"], to_user=team.other.user, by=team.supervisor.user)
    client.post(
        "/accounts/bulk/",
        {
            "action": "reassign",
            "to_user": "m02",
            "selected": ["E100", "E101"],
            **{f"version-{cid}": pk for cid, pk in seen.items()},
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 of 2 selected rows was refused, so nothing was changed." in page
    assert "E101 示范医院: " in page
    assert _primary(team, "E100") == "m01"  # all or nothing


@pytest.fixture
def flag_action() -> Iterator[list[tuple[list[str], str, dict[str, int | None], str]]]:
    """An action some app registers for the account list, unknown to the accounts app: it records what it
    was asked to do."""
    from django.template import Template

    from powerkam.web import bulk

    calls: list[tuple[list[str], str, dict[str, int | None], str]] = []

    def run(accounts: list[Any], by: Any, seen: Mapping[str, int | None], params: Mapping[str, str]) -> bulk.BulkDone:
        if not params.get("flag"):
            raise ApplicationError("Flag: choose a colour.")
        calls.append(([a.customer_id for a in accounts], by.username, dict(seen), params["flag"]))
        return bulk.BulkDone(f"{len(accounts)} accounts flagged {params['flag']}.", accounts)

    template = Template(
        '<span class="bulk-group"><input name="flag" form="account-bulk">'
        '<button type="submit" form="account-bulk" name="action" value="flag">{{ choices.label }}</button></span>'
    )
    bulk.register(
        "accounts",
        bulk.BulkAction(
            key="flag", right="accounts.reassign", template=template, choices=lambda: {"label": "Flag them"}, run=run
        ),
    )
    yield calls
    del bulk._ACTIONS["accounts"]["flag"]


def test_an_action_another_app_registers_is_offered_and_run_by_the_list(
    client: Client, team: Team, flag_action: list[tuple[list[str], str, dict[str, int | None], str]]
) -> None:
    """The account list offers and runs whatever action an app registers (web/bulk.py), to those whose
    right shows it: the accounts app imports none of the apps that own them (docs/architecture.md)."""
    client.force_login(team.manager.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="flag"' not in html  # the action's right: supervisors only

    client.force_login(team.supervisor.user)
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<button type="submit" form="account-bulk" name="action" value="flag">Flag them</button>' in html
    assert 'value="reassign"' in html  # beside the visits' own

    client.post("/accounts/bulk/", {"action": "flag", "selected": ["E101"]}, HTTP_ACCEPT_LANGUAGE="en")
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Flag: choose a colour." in html
    assert flag_action == []

    client.post(
        "/accounts/bulk/",
        {"action": "flag", "flag": "red", "selected": ["E101", "E300"], "version-E101": "7"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 accounts flagged red." in html
    assert flag_action == [(["E101", "E300"], "zhangwei", {"E101": 7, "E300": None}, "red")]
    # An action nobody registered is no action.
    assert client.post("/accounts/bulk/", {"action": "paint", "selected": ["E101"]}).status_code == 404
