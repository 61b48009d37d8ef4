"""Outage records: draft → scheduled → notified → done, the notice rule, notices and acknowledgements,
follow-ups after the outage (docs/rules.md §4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError
from powerkam.outages import selectors, services
from powerkam.outages.models import FollowUpStatus, NoticeChannel, OutageStatus, PlannedOutage

TZ = timezone.get_fixed_timezone(8 * 60)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)  # type: ignore[misc]


START, END = at(2026, 12, 10, 8), at(2026, 12, 10, 12)  # a Thursday (working day)


def create(planner: User, feeders: str = "F1", kind: str = "planned", **kw: Any) -> PlannedOutage:
    return services.outage_create(
        title="10kV F1 检修",
        feeders=feeders,
        start=kw.pop("start", START),
        end=kw.pop("end", END),
        kind=kind,
        by=planner,
        **kw,
    )


def test_schedule_records_who_is_interrupted_with_their_ens(small_grid: dict[str, Account], planner: User) -> None:
    outage = services.outage_schedule(outage=create(planner), by=planner)
    assert outage.status == OutageStatus.SCHEDULED
    affected = {a.account.customer_id: a for a in outage.affected.select_related("account")}
    assert set(affected) == {"KA", "KC"}  # KB rides through on F2, KD is on F3
    assert affected["KA"].ens_kwh == pytest.approx(400.0)  # 100 kW × 4 h
    assert affected["KA"].key_account
    assert not affected["KC"].key_account
    assert affected["KC"].ens_kwh is None  # no interval data: unknown, never zero
    assert outage.unknown_list == ["KC"]
    assert outage.ens_kwh == pytest.approx(400.0)


def test_both_feeders_out_interrupts_the_dual_supply_account(small_grid: dict[str, Account], planner: User) -> None:
    outage = services.outage_schedule(outage=create(planner, feeders="F1;F2"), by=planner)
    ens = {a.account.customer_id: a.ens_kwh for a in outage.affected.select_related("account")}
    assert ens["KB"] == pytest.approx(160.0)


def test_create_refuses_unknown_feeders_and_a_backwards_window(small_grid: dict[str, Account], planner: User) -> None:
    with pytest.raises(ApplicationError, match="Unknown feeder: F9"):
        create(planner, feeders="F1;F9")
    with pytest.raises(ApplicationError, match="must end after it starts"):
        create(planner, start=END, end=START)


def test_only_planners_change_outages(small_grid: dict[str, Account], manager: User) -> None:
    with pytest.raises(ApplicationError, match="Only outage planners"):
        create(manager)


def test_notices_go_to_every_affected_key_accounts_contacts(
    small_grid: dict[str, Account], planner: User, smtp_server: Any
) -> None:
    outage = services.outage_schedule(outage=create(planner), by=planner)
    now = START - dt.timedelta(days=8)
    outage = services.outage_notify(outage=outage, by=planner, now=now, ack_base_url="http://pk.example")
    assert outage.status == OutageStatus.NOTIFIED
    assert outage.notice_late is False
    recipients = sorted(r for m in smtp_server.messages for r in m.recipients)
    assert recipients == ["wang@jia.example.com", "zhao@jia.example.com"]  # KC is not a key account; KB rides through
    message = smtp_server.messages[0]
    assert "2026-12-10 08:00" in message.subject
    assert "/grid/notices/" in message.text
    assert "/ack/" in message.text
    letters = outage.notices.filter(channel=NoticeChannel.LETTER)
    assert [n.account.customer_id for n in letters] == ["KA"]
    html = services.letter_html(outage=outage, account=small_grid["KA"])
    assert "甲钢铁" in html
    assert "2026-12-10 08:00" in html


def test_acknowledgement_is_tracked_once(small_grid: dict[str, Account], planner: User, smtp_server: Any) -> None:
    outage = services.outage_schedule(outage=create(planner), by=planner)
    outage = services.outage_notify(outage=outage, by=planner, now=START - dt.timedelta(days=8))
    notice = outage.notices.filter(channel=NoticeChannel.EMAIL).first()
    assert notice is not None
    assert notice.acknowledged_at is None
    first = services.notice_acknowledge(notice=notice, by_name="王电工", at=START - dt.timedelta(days=7))
    again = services.notice_acknowledge(notice=notice, by_name="someone else")
    assert again.acknowledged_by == "王电工"
    assert again.acknowledged_at == first.acknowledged_at


@pytest.mark.parametrize(
    ("kind", "before", "late"),
    [
        ("planned", dt.timedelta(days=7), False),  # exactly 7 days ahead: in time
        ("planned", dt.timedelta(days=7) - dt.timedelta(seconds=1), True),
        ("temporary", dt.timedelta(hours=24), False),
        ("temporary", dt.timedelta(hours=23, minutes=59), True),
        ("temporary", dt.timedelta(days=3), False),
    ],
)
def test_notice_rule_flags_late_notices(
    small_grid: dict[str, Account], planner: User, smtp_server: Any, kind: str, before: dt.timedelta, late: bool
) -> None:
    outage = services.outage_schedule(outage=create(planner, kind=kind), by=planner)
    outage = services.outage_notify(outage=outage, by=planner, now=START - before)
    assert outage.notice_late is late
    assert all(n.late is late for n in outage.notices.all())
    assert selectors.notice_state(outage).state == ("late" if late else "in_time")


def test_an_unnotified_outage_past_its_deadline_is_flagged_overdue(
    small_grid: dict[str, Account], planner: User
) -> None:
    outage = services.outage_schedule(outage=create(planner), by=planner)
    deadline = START - dt.timedelta(days=7)
    assert selectors.notice_state(outage, now=deadline).state == "due"
    assert selectors.notice_state(outage, now=deadline + dt.timedelta(minutes=1)).state == "overdue"
    assert selectors.notice_state(outage, now=deadline + dt.timedelta(minutes=1)).flagged


def test_done_creates_one_follow_up_per_affected_key_account(
    small_grid: dict[str, Account], planner: User, manager: User, smtp_server: Any
) -> None:
    outage = services.outage_schedule(outage=create(planner, feeders="F1;F2;F3"), by=planner)
    outage = services.outage_notify(outage=outage, by=planner, now=START - dt.timedelta(days=10))
    outage = services.outage_complete(outage=outage, by=planner)
    assert outage.status == OutageStatus.DONE
    follow_ups = {f.account.customer_id: f for f in outage.follow_ups.select_related("account")}
    assert set(follow_ups) == {"KA", "KB", "KD"}  # key accounts only (KC is a candidate)
    assert follow_ups["KA"].assignee == manager  # its primary manager
    assert follow_ups["KB"].assignee is None
    assert follow_ups["KA"].due_on == dt.date(2026, 12, 15)  # 3 working days after Thu 12-10
    closed = services.follow_up_close(follow_up=follow_ups["KA"], note="供电已恢复，无损失")
    assert closed.status == FollowUpStatus.DONE
    with pytest.raises(ApplicationError, match="cannot be"):
        services.outage_cancel(outage=outage, by=planner)


def test_changing_a_scheduled_outage_sends_it_back_to_draft(small_grid: dict[str, Account], planner: User) -> None:
    outage = services.outage_schedule(outage=create(planner), by=planner)
    outage = services.outage_update(outage=outage, by=planner, feeders="F3")
    assert outage.status == OutageStatus.DRAFT
    assert outage.affected.count() == 0
    outage = services.outage_schedule(outage=outage, by=planner)
    assert [a.account.customer_id for a in outage.affected.select_related("account")] == ["KD"]


def test_status_order_is_enforced(small_grid: dict[str, Account], planner: User) -> None:
    draft = create(planner)
    with pytest.raises(ApplicationError, match="cannot be notified"):
        services.outage_notify(outage=draft, by=planner)
    cancelled = services.outage_cancel(outage=draft, by=planner)
    assert cancelled.status == OutageStatus.CANCELLED
    assert PlannedOutage.objects.filter(pk=draft.pk).exists()  # kept, never deleted
    with pytest.raises(ApplicationError):
        services.outage_schedule(outage=cancelled, by=planner)


def test_rules_weights_change_the_weighted_ens(small_grid: dict[str, Account], planner: User) -> None:
    services.outage_rules_set(rules_toml="[weights.grade]\nA = 4\n", by=planner)
    report = selectors.outage_impact(feeders="F1", start=START, end=END)
    ka = next(r for r in report.interrupted if r["customer_id"] == "KA")
    assert ka["weight"] == 4.0
    assert report.weighted_ens_kwh == pytest.approx(1600.0)
    with pytest.raises(ApplicationError):
        services.outage_rules_set(rules_toml="[notice]\nplanned_days = -3\n", by=planner)
