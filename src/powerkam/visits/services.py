"""Use cases that change visit data: plans, moves, visit records, follow-ups, feeds, reassignment."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from powerkam.accounts.models import Account, Assignment, AssignmentRole, Contact
from powerkam.accounts.selectors import AnyUser
from powerkam.analytics import visits as cadence
from powerkam.analytics.workcal import WorkCalendarError
from powerkam.core.bulk import all_or_nothing, version_of
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.core.locking import check, conflict, lock, person
from powerkam.staff import permissions
from powerkam.staff.models import Role, StaffProfile
from powerkam.visits import selectors
from powerkam.visits.models import (
    CalendarFeed,
    FollowUp,
    FollowUpStatus,
    LateReason,
    PlannedStatus,
    PlannedVisit,
    PlanStatus,
    Visit,
    VisitAttachment,
    VisitPlan,
    VisitSource,
    VisitStatus,
    new_feed_token,
)
from powerkam.workdays.selectors import calendar_error_message, work_calendar

#: The longest horizon a plan may cover (a year keeps the repeat logic and the pages readable).
MAX_HORIZON_DAYS = 366
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _refuse_viewer(by: AnyUser) -> None:
    if not permissions.is_editor(by):
        raise NotAllowed(_("You may look but not change anything (read-only role)."))


# ---- plans ---------------------------------------------------------------------------------------


def plan_compute(*, first_day: dt.date, last_day: dt.date, as_of: dt.date | None = None) -> cadence.Plan:
    """The plan for [first_day, last_day] over every graded key account (nothing saved).

    Due dates count the visits completed up to ``as_of`` (default today)."""
    if last_day < first_day:
        raise ApplicationError(
            _("The end of the plan (%(to)s) is before its start (%(from)s).")
            % {
                "to": last_day,
                "from": first_day,
            }
        )
    if (last_day - first_day).days > MAX_HORIZON_DAYS:
        raise ApplicationError(_("A plan covers at most a year; choose a shorter period."))
    as_of = as_of or timezone.localdate()
    rows = selectors.all_visits_due(as_of=as_of)
    accounts = [
        cadence.PlanAccount(
            customer_id=r.customer_id,
            grade=r.grade,
            due_on=r.due_on,
            last_visit_on=r.last_visit_on,
            district=r.account.district,
            manager=r.username,
        )
        for r in rows
    ]
    try:
        return cadence.plan_visits(
            accounts=accounts,
            first_day=first_day,
            last_day=last_day,
            calendar=work_calendar(),
            capacities=selectors.manager_capacities(),
        )
    except WorkCalendarError as exc:
        raise ApplicationError(calendar_error_message(exc)) from None


@transaction.atomic
def plan_generate(
    *, first_day: dt.date, last_day: dt.date, by: User | None = None, as_of: dt.date | None = None
) -> VisitPlan:
    """Compute and save the plan for a horizon; active plans overlapping it are superseded (kept)."""
    if by is not None:  # None: the command line, as the installation's administrator
        _refuse_viewer(by)
        permissions.require(by, "visits.make_plan")
    as_of = as_of or timezone.localdate()
    return plan_save(computed=plan_compute(first_day=first_day, last_day=last_day, as_of=as_of), by=by, as_of=as_of)


@transaction.atomic
def plan_save(*, computed: cadence.Plan, by: User | None = None, as_of: dt.date) -> VisitPlan:
    """Save a computed plan; active plans overlapping its horizon are superseded (kept, not deleted)."""
    first_day, last_day = computed.first_day, computed.last_day
    VisitPlan.objects.filter(status=PlanStatus.ACTIVE, first_day__lte=last_day, last_day__gte=first_day).update(
        status=PlanStatus.SUPERSEDED
    )
    plan = VisitPlan.objects.create(first_day=first_day, last_day=last_day, as_of=as_of, created_by=by)
    ids = {item.customer_id for item in computed.items}
    accounts = {a.customer_id: a for a in Account.objects.filter(customer_id__in=ids)}
    usernames = {item.username for item in computed.items if item.username}
    users = {u.get_username(): u for u in User.objects.filter(username__in=usernames)}
    # With their first history record, so that a later change can be shown against it (core.locking).
    planned = [
        PlannedVisit(
            plan=plan,
            account=accounts[item.customer_id],
            manager=users.get(item.username) if item.username else None,
            planned_on=item.planned_on,
            due_on=item.due_on,
            grade=item.grade,
            district=item.district,
            occurrence=item.occurrence,
            late=item.late,
            reason=item.reason,
            provisional=item.provisional,
        )
        for item in computed.items
    ]
    bulk_create_with_history(planned, PlannedVisit, batch_size=1000, default_user=by, default_change_reason="plan")
    return plan


MOVE_NOT_WORKDAY = gettext_noop("%(day)s is not a working day on the official calendar; choose a working day.")
MOVE_CAPACITY = gettext_noop(
    "%(manager)s already has %(count)s visit(s) planned on %(day)s, the daily capacity (%(capacity)s)."
)
MOVE_UNKNOWN_MANAGER = gettext_noop("There is no active account manager with the user name %(username)r.")
MOVE_COMPLETED = gettext_noop("This visit has been made already; it cannot be moved.")


@transaction.atomic
def planned_visit_move(
    *, planned: PlannedVisit, day: dt.date, username: str | None = None, by: User, version: int | None = None
) -> PlannedVisit:
    """Move one planned visit to ``day`` (and to the manager ``username`` if given).

    ``version`` is the one the person saw: if someone moved the visit since, the move is refused
    (:class:`~powerkam.core.errors.ConflictError`) and theirs is kept.

    Refused — with nothing changed — onto a non-working day, past the manager's daily capacity,
    or to an unknown manager. No other planned visit moves.
    """
    _refuse_viewer(by)
    planned = (
        PlannedVisit.objects.select_for_update(of=("self",)).select_related("manager", "account").get(pk=planned.pk)
    )
    check(planned, version)
    if planned.status != PlannedStatus.PLANNED:
        raise ApplicationError(_(MOVE_COMPLETED))
    permissions.require(by, "visits.change_visits", planned.account)
    target = username if username else (planned.manager.get_username() if planned.manager else "")
    if not target:
        raise ApplicationError(_("Choose the manager who will make this visit."))
    managers = dict(
        StaffProfile.objects.filter(archived=False, user__is_active=True).values_list(
            "user__username", "daily_visit_capacity"
        )
    )
    booked = (
        selectors.active_planned_visits()
        .filter(manager__username=target, planned_on=day)
        .exclude(pk=planned.pk)
        .count()
    )
    try:
        problem = cadence.check_move(
            day=day, username=target, calendar=work_calendar(), known_managers=managers, booked_that_day=booked
        )
    except WorkCalendarError as exc:
        raise ApplicationError(calendar_error_message(exc)) from None
    if problem == "unknown_manager":
        raise ApplicationError(_(MOVE_UNKNOWN_MANAGER) % {"username": target})
    if problem == "not_workday":
        raise ApplicationError(_(MOVE_NOT_WORKDAY) % {"day": day.isoformat()})
    if problem == "capacity":
        raise ApplicationError(
            _(MOVE_CAPACITY)
            % {"manager": target, "count": booked, "day": day.isoformat(), "capacity": managers[target]}
        )
    planned.manager = User.objects.get(username=target)
    planned.planned_on = day
    planned.late = day > planned.due_on
    planned.reason = LateReason.MOVED if planned.late else LateReason.NONE
    planned.provisional = work_calendar().is_workday(day).provisional
    planned.moved_by_hand = True
    planned._history_user = by  # type: ignore[attr-defined]
    planned.save()
    return planned


# ---- visit records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedInput:
    """A need heard on the visit; with an owner and a due date it becomes a follow-up."""

    text: str
    owner: User | None = None
    due_on: dt.date | None = None


def visit_record(
    *,
    account: Account,
    visited_on: dt.date,
    by: User,
    staff: User | None = None,
    attendees: Sequence[Contact] = (),
    topics: str = "",
    needs: Sequence[NeedInput] = (),
    satisfaction: int | None = None,
    summary: str = "",
    files: Sequence[UploadedFile] = (),
    planned: PlannedVisit | None = None,
    client_key: uuid.UUID | None = None,
) -> Visit:
    """Record a completed visit (see ``_record``), exactly once per ``client_key``.

    The phone form sends a key it made (docs/visits.md, "Offline capture"): a visit queued on a
    phone may be sent again after a lost answer, and the second send must not record a second
    visit. A key already recorded answers the visit it recorded, as the first send was answered.
    """
    _refuse_viewer(by)
    permissions.require(by, "visits.change_visits", account)
    if client_key is not None:
        existing = _visit_for_key(client_key, account=account, by=by, staff=staff)
        if existing is not None:
            return existing
    try:
        return _record(
            account=account,
            visited_on=visited_on,
            by=by,
            staff=staff,
            attendees=attendees,
            topics=topics,
            needs=needs,
            satisfaction=satisfaction,
            summary=summary,
            files=files,
            planned=planned,
            client_key=client_key,
        )
    except IntegrityError:
        # Two sends of one key at the same moment: the other one committed first.
        existing = None if client_key is None else _visit_for_key(client_key, account=account, by=by, staff=staff)
        if existing is None:
            raise
        return existing


def _visit_for_key(key: uuid.UUID, *, account: Account, by: User, staff: User | None = None) -> Visit | None:
    visit = Visit.objects.filter(client_key=key).first()
    if visit is None:
        return None
    if visit.account_id != account.pk or visit.staff_id != (staff or by).pk:
        raise ApplicationError(_("This visit key was already used for another visit; reload the form and save again."))
    return visit


@transaction.atomic
def _record(
    *,
    account: Account,
    visited_on: dt.date,
    by: User,
    staff: User | None = None,
    attendees: Sequence[Contact] = (),
    topics: str = "",
    needs: Sequence[NeedInput] = (),
    satisfaction: int | None = None,
    summary: str = "",
    files: Sequence[UploadedFile] = (),
    planned: PlannedVisit | None = None,
    client_key: uuid.UUID | None = None,
) -> Visit:
    """Record a completed visit; it completes the account's planned visit (the given one, else the
    earliest still open) and turns each need with an owner and a due date into a follow-up."""
    _refuse_viewer(by)
    permissions.require(by, "visits.change_visits", account)
    if visited_on > timezone.localdate():
        raise ApplicationError(
            _("A visit is recorded after it happened; %(day)s is in the future.") % {"day": visited_on.isoformat()}
        )
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ApplicationError(_("Satisfaction is a score from 1 to 5."))
    strangers = [c for c in attendees if c.account_id != account.pk]
    if strangers:
        raise ApplicationError(
            _("%(name)s is not a contact of this account.") % {"name": ", ".join(c.name for c in strangers)}
        )
    for upload in files:
        if upload.size and upload.size > MAX_ATTACHMENT_BYTES:
            raise ApplicationError(_("%(name)s is larger than 20 MB.") % {"name": upload.name})
    for need in needs:
        if (need.owner is None) != (need.due_on is None):
            raise ApplicationError(
                _("The follow-up for %(need)r needs both an owner and a due date.") % {"need": need.text[:40]}
            )
    visit = Visit(
        account=account,
        visited_on=visited_on,
        staff=staff or by,
        source=VisitSource.RECORDED,
        status=VisitStatus.COMPLETED,
        topics=topics.strip(),
        needs="\n".join(n.text.strip() for n in needs if n.text.strip()),
        satisfaction=satisfaction,
        summary=summary.strip(),
        client_key=client_key,
    )
    visit.full_clean(validate_unique=False)  # the key's uniqueness is the database's: see visit_record
    visit.save()
    if attendees:
        visit.attendees.set(attendees)
    for upload in files:
        VisitAttachment.objects.create(
            visit=visit,
            file=upload,
            name=(upload.name or "")[:200],
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            size_bytes=upload.size or 0,
            uploaded_by=by,
        )
    for need in needs:
        if need.text.strip() and need.owner is not None and need.due_on is not None:
            followup_create(account=account, need=need.text, owner=need.owner, due_on=need.due_on, by=by, visit=visit)
    _complete_planned(account=account, visit=visit, planned=planned)
    return visit


def _complete_planned(*, account: Account, visit: Visit, planned: PlannedVisit | None) -> None:
    if planned is None:
        planned = (
            selectors.active_planned_visits()
            .filter(account=account, status=PlannedStatus.PLANNED)
            .order_by("due_on", "occurrence", "pk")
            .first()
        )
    elif planned.account_id != account.pk:
        raise ApplicationError(_("That planned visit belongs to another account."))
    if planned is None or planned.status != PlannedStatus.PLANNED:
        return
    planned.status = PlannedStatus.COMPLETED
    planned.visit = visit
    planned.save(update_fields=["status", "visit"])


# ---- follow-ups ----------------------------------------------------------------------------------


@transaction.atomic
def followup_create(
    *, account: Account, need: str, owner: User, due_on: dt.date, by: User, visit: Visit | None = None
) -> FollowUp:
    _refuse_viewer(by)
    permissions.require(by, "visits.change_visits", account)
    if not need.strip():
        raise ApplicationError(_("Say what the customer needs."))
    if not hasattr(owner, "staff") or owner.staff.archived or not owner.is_active:
        raise ApplicationError(_("%(user)s is not an active staff member.") % {"user": owner.get_username()})
    followup = FollowUp(account=account, visit=visit, need=need.strip(), owner=owner, due_on=due_on, created_by=by)
    followup.full_clean()
    followup.save()
    return followup


@transaction.atomic
def followup_close(
    *, followup: FollowUp, by: User, note: str = "", cancel: bool = False, version: int | None = None
) -> FollowUp:
    """Mark a follow-up done (or cancelled: the need went away). History keeps who and when.

    ``version`` is the one the person saw: if someone changed the follow-up since, nothing happens.
    """
    followup = lock(followup, version)
    permissions.require(
        by,
        "visits.change_followup",
        followup,
        _("Only the owner or a manager of the account may close this follow-up."),
    )
    if followup.status != FollowUpStatus.OPEN:
        raise ApplicationError(_("This follow-up is closed already."))
    followup.status = FollowUpStatus.CANCELLED if cancel else FollowUpStatus.DONE
    followup.done_at = timezone.now()
    if note.strip():
        followup.note = note.strip()
    followup.save()
    return followup


@transaction.atomic
def followup_reopen(*, followup: FollowUp, by: User, version: int | None = None) -> FollowUp:
    followup = lock(followup, version)
    permissions.require(
        by,
        "visits.change_followup",
        followup,
        _("Only the owner or a manager of the account may reopen this follow-up."),
    )
    followup.status = FollowUpStatus.OPEN
    followup.done_at = None
    followup.save()
    return followup


# ---- calendar feeds ------------------------------------------------------------------------------


def feed_for(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def feed_rotate(*, user: User) -> CalendarFeed:
    """A new secret: links given out before stop working."""
    feed = feed_for(user=user)
    feed.token = new_feed_token()
    feed.rotated_at = timezone.now()
    feed.save()
    return feed


# ---- reassignment --------------------------------------------------------------------------------


@transaction.atomic
def account_reassign(*, account: Account, to_user: User, by: User, seen: int | None = None) -> Assignment:
    """Make ``to_user`` the primary manager: the old assignment is ended (kept), a new one starts.

    Supervisors and administrators only. If the new manager was the account's secondary manager,
    that assignment ends too (one person cannot be both). Planned visits keep their manager until
    the plan is made again. ``seen``: the id of the primary assignment the person saw (0: none);
    if the account was reassigned since, nothing changes (:class:`~powerkam.core.errors.ConflictError`).
    """
    permissions.require(by, "accounts.reassign")
    target = getattr(to_user, "staff", None)
    if target is None or target.archived or not to_user.is_active or target.role != Role.MANAGER:
        raise ApplicationError(_("%(user)s is not an active account manager.") % {"user": to_user.get_username()})
    current = list(Assignment.objects.select_for_update().filter(account=account, active=True))
    primary = next((a for a in current if a.role == AssignmentRole.PRIMARY), None)
    if seen is not None and (primary.pk if primary is not None else 0) != seen:
        raise _reassigned_meanwhile(primary, seen)
    for assignment in current:
        if assignment.role == AssignmentRole.PRIMARY and assignment.staff_id == to_user.pk:
            raise ApplicationError(_("%(user)s is already the primary manager.") % {"user": to_user.get_username()})
    for assignment in current:
        if assignment.role == AssignmentRole.PRIMARY or assignment.staff_id == to_user.pk:
            assignment.active = False
            assignment.save()
    new = Assignment(account=account, staff=to_user, role=AssignmentRole.PRIMARY, active=True)
    new._history_user = by  # type: ignore[attr-defined]
    new.full_clean()
    new.save()
    return new


def accounts_reassign(
    *,
    accounts: Sequence[Account],
    to_user: User,
    by: User,
    seen: Mapping[str, int | None] | None = None,
) -> list[Assignment]:
    """Make ``to_user`` the primary manager of every selected account (issue 19 part 6): the account
    list's bulk action. Each account goes through :func:`account_reassign` (its history kept the same
    way), all or none: an account ``to_user`` already manages as primary refuses the whole change,
    naming the row (:class:`~powerkam.core.bulk.BulkRefused`). ``seen``: customer id → the id of the
    primary assignment the person saw (0: none), the row's version for a reassignment — an account
    reassigned since is refused the same way. Supervisors and administrators only, checked once before
    any account."""
    permissions.require(by, "accounts.reassign")
    return all_or_nothing(
        accounts,
        lambda account: account_reassign(
            account=account, to_user=to_user, by=by, seen=version_of(seen, account.customer_id)
        ),
        lambda account: f"{account.customer_id} {account.name}",
        key=lambda account: account.customer_id,
    )


def _reassigned_meanwhile(primary: Assignment | None, seen: int) -> ApplicationError:
    """The account's primary manager is no longer the one the person saw: who made the change."""
    if primary is None:  # the primary assignment seen was ended without a successor
        ended = Assignment.history.filter(id=seen).order_by("-history_id").select_related("history_user").first()
        by = person(ended.history_user) if ended is not None else str(_("someone else"))
        return ApplicationError(
            _("%(who)s ended this assignment while you were editing it. Your change was not saved.") % {"who": by}
        )
    created = primary.history.order_by("history_id").select_related("history_user__staff").first()
    who = [person(created.history_user)] if created is not None else []
    return conflict(primary, seen, who=who, fields=[str(Assignment._meta.get_field("staff").verbose_name)])
