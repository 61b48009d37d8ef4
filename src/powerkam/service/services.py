"""Use cases that change service tickets. Every one is a transaction that changes everything or nothing.

Optimistic locking: each change names the ``version`` of the ticket the person saw; if someone
else changed the ticket since, the change is refused with :data:`CONFLICT` and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from powerkam.accounts.models import Account, AreaClass, Assignment, AssignmentRole
from powerkam.analytics.workcal import WorkCalendarError
from powerkam.core.bulk import all_or_nothing, version_of
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.core.locking import lock
from powerkam.service import clock
from powerkam.service.models import (
    CASE_STEPS,
    DEFAULT_CONTACT_LIMITS,
    HOUR_CLOCK_KINDS,
    Case,
    CaseStatus,
    ClockKind,
    ClockPause,
    EventKind,
    FaultInterruption,
    NoticeDelivery,
    NoticeTemplate,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketStatus,
    Transfer,
    TransferStatus,
)
from powerkam.service.selectors import hour_limit, time_limit
from powerkam.staff import permissions
from powerkam.staff.models import Role, StaffProfile
from powerkam.workdays.selectors import calendar_error_message, work_calendar

# Messages the tests (and API clients) can rely on.
CONFLICT = gettext_lazy(
    "Someone else changed this ticket while you were editing it. Reload it to see their change, then try again."
)
ALREADY_CLOSED = gettext_lazy("This ticket is already closed.")
ALREADY_PAUSED = gettext_lazy("The clock is already paused.")
NOT_PAUSED = gettext_lazy("The clock is not paused.")
BEFORE_ACCEPTANCE = gettext_lazy("The date %(date)s is before the request was accepted (%(accepted)s).")
NOT_STAFF = gettext_lazy("%(user)s is not a PowerKAM staff member: a ticket can only go to staff.")
TO_SELF = gettext_lazy("The ticket is already owned by %(user)s.")
TRANSFER_PENDING = gettext_lazy("A transfer of this ticket is already waiting for %(user)s.")
NOT_RECEIVER = gettext_lazy("Only %(user)s can accept or decline this transfer.")
TRANSFER_DECIDED = gettext_lazy("This transfer was already decided.")
NOT_ALLOWED = gettext_lazy("Only the ticket's owner or a supervisor can do this.")
VIEWER = gettext_lazy("Your role can view tickets but not change them.")
BEFORE_ACCEPTANCE_AT = gettext_lazy("The time %(time)s is before the request was accepted (%(accepted)s).")
NOT_ROUND_THE_CLOCK = gettext_lazy("Only a round-the-clock request (fault repair) records arrival and restoration.")
ALREADY_ARRIVED = gettext_lazy("The arrival on site is already recorded (%(time)s).")
NOT_ARRIVED = gettext_lazy("Record the arrival on site first.")
ALREADY_RESTORED = gettext_lazy("The restoration is already recorded (%(time)s).")
BEFORE_ARRIVAL = gettext_lazy("The time %(time)s is before the arrival on site (%(arrived)s).")
RESUME_FIRST = gettext_lazy("The clock is paused: resume it first.")
IN_THE_FUTURE = gettext_lazy("The time %(time)s is in the future.")


def _staff(user: User | None) -> StaffProfile | None:
    if user is None or not user.is_active:
        return None
    profile: StaffProfile | None = getattr(user, "staff", None)
    if profile is None or profile.archived:
        return None
    return profile


def _require_staff_editor(user: User) -> None:
    """First inquiry: whoever may record requests (``service.record_request``)."""
    if permissions.role_of(user) is None:
        raise NotAllowed(str(NOT_STAFF) % {"user": user.get_username()})
    permissions.require(user, "service.record_request", message=str(VIEWER))


def _require_manage(ticket: Ticket, user: User) -> None:
    permissions.require(user, "service.change_ticket", ticket, message=str(NOT_ALLOWED))


def _lock(ticket: Ticket, version: int | None) -> Ticket:
    """The current row, locked for this transaction; refused if it moved on since ``version``
    (:class:`~powerkam.core.errors.ConflictError`, naming who changed what: core.locking)."""
    return lock(ticket, version)


def _save(ticket: Ticket, original: Ticket, by: User | None = None) -> None:
    """Save (the version rises by one, core.locking.Versioned) and copy the result onto ``original``."""
    if by is not None:
        ticket._history_user = by  # type: ignore[attr-defined]
    ticket.full_clean()
    ticket.save()
    original.__dict__.update({k: v for k, v in ticket.__dict__.items() if not k.startswith("_")})


def _event(ticket: Ticket, kind: str, by: User | None, detail: str = "", **data: Any) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, by=by, detail=detail[:500], data=data)


def _check_date(ticket: Ticket, day: dt.date) -> None:
    if day < ticket.accepted_on:
        raise ApplicationError(
            str(BEFORE_ACCEPTANCE) % {"date": day.isoformat(), "accepted": ticket.accepted_on.isoformat()}
        )


def _pauses(ticket: Ticket) -> list[clock.PauseSpan]:
    if ticket.pk is None:
        return []
    return [clock.PauseSpan(p.paused_on, p.resumed_on) for p in ticket.pauses.all()]


def _fmt(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


#: How far ahead of the server's clock a recorded time may be (the field crew's phones drift).
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def _moment(at: dt.datetime | None) -> dt.datetime:
    """An aware time in the utility's zone (now when not given); a naive time is read in that zone."""
    if at is None:
        return timezone.localtime()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > timezone.now() + FUTURE_TOLERANCE:
        raise ApplicationError(str(IN_THE_FUTURE) % {"time": _fmt(at)})
    return timezone.localtime(at)


def _check_time(ticket: Ticket, at: dt.datetime) -> None:
    assert ticket.accepted_at is not None
    if at < ticket.accepted_at:
        raise ApplicationError(str(BEFORE_ACCEPTANCE_AT) % {"time": _fmt(at), "accepted": _fmt(ticket.accepted_at)})


def _recompute_minutes(ticket: Ticket) -> None:
    """The round-the-clock due times: arrival from the report, restoration from the arrival (before
    it, from the time the arrival is due); finished pauses move them (docs/service.md)."""
    assert ticket.accepted_at is not None
    assert ticket.arrival_minutes
    assert ticket.restoration_minutes
    spans = (
        [clock.TimeSpan(p.paused_at, p.resumed_at) for p in ticket.pauses.all() if p.paused_at and p.resumed_at]
        if ticket.pk is not None
        else []
    )
    arrival_due, paused_before = clock.minutes_due(ticket.accepted_at, ticket.arrival_minutes, spans)
    start = ticket.arrived_at or arrival_due
    restoration_due, paused_after = clock.minutes_due(start, ticket.restoration_minutes, spans)
    ticket.arrival_due_at = arrival_due
    ticket.restoration_due_at = restoration_due
    ticket.paused_minutes = paused_before + (paused_after if ticket.arrived_at else 0)
    ticket.accepted_on = timezone.localdate(ticket.accepted_at)
    ticket.due_on = timezone.localdate(restoration_due)
    ticket.due_provisional = False


def _recompute_due(ticket: Ticket) -> None:
    if ticket.round_the_clock:
        _recompute_minutes(ticket)
        return
    try:
        due = clock.due_date(
            work_calendar(), accepted_on=ticket.accepted_on, limit_days=ticket.limit_days, pauses=_pauses(ticket)
        )
    except WorkCalendarError as exc:
        raise ApplicationError(calendar_error_message(exc)) from None
    ticket.due_on = due.due_on
    ticket.due_provisional = due.provisional
    ticket.paused_workdays = due.paused_workdays
    if ticket.contact_limit_days is not None:
        contact = clock.due_date(
            work_calendar(),
            accepted_on=ticket.accepted_on,
            limit_days=ticket.contact_limit_days,
            pauses=_pauses(ticket),
        )
        ticket.contact_due_on = contact.due_on


def primary_manager(account: Account | None) -> User | None:
    """The account's active primary manager, if they are active staff."""
    if account is None:
        return None
    assignment = (
        Assignment.objects.filter(account=account, role=AssignmentRole.PRIMARY, active=True)
        .select_related("staff")
        .first()
    )
    if assignment is None or _staff(assignment.staff) is None:
        return None
    return assignment.staff


@transaction.atomic
def ticket_create(
    *,
    kind: str,
    title: str,
    by: User,
    accepted_on: dt.date | None = None,
    accepted_at: dt.datetime | None = None,
    account: Account | None = None,
    description: str = "",
    green_channel: bool = False,
    dual_supply: bool = False,
    owner: User | None = None,
    case: Case | None = None,
) -> Ticket:
    """Record a request (first inquiry, docs/permissions.md): whoever records it received it and owns
    it until a transfer is accepted. The person it should go to — the owner named, else the account's
    active primary manager — is asked at once to take it over (a pending transfer); the recorder stays
    responsible for the clock until they accept.

    A working-day request needs the day it was accepted (``accepted_on``). A round-the-clock one
    (fault repair) runs from the time it was reported (``accepted_at``); given only a day, that is
    now when the day is today, else the day's first minute — the clock never looks better than it was."""
    _require_staff_editor(by)
    if kind not in TicketKind.values:
        raise ApplicationError(_("Unknown kind of ticket: %(kind)s.") % {"kind": kind})
    if not title.strip():
        raise ApplicationError(_("Give the ticket a title."))
    if account is not None and account.archived:
        # First inquiry: a refusal names no account (docs/permissions.md).
        raise ApplicationError(_("There is no account with customer id %(id)r.") % {"id": account.customer_id})
    if owner is not None and _staff(owner) is None:
        raise ApplicationError(str(NOT_STAFF) % {"user": owner.get_username()})
    hand_to = owner or primary_manager(account)
    owner = by
    ticket = Ticket(
        kind=kind,
        account=account,
        case=case,
        title=title.strip(),
        description=description.strip(),
        green_channel=green_channel,
        dual_supply=dual_supply,
        received_by=by,
        owner=owner,
    )
    if kind in HOUR_CLOCK_KINDS:
        _start_minutes_clock(ticket, accepted_on, accepted_at)
    else:
        if accepted_on is None:
            raise ApplicationError(_("Give the day the request was accepted."))
        ticket.accepted_on = accepted_on
        ticket.limit_days = time_limit(kind=kind, green_channel=green_channel, dual_supply=dual_supply)
        if kind in DEFAULT_CONTACT_LIMITS:
            ticket.contact_limit_days = time_limit(kind=kind, green_channel=green_channel, milestone="contact")
    _recompute_due(ticket)
    ticket.full_clean()
    ticket.save()
    if ticket.round_the_clock:
        assert ticket.arrival_due_at is not None
        assert ticket.restoration_due_at is not None
        _event(
            ticket,
            EventKind.CREATED,
            by,
            owner=owner.get_username(),
            area_class=ticket.area_class,
            arrival_minutes=ticket.arrival_minutes,
            restoration_minutes=ticket.restoration_minutes,
            arrival_due_at=_fmt(ticket.arrival_due_at),
            due_on=ticket.due_on.isoformat(),
        )
    else:
        _event(
            ticket,
            EventKind.CREATED,
            by,
            owner=owner.get_username(),
            limit_days=ticket.limit_days,
            due_on=ticket.due_on.isoformat(),
            provisional=ticket.due_provisional,
        )
    if hand_to is not None and hand_to.pk != by.pk:
        ticket_transfer_request(ticket=ticket, version=ticket.version, to_user=hand_to, by=by)
    return ticket


def _start_minutes_clock(ticket: Ticket, accepted_on: dt.date | None, accepted_at: dt.datetime | None) -> None:
    """Set up a round-the-clock ticket: its report time, area class and limits (kept from now on)."""
    if accepted_at is None:
        if accepted_on is None or accepted_on == timezone.localdate():
            accepted_at = timezone.localtime()
        else:
            accepted_at = timezone.make_aware(dt.datetime.combine(accepted_on, dt.time.min))
    accepted_at = _moment(accepted_at)
    area = ticket.account.area_class if ticket.account is not None else AreaClass.URBAN
    milestones = HOUR_CLOCK_KINDS[ticket.kind]
    arrival, warn = hour_limit(kind=ticket.kind, milestone=milestones[0], area_class=area)
    restoration, _warn = hour_limit(kind=ticket.kind, milestone=milestones[1], area_class=area)
    ticket.clock = ClockKind.HOURS
    ticket.area_class = area
    ticket.accepted_at = accepted_at
    ticket.arrival_minutes = arrival
    ticket.restoration_minutes = restoration
    ticket.warn_percent = warn
    ticket.limit_days = 0


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    version: int | None,
    by: User,
    title: str | None = None,
    description: str | None = None,
    green_channel: bool | None = None,
) -> Ticket:
    """Edit what the request is about; switching the green channel changes the time limit."""
    _require_staff_editor(by)
    current = _lock(ticket, version)
    if current.is_closed:
        raise ApplicationError(str(ALREADY_CLOSED))
    _require_manage(current, by)
    changed: dict[str, Any] = {}
    if title is not None and title.strip() != current.title:
        if not title.strip():
            raise ApplicationError(_("Give the ticket a title."))
        current.title = title.strip()
        changed["title"] = current.title
    if description is not None and description.strip() != current.description:
        current.description = description.strip()
        changed["description"] = True
    if green_channel is not None and green_channel != current.green_channel:
        current.green_channel = green_channel
        current.limit_days = time_limit(kind=current.kind, green_channel=green_channel, dual_supply=current.dual_supply)
        if current.contact_limit_days is not None:
            current.contact_limit_days = time_limit(kind=current.kind, green_channel=green_channel, milestone="contact")
        _recompute_due(current)
        changed.update(green_channel=green_channel, limit_days=current.limit_days, due_on=current.due_on.isoformat())
    if not changed:
        return current
    _save(current, ticket, by)
    _event(current, EventKind.UPDATED, by, **changed)
    return current


@transaction.atomic
def ticket_pause(
    *,
    ticket: Ticket,
    version: int | None,
    by: User,
    on: dt.date | None = None,
    reason: str,
    at: dt.datetime | None = None,
) -> ClockPause:
    """Stop the clock while the request waits on the customer (documents missing, site not ready).
    A working-day clock stops on a day (``on``), a round-the-clock one at a time (``at``, default now)."""
    _require_staff_editor(by)
    current = _lock(ticket, version)
    if current.is_closed:
        raise ApplicationError(str(ALREADY_CLOSED))
    if current.is_paused:
        raise ApplicationError(str(ALREADY_PAUSED))
    _require_manage(current, by)
    moment: dt.datetime | None = None
    if current.round_the_clock:
        moment = _moment(at)
        _check_time(current, moment)
        last_at = current.pauses.exclude(resumed_at=None).order_by("-resumed_at").first()
        if last_at is not None and last_at.resumed_at is not None and moment < last_at.resumed_at:
            raise ApplicationError(
                _("The clock was resumed at %(resumed)s; a new pause cannot start before that.")
                % {"resumed": _fmt(last_at.resumed_at)}
            )
        on = timezone.localdate(moment)
    else:
        if on is None:
            raise ApplicationError(_("Give the day the clock stops."))
        _check_date(current, on)
        last = current.pauses.exclude(resumed_on=None).order_by("-resumed_on").first()
        if last is not None and last.resumed_on is not None and on < last.resumed_on:
            raise ApplicationError(
                _("The clock was resumed on %(resumed)s; a new pause cannot start before that.")
                % {"resumed": last.resumed_on.isoformat()}
            )
    if not reason.strip():
        raise ApplicationError(_("Say what the request is waiting for."))
    pause = ClockPause.objects.create(
        ticket=current, paused_on=on, paused_at=moment, reason=reason.strip(), paused_by=by
    )
    current.status = TicketStatus.PAUSED
    _save(current, ticket, by)
    _event(current, EventKind.PAUSED, by, reason.strip(), on=_fmt(moment) if moment else on.isoformat())
    return pause


def _end_pause(current: Ticket, by: User, on: dt.date | None, moment: dt.datetime | None, closing: bool) -> None:
    """End the open pause on ``on`` (working days) or at ``moment`` (round the clock)."""
    pause = current.pauses.get(resumed_on=None)
    if moment is not None:
        assert pause.paused_at is not None
        if moment < pause.paused_at:
            message = (
                _("The clock was paused at %(paused)s; the ticket cannot close before that.")
                if closing
                else _("The clock was paused at %(paused)s; it cannot resume before that.")
            )
            raise ApplicationError(message % {"paused": _fmt(pause.paused_at)})
        pause.resumed_at = moment
        pause.resumed_on = timezone.localdate(moment)
    else:
        assert on is not None
        if on < pause.paused_on:
            message = (
                _("The clock was paused on %(paused)s; the ticket cannot close before that.")
                if closing
                else _("The clock was paused on %(paused)s; it cannot resume before that.")
            )
            raise ApplicationError(message % {"paused": pause.paused_on.isoformat()})
        pause.resumed_on = on
    pause.resumed_by = by
    pause.save()


@transaction.atomic
def ticket_resume(
    *, ticket: Ticket, version: int | None, by: User, on: dt.date | None = None, at: dt.datetime | None = None
) -> Ticket:
    """Restart the clock; the working days (or minutes) of the pause are added to the due date."""
    _require_staff_editor(by)
    current = _lock(ticket, version)
    if current.is_closed:
        raise ApplicationError(str(ALREADY_CLOSED))
    if not current.is_paused:
        raise ApplicationError(str(NOT_PAUSED))
    _require_manage(current, by)
    moment = _moment(at) if current.round_the_clock else None
    if moment is None and on is None:
        raise ApplicationError(_("Give the day the clock runs again."))
    _end_pause(current, by, on, moment, closing=False)
    current.status = TicketStatus.OPEN
    before = current.due_on
    _recompute_due(current)
    _save(current, ticket, by)
    when = _fmt(moment) if moment is not None else on.isoformat() if on else ""
    if current.round_the_clock:
        assert current.arrival_due_at is not None
        assert current.restoration_due_at is not None
        _event(
            current,
            EventKind.RESUMED,
            by,
            on=when,
            arrival_due_at=_fmt(current.arrival_due_at),
            restoration_due_at=_fmt(current.restoration_due_at),
            paused_minutes=current.paused_minutes,
        )
    else:
        _event(
            current,
            EventKind.RESUMED,
            by,
            on=when,
            due_before=before.isoformat(),
            due_on=current.due_on.isoformat(),
            paused_workdays=current.paused_workdays,
        )
    return current


@transaction.atomic
def ticket_close(
    *,
    ticket: Ticket,
    version: int | None,
    by: User,
    on: dt.date | None = None,
    resolution: str = "",
    at: dt.datetime | None = None,
) -> Ticket:
    """Close the ticket (a paused clock ends its pause on the closing day, or at the closing time)."""
    _require_staff_editor(by)
    current = _lock(ticket, version)
    if current.is_closed:
        raise ApplicationError(str(ALREADY_CLOSED))
    _require_manage(current, by)
    moment: dt.datetime | None = None
    if current.round_the_clock:
        moment = _moment(at)
        _check_time(current, moment)
        for reached in (current.arrived_at, current.restored_at):
            if reached is not None and moment < reached:
                raise ApplicationError(
                    _("The ticket cannot close (%(time)s) before the time recorded for the work (%(reached)s).")
                    % {"time": _fmt(moment), "reached": _fmt(reached)}
                )
        on = timezone.localdate(moment)
    else:
        on = on or timezone.localdate()
        _check_date(current, on)
    if current.is_paused:
        _end_pause(current, by, on, moment, closing=True)
        _recompute_due(current)
    current.status = TicketStatus.CLOSED
    current.closed_on = on
    current.closed_at = moment
    current.resolution = resolution.strip()
    _save(current, ticket, by)
    if current.round_the_clock:
        from powerkam.service.selectors import ticket_sla

        met = ticket_sla(current).state == clock.SlaState.MET
        _event(current, EventKind.CLOSED, by, resolution.strip(), on=_fmt(moment) if moment else "", in_time=met)
    else:
        met = on <= current.due_on
        _event(current, EventKind.CLOSED, by, resolution.strip(), on=on.isoformat(), in_time=met)
    for transfer in current.transfers.filter(status=TransferStatus.PENDING):
        transfer.status = TransferStatus.CANCELLED
        transfer.decided_at = timezone.now()
        transfer.decision_note = _("The ticket was closed.")
        transfer.save()
    fault_interruption_record(current)
    if current.case_id is not None:
        _case_after_step_closed(current)
    return current


@transaction.atomic
def ticket_contact(*, ticket: Ticket, version: int | None, by: User, on: dt.date | None = None) -> Ticket:
    """Record the first contact with the customer (a complaint's first milestone; the reply is the
    closing)."""
    _require_staff_editor(by)
    current = _lock(ticket, version)
    if current.contact_due_on is None:
        raise ApplicationError(_("Only a complaint has a first-contact limit."))
    if current.is_closed:
        raise ApplicationError(str(ALREADY_CLOSED))
    if current.contacted_on is not None:
        raise ApplicationError(
            _("The first contact is already recorded (%(day)s).") % {"day": current.contacted_on.isoformat()}
        )
    _require_manage(current, by)
    on = on or timezone.localdate()
    _check_date(current, on)
    if on > timezone.localdate():
        raise ApplicationError(str(IN_THE_FUTURE) % {"time": on.isoformat()})
    current.contacted_on = on
    _save(current, ticket, by)
    _event(current, EventKind.CONTACTED, by, on=on.isoformat(), in_time=on <= current.contact_due_on)
    return current


def _milestone_common(
    ticket: Ticket, version: int | None, by: User, at: dt.datetime | None
) -> tuple[Ticket, dt.datetime]:
    _require_staff_editor(by)
    current = _lock(ticket, version)
    if not current.round_the_clock:
        raise ApplicationError(str(NOT_ROUND_THE_CLOCK))
    if current.is_closed:
        raise ApplicationError(str(ALREADY_CLOSED))
    if current.is_paused:
        raise ApplicationError(str(RESUME_FIRST))
    _require_manage(current, by)
    moment = _moment(at)
    _check_time(current, moment)
    return current, moment


@transaction.atomic
def ticket_arrive(*, ticket: Ticket, version: int | None, by: User, at: dt.datetime | None = None) -> Ticket:
    """Record the repair crew's arrival on site: the first milestone of a fault repair. The
    restoration clock starts from it."""
    current, moment = _milestone_common(ticket, version, by, at)
    if current.arrived_at is not None:
        raise ApplicationError(str(ALREADY_ARRIVED) % {"time": _fmt(current.arrived_at)})
    last = current.pauses.exclude(resumed_at=None).order_by("-resumed_at").first()
    if last is not None and last.resumed_at is not None and moment < last.resumed_at:
        raise ApplicationError(
            _("The clock was resumed at %(resumed)s; the arrival cannot be recorded before that.")
            % {"resumed": _fmt(last.resumed_at)}
        )
    assert current.arrival_due_at is not None
    in_time = moment <= current.arrival_due_at
    current.arrived_at = moment
    _recompute_due(current)
    _save(current, ticket, by)
    assert current.restoration_due_at is not None
    _event(
        current,
        EventKind.ARRIVED,
        by,
        on=_fmt(moment),
        in_time=in_time,
        restoration_due_at=_fmt(current.restoration_due_at),
    )
    return current


@transaction.atomic
def ticket_restore(*, ticket: Ticket, version: int | None, by: User, at: dt.datetime | None = None) -> Ticket:
    """Record that supply is restored: the second milestone of a fault repair (the ticket stays open
    until it is closed, e.g. after the report is written)."""
    current, moment = _milestone_common(ticket, version, by, at)
    if current.arrived_at is None:
        raise ApplicationError(str(NOT_ARRIVED))
    if current.restored_at is not None:
        raise ApplicationError(str(ALREADY_RESTORED) % {"time": _fmt(current.restored_at)})
    if moment < current.arrived_at:
        raise ApplicationError(str(BEFORE_ARRIVAL) % {"time": _fmt(moment), "arrived": _fmt(current.arrived_at)})
    assert current.restoration_due_at is not None
    in_time = moment <= current.restoration_due_at
    current.restored_at = moment
    _save(current, ticket, by)
    _event(current, EventKind.RESTORED, by, on=_fmt(moment), in_time=in_time)
    fault_interruption_record(current)
    return current


def fault_interruption_record(ticket: Ticket) -> FaultInterruption | None:
    """Put a restored fault repair's outage on the account's reliability record: an interruption from
    the fault's report to the restoration (docs/service.md, "The outage on the reliability record").
    Idempotent: one row per ticket, written only when its times differ (a second call changes nothing).
    None for any other ticket (not a fault repair, no account, not restored)."""
    if (
        ticket.kind != TicketKind.FAULT_REPAIR
        or ticket.account_id is None
        or ticket.accepted_at is None
        or ticket.restored_at is None
    ):
        return None
    start, end = ticket.accepted_at, max(ticket.restored_at, ticket.accepted_at)
    found = FaultInterruption.objects.select_for_update().filter(ticket=ticket).first()
    if found is None:
        return FaultInterruption.objects.create(ticket=ticket, account_id=ticket.account_id, start=start, end=end)
    if (found.account_id, found.start, found.end) != (ticket.account_id, start, end):
        found.account_id, found.start, found.end = ticket.account_id, start, end
        found.save()
    return found


@transaction.atomic
def account_area_class_set(*, account: Account, area_class: str, by: User) -> Account:
    """Set where an account takes supply (urban, rural, remote): new fault-repair tickets take their
    limits from it; open tickets keep the limits they were created with."""
    _require_staff_editor(by)
    if permissions.role_of(by) not in (Role.SUPERVISOR, Role.ADMIN):
        raise ApplicationError(_("Only a supervisor or an administrator can change an account's area class."))
    if area_class not in AreaClass.values:
        raise ApplicationError(
            _("Unknown area class %(value)r: use one of %(choices)s.")
            % {"value": area_class, "choices": ", ".join(AreaClass.values)}
        )
    current = Account.objects.select_for_update().get(pk=account.pk)
    if current.area_class != area_class:
        current.area_class = area_class
        current._change_reason = "area class"  # type: ignore[attr-defined]
        current.save(update_fields=["area_class", "updated_at"])
    return current


# -- first-inquiry responsibility --------------------------------------------------------------


@transaction.atomic
def ticket_transfer_request(
    *, ticket: Ticket, version: int | None, to_user: User, by: User, note: str = ""
) -> Transfer:
    """Ask ``to_user`` to take the ticket over; the current owner stays responsible until they accept."""
    _require_staff_editor(by)
    current = _lock(ticket, version)
    if current.is_closed:
        raise ApplicationError(str(ALREADY_CLOSED))
    _require_manage(current, by)
    if _staff(to_user) is None:
        raise ApplicationError(str(NOT_STAFF) % {"user": to_user.get_username()})
    if to_user.pk == current.owner_id:
        raise ApplicationError(str(TO_SELF) % {"user": to_user.get_username()})
    pending = current.transfers.filter(status=TransferStatus.PENDING).select_related("to_user").first()
    if pending is not None:
        raise ApplicationError(str(TRANSFER_PENDING) % {"user": pending.to_user.get_username()})
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                ticket=current, from_user=current.owner, to_user=to_user, requested_by=by, note=note.strip()
            )
    except IntegrityError:  # a concurrent request won the race
        raise ApplicationError(str(CONFLICT)) from None
    _save(current, ticket, by)
    _event(current, EventKind.TRANSFER_REQUESTED, by, note.strip(), to=to_user.get_username())
    from powerkam.service.models import Notification, NotificationKind

    Notification.objects.create(
        user=to_user,
        ticket=current,
        kind=NotificationKind.TRANSFER,
        message=_("%(who)s asks you to take over ticket #%(id)s: %(title)s")
        % {"who": by.get_username(), "id": current.pk, "title": current.title},
    )
    return transfer


def _decide(transfer: Transfer, by: User) -> tuple[Transfer, Ticket]:
    current_transfer = Transfer.objects.select_for_update().select_related("to_user").get(pk=transfer.pk)
    if current_transfer.status != TransferStatus.PENDING:
        raise ApplicationError(str(TRANSFER_DECIDED))
    ticket = _lock(current_transfer.ticket, None)
    return current_transfer, ticket


@transaction.atomic
def ticket_transfer_accept(*, transfer: Transfer, by: User) -> Ticket:
    """The receiver takes the ticket over; the chain of owners grows by one."""
    current, ticket = _decide(transfer, by)
    if by.pk != current.to_user_id:
        raise ApplicationError(str(NOT_RECEIVER) % {"user": current.to_user.get_username()})
    if _staff(by) is None:
        raise ApplicationError(str(NOT_STAFF) % {"user": by.get_username()})
    current.status = TransferStatus.ACCEPTED
    current.decided_at = timezone.now()
    current.save()
    previous = ticket.owner
    ticket.owner = by
    _save(ticket, transfer.ticket, by)
    transfer.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    _event(ticket, EventKind.TRANSFER_ACCEPTED, by, frm=previous.get_username(), to=by.get_username())
    return ticket


@transaction.atomic
def ticket_transfer_decline(*, transfer: Transfer, by: User, reason: str = "") -> Transfer:
    """The receiver refuses; the ticket stays with its owner."""
    current, ticket = _decide(transfer, by)
    if by.pk != current.to_user_id:
        raise ApplicationError(str(NOT_RECEIVER) % {"user": current.to_user.get_username()})
    current.status = TransferStatus.DECLINED
    current.decided_at = timezone.now()
    current.decision_note = reason.strip()
    current.save()
    _save(ticket, transfer.ticket, by)
    transfer.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    _event(ticket, EventKind.TRANSFER_DECLINED, by, reason.strip(), to=by.get_username())
    return current


@transaction.atomic
def ticket_transfer_cancel(*, transfer: Transfer, by: User) -> Transfer:
    current, ticket = _decide(transfer, by)
    if by.pk not in (current.requested_by_id, current.from_user_id) and not permissions.can(
        by, "service.change_ticket", ticket
    ):
        raise ApplicationError(str(NOT_ALLOWED))
    current.status = TransferStatus.CANCELLED
    current.decided_at = timezone.now()
    current.save()
    _save(ticket, transfer.ticket, by)
    transfer.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    _event(ticket, EventKind.TRANSFER_CANCELLED, by, to=current.to_user.get_username())
    return current


# -- bulk actions on the ticket list (issue 19 part 6) -------------------------------------------


def _ticket_row(ticket: Ticket) -> str:
    return f"#{ticket.pk} {ticket.title}"


def tickets_close(
    *,
    tickets: list[Ticket],
    by: User,
    on: dt.date | None = None,
    resolution: str = "",
    versions: Mapping[str, int | None] | None = None,
) -> list[Ticket]:
    """Close every selected ticket with :func:`ticket_close` (same rules, same timeline event each), all
    or none: one refused ticket (already closed, not theirs, a date before its acceptance, changed since
    the version the person saw…) leaves every ticket as it was (:class:`~powerkam.core.bulk.BulkRefused`
    names each refused one). ``versions``: ticket number (as text) → the version the person saw. A
    round-the-clock ticket closes at the present moment."""
    return all_or_nothing(
        tickets,
        lambda t: ticket_close(
            ticket=t,
            version=version_of(versions, t.pk),
            by=by,
            on=None if t.round_the_clock else on,
            resolution=resolution,
        ),
        _ticket_row,
        key=lambda t: str(t.pk),
    )


def tickets_transfer(
    *,
    tickets: list[Ticket],
    to_user: User,
    by: User,
    note: str = "",
    versions: Mapping[str, int | None] | None = None,
) -> list[Transfer]:
    """Ask ``to_user`` to take over every selected ticket (:func:`ticket_transfer_request` each: the
    owner stays responsible until the receiver accepts), all or none; ``versions`` as for
    :func:`tickets_close`."""
    return all_or_nothing(
        tickets,
        lambda t: ticket_transfer_request(
            ticket=t, version=version_of(versions, t.pk), to_user=to_user, by=by, note=note
        ),
        _ticket_row,
        key=lambda t: str(t.pk),
    )


# -- new-connection cases ----------------------------------------------------------------------


@transaction.atomic
def case_create(
    *,
    account: Account,
    title: str,
    by: User,
    accepted_on: dt.date,
    dual_supply: bool = False,
    green_channel: bool = False,
    owner: User | None = None,
) -> Case:
    """Open a new-connection / capacity-change application with its first step (scheme reply)."""
    _require_staff_editor(by)
    case = Case(
        account=account, title=title.strip(), dual_supply=dual_supply, green_channel=green_channel, created_by=by
    )
    case.full_clean()
    case.save()
    ticket_create(
        kind=CASE_STEPS[0],
        title=f"{case.title} · {TicketKind(CASE_STEPS[0]).label}",
        by=by,
        accepted_on=accepted_on,
        account=account,
        green_channel=green_channel,
        dual_supply=dual_supply,
        owner=owner,
        case=case,
    )
    return case


def case_next_step(case: Case) -> str | None:
    done = set(case.steps.values_list("kind", flat=True))
    return next((step for step in CASE_STEPS if step not in done), None)


@transaction.atomic
def case_step_open(*, case: Case, by: User, accepted_on: dt.date, version: int | None = None) -> Ticket:
    """Open the case's next step once the previous one is closed and its input is accepted.

    ``version``: the case's version the person saw; if someone changed the case since, nothing opens.
    """
    _require_staff_editor(by)
    case = lock(case, version)
    if case.status != CaseStatus.OPEN:
        raise ApplicationError(_("This case is completed."))
    open_step = case.steps.exclude(status=TicketStatus.CLOSED).first()
    if open_step is not None:
        raise ApplicationError(_("Finish the current step first: %(step)s.") % {"step": open_step.get_kind_display()})
    last = case.steps.order_by("-closed_on").first()
    if last is not None and last.closed_on is not None and accepted_on < last.closed_on:
        raise ApplicationError(
            _("The next step cannot be accepted before the previous one closed (%(closed)s).")
            % {"closed": last.closed_on.isoformat()}
        )
    kind = case_next_step(case)
    if kind is None:  # pragma: no cover - a case without a next step is completed
        raise ApplicationError(_("This case is completed."))
    case._history_user = by  # type: ignore[attr-defined]
    case.save()  # a new version: a second person opening the same step from the same page is refused
    owner = last.owner if last is not None else None
    return ticket_create(
        kind=kind,
        title=f"{case.title} · {TicketKind(kind).label}",
        by=by,
        accepted_on=accepted_on,
        account=case.account,
        green_channel=case.green_channel,
        dual_supply=case.dual_supply,
        owner=owner if owner is not None and _staff(owner) is not None else None,
        case=case,
    )


def _case_after_step_closed(ticket: Ticket) -> None:
    assert ticket.case_id is not None
    case = Case.objects.select_for_update().get(pk=ticket.case_id)
    if case_next_step(case) is None and not case.steps.exclude(status=TicketStatus.CLOSED).exists():
        case.status = CaseStatus.COMPLETED
        case.save()


# -- one-time notification letter ---------------------------------------------------------------


@transaction.atomic
def notice_deliver(
    *,
    ticket: Ticket,
    by: User,
    delivered_on: dt.date | None = None,
    recipient: str = "",
    channel: str = "",
) -> NoticeDelivery:
    """Record that the one-time notification letter was handed to the customer (the text is kept)."""
    from powerkam.service.letters import render_notice_html

    _require_staff_editor(by)
    template = NoticeTemplate.objects.filter(kind=ticket.kind).first()
    if template is None:
        raise ApplicationError(
            _("There is no one-time notification template for %(kind)s yet.") % {"kind": ticket.get_kind_display()}
        )
    delivered_on = delivered_on or timezone.localdate()
    _check_date(ticket, delivered_on)
    delivery = NoticeDelivery.objects.create(
        ticket=ticket,
        template=template,
        html=render_notice_html(ticket=ticket, template=template, on=delivered_on),
        delivered_on=delivered_on,
        delivered_by=by,
        recipient=recipient.strip(),
        channel=channel.strip(),
    )
    _event(ticket, EventKind.NOTICE_DELIVERED, by, recipient.strip(), on=delivered_on.isoformat(), channel=channel)
    return delivery
