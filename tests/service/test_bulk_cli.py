"""Bulk actions on the command line (issue 19): ``powerkam tickets close|transfer`` and ``powerkam visits
reassign`` call the same services as the web's bulk bar and the API. ``ROW:VERSION`` carries the version
the person saw: a row changed since refuses the whole action, named in the person's language."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from factories import Team, build_team
from powerkam.accounts.models import Assignment, AssignmentRole
from powerkam.service import services
from powerkam.service.models import Ticket, TicketKind, TicketStatus, Transfer, TransferStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db: None) -> Team:
    return build_team()


def _ticket(team: Team, title: str) -> Ticket:
    return services.ticket_create(
        kind=TicketKind.COMPLAINT,
        title=title,
        by=team.supervisor.user,
        accepted_on=timezone.localdate() - dt.timedelta(days=3),
    )


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("lang", "summary", "changed"),
    [
        ("en", "1 of 2 selected rows was refused, so nothing was changed.", "changed this ticket while you were"),
        ("zh", "所选 2 行中有 1 行被拒绝，因此全部未作更改。", "修改了此"),
    ],
)
def test_a_ticket_changed_since_its_version_refuses_the_close_and_is_named(
    team: Team, lang: str, summary: str, changed: str
) -> None:
    first, second = _ticket(team, "投诉一"), _ticket(team, "投诉二")
    rows = [f"{first.pk}:{first.version}", f"{second.pk}:{second.version}"]
    services.ticket_update(ticket=second, version=second.version, by=team.supervisor.user, title="投诉二（已改）")

    code, _out, err = _run("tickets", "close", "--by", "zhangwei", "--lang", lang, *rows)

    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0] == summary
    assert lines[1].startswith(f"  #{second.pk} 投诉二（已改）: ")
    assert changed in lines[1]
    assert len(lines) == 2  # the ticket that could close is not named
    assert not Ticket.objects.filter(status=TicketStatus.CLOSED).exists()


def test_with_current_versions_the_tickets_close_and_json_gives_their_new_versions(team: Team) -> None:
    tickets = [_ticket(team, "一"), _ticket(team, "二")]
    rows = [f"{t.pk}:{t.version}" for t in tickets]
    code, out, _err = _run("tickets", "close", "--by", "zhangwei", "--resolution", "已答复", "--format", "json", *rows)
    assert code == 0
    result = json.loads(out)
    assert (result["action"], result["done"]) == ("close", 2)
    for row, ticket in zip(result["tickets"], tickets, strict=True):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.resolution, row["version"]) == (TicketStatus.CLOSED, "已答复", ticket.version)


def test_a_transfer_refused_for_one_ticket_asks_nobody_and_json_names_it(team: Team) -> None:
    open_one, closed = _ticket(team, "一"), _ticket(team, "已结束")
    services.ticket_close(ticket=closed, version=closed.version, by=team.supervisor.user)
    code, out, _err = _run(
        "tickets", "transfer", "--by", "zhangwei", "--to", "m01", "--format", "json", "--lang", "en",
        str(open_one.pk), str(closed.pk),
    )  # fmt: skip
    assert code == 1
    refused = json.loads(out)["refused"]
    assert [(r["key"], r["conflict"], r["message"]) for r in refused] == [
        (str(closed.pk), False, "This ticket is already closed.")
    ]
    assert not Transfer.objects.exists()
    code, _out, _err = _run("tickets", "transfer", "--by", "zhangwei", "--to", "m01", str(open_one.pk))
    assert code == 0
    assert Transfer.objects.get().status == TransferStatus.PENDING


def test_bad_rows_are_refused_before_anything(team: Team) -> None:
    ticket = _ticket(team, "一")
    code, _out, err = _run("tickets", "close", "--by", "zhangwei", "--lang", "en", f"{ticket.pk}:x")
    assert (code, err.strip()) == (1, f"'{ticket.pk}:x': the version after the colon must be a whole number.")
    code, _out, err = _run("tickets", "close", "--by", "m02", "--lang", "en", str(ticket.pk))
    assert (code, err.strip()) == (1, f"No such ticket (or you may not see it): {ticket.pk}.")
    ticket.refresh_from_db()
    assert ticket.status != TicketStatus.CLOSED


def test_accounts_are_reassigned_unless_one_was_reassigned_since(team: Team) -> None:
    from powerkam.visits.services import account_reassign

    seen = {
        cid: Assignment.objects.get(account__customer_id=cid, role=AssignmentRole.PRIMARY, active=True).pk
        for cid in ("E100", "E101")
    }
    account_reassign(account=team.accounts["E101"], to_user=team.other.user, by=team.supervisor.user)
    rows = [f"{cid}:{pk}" for cid, pk in seen.items()]
    code, _out, err = _run("visits", "reassign", "--by", "zhangwei", "--to", "m02", "--lang", "en", *rows)
    assert code == 1
    assert err.splitlines()[1].startswith("  E101 示范医院: ")
    e100 = Assignment.objects.get(account__customer_id="E100", role=AssignmentRole.PRIMARY, active=True)
    assert e100.staff.get_username() == "m01"

    code, out, _err = _run(
        "visits", "reassign", "--by", "zhangwei", "--to", "m02", "--lang", "zh", f"E100:{seen['E100']}"
    )
    assert code == 0
    assert out.strip() == "1 个客户的主客户经理已改为 m02。"
    e100 = Assignment.objects.get(account__customer_id="E100", role=AssignmentRole.PRIMARY, active=True)
    assert e100.staff.get_username() == "m02"
