"""The round-the-clock clock (docs/rules.md §3, 供电服务"十项承诺"): fault repair in minutes, 24×7,
holidays included, arrival and restoration as separate milestones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from powerkam.accounts.models import Account, AreaClass
from powerkam.core.errors import ApplicationError
from powerkam.service import selectors, services
from powerkam.service.clock import SlaState, TimeSpan, hours_sla, minutes_due
from powerkam.service.models import ClockKind, EventKind, HourLimit, Milestone, Ticket, TicketKind, TicketStatus
from tests.service.conftest import taken_over

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts: int, zone: ZoneInfo = SHANGHAI) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone)  # type: ignore[misc]


# -- the pure clock -------------------------------------------------------------------------------


def test_rules_md_urban_example_across_midnight_on_a_holiday() -> None:
    """Reported 2026-10-01 23:30 (National Day) by an urban account: on site by 00:15, and arriving
    then, restored by 03:15 — holiday or not."""
    reported = at(2026, 10, 1, 23, 30)
    arrival_due, _ = minutes_due(reported, 45)
    assert arrival_due == at(2026, 10, 2, 0, 15)
    restoration_due, _ = minutes_due(arrival_due, 180)
    assert restoration_due == at(2026, 10, 2, 3, 15)
    sla = hours_sla(
        accepted_at=reported,
        arrival_minutes=45,
        restoration_minutes=180,
        now=at(2026, 10, 2, 4, 0),
        arrived_at=at(2026, 10, 2, 0, 15),
        restored_at=at(2026, 10, 2, 3, 15),
    )
    assert sla.state == SlaState.MET


def test_rules_md_rural_example() -> None:
    """A rural account reporting 2026-10-01 22:00 is due on site by 23:30."""
    assert minutes_due(at(2026, 10, 1, 22, 0), 90)[0] == at(2026, 10, 1, 23, 30)


def test_the_same_fault_on_an_ordinary_weekday_has_the_same_limits() -> None:
    assert minutes_due(at(2026, 10, 14, 23, 30), 45)[0] == at(2026, 10, 15, 0, 15)


def test_the_utilitys_zone_has_no_daylight_saving_time() -> None:
    """Asia/Shanghai is UTC+8 every hour of the year (no DST since 1991): elapsed and wall-clock
    minutes are the same, so a limit never gains or loses an hour."""
    hour = at(2026, 1, 1, 0, 0)
    offsets = set()
    while hour.year == 2026:
        offsets.add(hour.utcoffset())
        hour += dt.timedelta(hours=1)
    assert offsets == {dt.timedelta(hours=8)}


def test_limits_are_elapsed_time_even_in_a_zone_with_a_clock_change() -> None:
    """Were the utility in a zone with DST, 45 minutes would still be 45 real minutes: reported at
    02:50 CEST on the night the clocks go back, the crew is due at 02:35 CET (wall clock)."""
    berlin = ZoneInfo("Europe/Berlin")
    reported = dt.datetime(2026, 10, 25, 0, 50, tzinfo=dt.UTC).astimezone(berlin)  # 02:50 CEST
    due, _ = minutes_due(reported, 45)
    assert due.astimezone(dt.UTC) - reported.astimezone(dt.UTC) == dt.timedelta(minutes=45)
    assert due.astimezone(berlin).strftime("%H:%M %Z") == "02:35 CET"


def test_due_soon_at_the_warning_share_and_breached_after_the_limit() -> None:
    reported = at(2026, 10, 14, 9, 0)

    def state(minutes: float, warn: int = 80) -> tuple[SlaState, int | None]:
        sla = hours_sla(
            accepted_at=reported,
            arrival_minutes=45,
            restoration_minutes=180,
            now=reported + dt.timedelta(minutes=minutes),
            warn_percent=warn,
        )
        return sla.state, sla.minutes_left

    assert state(35) == (SlaState.ON_TRACK, 10)
    assert state(36) == (SlaState.DUE_SOON, 9)  # 80 % of 45 minutes
    assert state(45) == (SlaState.DUE_SOON, 0)  # exactly on time is still on time
    assert state(45.5) == (SlaState.BREACHED, -1)
    assert state(60) == (SlaState.BREACHED, -15)
    assert state(22, warn=50) == (SlaState.ON_TRACK, 23)
    assert state(23, warn=50) == (SlaState.DUE_SOON, 22)


def test_restoration_runs_from_the_arrival_and_late_arrival_is_a_breach() -> None:
    reported = at(2026, 10, 14, 9, 0)
    late = at(2026, 10, 14, 10, 0)  # 15 minutes late on site
    running = hours_sla(accepted_at=reported, arrival_minutes=45, restoration_minutes=180, now=late, arrived_at=late)
    assert (running.milestone, running.due_at, running.state) == ("restoration", at(2026, 10, 14, 13, 0), "on_track")
    done = hours_sla(
        accepted_at=reported,
        arrival_minutes=45,
        restoration_minutes=180,
        now=at(2026, 10, 14, 12, 0),
        arrived_at=late,
        restored_at=at(2026, 10, 14, 12, 0),
    )
    assert done.state == SlaState.BREACHED  # restored in time, but the arrival was late


def test_a_pause_moves_the_running_milestone_and_freezes_the_countdown() -> None:
    reported = at(2026, 10, 14, 9, 0)
    pause = TimeSpan(at(2026, 10, 14, 9, 10), at(2026, 10, 14, 9, 40))
    assert minutes_due(reported, 45, [pause]) == (at(2026, 10, 14, 10, 15), 30)
    # a pause that starts after the due time does not excuse the delay
    assert minutes_due(reported, 45, [TimeSpan(at(2026, 10, 14, 10, 0), at(2026, 10, 14, 11, 0))])[1] == 0
    frozen = hours_sla(
        accepted_at=reported,
        arrival_minutes=45,
        restoration_minutes=180,
        now=at(2026, 10, 14, 11, 0),
        pauses=[TimeSpan(at(2026, 10, 14, 9, 30), None)],
    )
    assert (frozen.state, frozen.minutes_left, frozen.paused) == (SlaState.ON_TRACK, 15, True)


# -- tickets -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seeded_limits_are_the_commitments() -> None:
    rows = {(r.milestone, r.area_class): r.minutes for r in HourLimit.objects.filter(kind=TicketKind.FAULT_REPAIR)}
    if rows:  # a transactional test of another app may have flushed the migration's rows
        assert rows == {
            ("arrival", "urban"): 45,
            ("arrival", "rural"): 90,
            ("arrival", "remote"): 120,
            ("restoration", "urban"): 180,
            ("restoration", "rural"): 240,
            ("restoration", "remote"): 240,
        }
    table = {(r.milestone, r.area_class): r.minutes for r in selectors.hour_limit_table()}
    assert (table[("arrival", "rural")], table[("restoration", "urban")]) == (90, 180)


@pytest.fixture
def urban(account: Account) -> Account:
    return account  # the default area class


@pytest.mark.django_db
def test_an_urban_fault_ticket_follows_the_rules_md_example(urban: Account, desk: User, manager: User) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR,
        title="10kV 进线跳闸",
        by=desk,
        account=urban,
        accepted_at=at(2026, 10, 1, 23, 30),
    )
    taken_over(ticket, manager)  # first inquiry: handed to the account's manager
    assert (ticket.clock, ticket.area_class) == (ClockKind.HOURS, AreaClass.URBAN)
    assert (ticket.arrival_minutes, ticket.restoration_minutes, ticket.warn_percent) == (45, 180, 80)
    assert ticket.arrival_due_at == at(2026, 10, 2, 0, 15)
    assert (ticket.accepted_on, ticket.due_on) == (dt.date(2026, 10, 1), dt.date(2026, 10, 2))
    sla = selectors.ticket_sla(ticket, now=at(2026, 10, 2, 0, 5))
    assert (sla.milestone, sla.minutes_left, sla.state) == (Milestone.ARRIVAL, 10, SlaState.ON_TRACK)
    sla = selectors.ticket_sla(ticket, now=at(2026, 10, 2, 0, 7))  # 36 of 45 minutes gone: 80 %
    assert (sla.minutes_left, sla.state) == (8, SlaState.DUE_SOON)
    services.ticket_arrive(ticket=ticket, version=ticket.version, by=manager, at=at(2026, 10, 2, 0, 15))
    ticket.refresh_from_db()
    assert ticket.restoration_due_at == at(2026, 10, 2, 3, 15)
    sla = selectors.ticket_sla(ticket, now=at(2026, 10, 2, 1, 15))
    assert (sla.milestone, sla.minutes_left, sla.state) == (Milestone.RESTORATION, 120, SlaState.ON_TRACK)
    services.ticket_restore(ticket=ticket, version=ticket.version, by=manager, at=at(2026, 10, 2, 3, 15))
    services.ticket_close(
        ticket=ticket, version=ticket.version, by=manager, at=at(2026, 10, 2, 9, 0), resolution="更换开关"
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (TicketStatus.CLOSED, at(2026, 10, 2, 9, 0))
    assert selectors.ticket_sla(ticket).state == SlaState.MET
    kinds = list(ticket.events.values_list("kind", "data__in_time"))
    assert {(EventKind.ARRIVED, True), (EventKind.RESTORED, True)} <= set(kinds)


@pytest.mark.django_db
def test_a_rural_account_gets_the_rural_limits(account: Account, desk: User) -> None:
    account.area_class = AreaClass.RURAL
    account.save()
    ticket = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title="线路故障", by=desk, account=account, accepted_at=at(2026, 10, 1, 22, 0)
    )
    assert (ticket.arrival_due_at, ticket.restoration_minutes) == (at(2026, 10, 1, 23, 30), 240)


@pytest.mark.django_db
def test_an_administrators_limit_replaces_the_default_and_tickets_keep_theirs(account: Account, desk: User) -> None:
    before = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title="a", by=desk, account=account, accepted_at=at(2026, 10, 14, 9, 0)
    )
    HourLimit.objects.update_or_create(
        kind=TicketKind.FAULT_REPAIR,
        milestone=Milestone.ARRIVAL,
        area_class=AreaClass.URBAN,
        defaults={"minutes": 30, "warn_percent": 50},
    )
    after = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title="b", by=desk, account=account, accepted_at=at(2026, 10, 14, 9, 0)
    )
    before.refresh_from_db()
    assert (before.arrival_minutes, after.arrival_minutes, after.warn_percent) == (45, 30, 50)
    assert after.arrival_due_at == at(2026, 10, 14, 9, 30)


@pytest.mark.django_db
def test_pausing_a_fault_ticket_moves_its_due_time(account: Account, desk: User, manager: User) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title="a", by=desk, account=account, accepted_at=at(2026, 10, 14, 9, 0)
    )
    taken_over(ticket, manager)  # first inquiry: handed to the account's manager
    services.ticket_pause(ticket=ticket, version=None, by=manager, at=at(2026, 10, 14, 9, 10), reason="客户门禁未开")
    with pytest.raises(ApplicationError, match="resume it first"):
        services.ticket_arrive(ticket=ticket, version=None, by=manager, at=at(2026, 10, 14, 9, 20))
    services.ticket_resume(ticket=ticket, version=None, by=manager, at=at(2026, 10, 14, 9, 40))
    ticket.refresh_from_db()
    assert (ticket.arrival_due_at, ticket.paused_minutes) == (at(2026, 10, 14, 10, 15), 30)
    assert ticket.pauses.get().paused_on == dt.date(2026, 10, 14)


@pytest.mark.django_db
def test_bad_milestones_change_nothing(account: Account, desk: User, manager: User) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title="a", by=desk, account=account, accepted_at=at(2026, 10, 14, 9, 0)
    )
    taken_over(ticket, manager)  # first inquiry: handed to the account's manager
    version = ticket.version
    with pytest.raises(ApplicationError, match="Record the arrival on site first"):
        services.ticket_restore(ticket=ticket, version=version, by=manager, at=at(2026, 10, 14, 9, 30))
    with pytest.raises(ApplicationError, match="before the request was accepted"):
        services.ticket_arrive(ticket=ticket, version=version, by=manager, at=at(2026, 10, 14, 8, 59))
    with pytest.raises(ApplicationError, match="in the future"):
        services.ticket_arrive(ticket=ticket, version=version, by=manager, at=at(2099, 1, 1, 0, 0))
    services.ticket_arrive(ticket=ticket, version=version, by=manager, at=at(2026, 10, 14, 9, 40))
    with pytest.raises(ApplicationError, match="already recorded"):
        services.ticket_arrive(ticket=ticket, version=None, by=manager, at=at(2026, 10, 14, 9, 41))
    with pytest.raises(ApplicationError, match="before the arrival on site"):
        services.ticket_restore(ticket=ticket, version=None, by=manager, at=at(2026, 10, 14, 9, 30))
    with pytest.raises(ApplicationError, match="changed this ticket while you were editing it"):
        services.ticket_restore(ticket=ticket, version=version, by=manager, at=at(2026, 10, 14, 10, 30))
    ticket.refresh_from_db()
    assert (ticket.version, ticket.restored_at) == (version + 1, None)
    design = services.ticket_create(kind=TicketKind.DESIGN_REVIEW, title="d", by=desk, accepted_on=dt.date(2026, 9, 28))
    with pytest.raises(ApplicationError, match="round-the-clock"):
        services.ticket_arrive(ticket=design, version=None, by=manager, at=at(2026, 10, 14, 9, 40))
    assert (design.clock, design.due_on) == (ClockKind.WORKDAYS, dt.date(2026, 10, 16))


@pytest.mark.django_db
def test_a_fault_recorded_with_a_past_day_only_starts_at_its_first_minute(account: Account, desk: User) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title="a", by=desk, account=account, accepted_on=dt.date(2026, 10, 1)
    )
    assert ticket.accepted_at == at(2026, 10, 1, 0, 0)
    assert isinstance(ticket, Ticket)
