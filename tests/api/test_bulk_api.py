"""Bulk actions over the API (issue 19): the same services as the web's bulk bar, each row carrying the
version the client saw. A row changed since is refused and named (409), the others are left as they
were (all or nothing, as on the web and the command line); with every version current, all are done."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from factories import Team
from powerkam.accounts.models import Assignment, AssignmentRole
from powerkam.service import services
from powerkam.service.models import EventKind, Ticket, TicketEvent, TicketKind, TicketStatus, Transfer

pytestmark = pytest.mark.django_db


def _client(user: User, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _ticket(by: User, title: str) -> Ticket:
    return services.ticket_create(
        kind=TicketKind.COMPLAINT, title=title, by=by, accepted_on=timezone.localdate() - dt.timedelta(days=3)
    )


@pytest.mark.parametrize(
    ("lang", "summary", "changed"),
    [
        ("en", "1 of 2 selected rows was refused, so nothing was changed.", "changed this ticket while you were"),
        ("zh-hans", "所选 2 行中有 1 行被拒绝，因此全部未作更改。", "修改了此"),
    ],
)
def test_a_ticket_changed_since_its_version_refuses_the_bulk_close_and_is_named(
    team: Team, lang: str, summary: str, changed: str
) -> None:
    boss = team.supervisor.user
    first, second = _ticket(boss, "投诉一"), _ticket(boss, "投诉二")
    seen = {t.pk: t.version for t in (first, second)}
    # someone else renames the second ticket after the client read it
    services.ticket_update(ticket=second, version=second.version, by=boss, title="投诉二（已改）")

    answer = _post(
        _client(boss, lang),
        "/api/v1/service/tickets/bulk",
        {"action": "close", "tickets": [{"id": pk, "version": v} for pk, v in seen.items()], "resolution": "已答复"},
    )

    assert answer.status_code == 409, answer.content
    body = answer.json()
    assert (body["code"], body["message"]) == ("conflict", summary)
    [refused] = body["refused"]
    assert (refused["key"], refused["conflict"]) == (str(second.pk), True)
    assert refused["row"] == f"#{second.pk} 投诉二（已改）"
    assert changed in refused["message"]
    for ticket in (first, second):  # all or nothing: the current one stays open too
        ticket.refresh_from_db()
        assert ticket.status != TicketStatus.CLOSED
    assert not TicketEvent.objects.filter(kind=EventKind.CLOSED).exists()


def test_with_every_version_current_each_ticket_is_closed_and_its_new_version_answered(team: Team) -> None:
    boss = team.supervisor.user
    tickets = [_ticket(boss, "投诉一"), _ticket(boss, "投诉二")]
    answer = _post(
        _client(boss),
        "/api/v1/service/tickets/bulk",
        {"action": "close", "tickets": [{"id": t.pk, "version": t.version} for t in tickets], "resolution": "已答复"},
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["action"], body["done"]) == ("close", 2)
    for row, ticket in zip(body["tickets"], tickets, strict=True):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.resolution) == (TicketStatus.CLOSED, "已答复")
        assert (row["id"], row["version"]) == (ticket.pk, ticket.version)
        assert row["version"] > 1  # the close raised it


def test_a_bulk_transfer_refused_for_a_closed_ticket_is_400_and_asks_nobody(team: Team) -> None:
    boss = team.supervisor.user
    open_one, closed = _ticket(boss, "一"), _ticket(boss, "已结束")
    services.ticket_close(ticket=closed, version=closed.version, by=boss)
    closed.refresh_from_db()
    answer = _post(
        _client(boss),
        "/api/v1/service/tickets/bulk",
        {
            "action": "transfer",
            "to": "m01",
            "tickets": [{"id": t.pk, "version": t.version} for t in (open_one, closed)],
        },
    )
    assert answer.status_code == 400, answer.content
    assert [(r["key"], r["conflict"], r["message"]) for r in answer.json()["refused"]] == [
        (str(closed.pk), False, "This ticket is already closed.")
    ]
    assert not Transfer.objects.exists()


def test_a_ticket_the_client_may_not_see_or_without_a_version_is_refused_before_anything(team: Team) -> None:
    mine = _ticket(team.manager.user, "李娜的")
    other = _client(team.other.user)  # m02 sees neither the ticket nor its account
    answer = _post(
        other, "/api/v1/service/tickets/bulk", {"action": "close", "tickets": [{"id": mine.pk, "version": 1}]}
    )
    assert answer.status_code == 404
    assert str(mine.pk) in answer.json()["message"]
    no_version = _post(other, "/api/v1/service/tickets/bulk", {"action": "close", "tickets": [{"id": mine.pk}]})
    assert no_version.status_code == 422
    assert no_version.json()["fields"][0]["field"].endswith("version")


def test_accounts_are_reassigned_in_bulk_unless_one_was_reassigned_since(team: Team) -> None:
    boss = _client(team.supervisor.user)
    listed = {a["customer_id"]: a for a in boss.get("/api/v1/accounts/?page_size=50").json()["results"]}
    seen = {cid: listed[cid]["primary_assignment"] for cid in ("E100", "E101")}
    assert all(seen.values())
    primary = Assignment.objects.get(account__customer_id="E101", role=AssignmentRole.PRIMARY, active=True)
    assert seen["E101"] == primary.pk

    # E101 is given to m02 by someone else after the list was read
    from powerkam.visits.services import account_reassign

    account_reassign(account=team.accounts["E101"], to_user=team.other.user, by=team.supervisor.user)
    rows = [{"customer_id": cid, "version": v} for cid, v in seen.items()]
    answer = _post(boss, "/api/v1/accounts/bulk", {"action": "reassign", "to": "m02", "accounts": rows})
    assert answer.status_code == 409, answer.content
    [refused] = answer.json()["refused"]
    assert (refused["key"], refused["conflict"], refused["row"]) == ("E101", True, "E101 示范医院")
    e100 = Assignment.objects.get(account__customer_id="E100", role=AssignmentRole.PRIMARY, active=True)
    assert e100.staff.get_username() == "m01"  # untouched: all or nothing

    # read again, send again: E100 changes hands; E101 (already m02's) is said so
    again = {a["customer_id"]: a for a in boss.get("/api/v1/accounts/?page_size=50").json()["results"]}
    answer = _post(
        boss,
        "/api/v1/accounts/bulk",
        {
            "action": "reassign",
            "to": "m02",
            "accounts": [{"customer_id": "E100", "version": again["E100"]["primary_assignment"]}],
        },
    )
    assert answer.status_code == 200, answer.content
    [row] = answer.json()["accounts"]
    now = Assignment.objects.get(account__customer_id="E100", role=AssignmentRole.PRIMARY, active=True)
    assert (row["customer_id"], row["primary_assignment"], now.staff.get_username()) == ("E100", now.pk, "m02")


def test_a_manager_may_not_reassign_in_bulk(team: Team) -> None:
    answer = _post(
        _client(team.manager.user),
        "/api/v1/accounts/bulk",
        {"action": "reassign", "to": "m02", "accounts": [{"customer_id": "E100", "version": 0}]},
    )
    assert answer.status_code == 403
