"""Writes for planned outages: draft → scheduled → notified → done (or cancelled).

- :func:`outage_create` / :func:`outage_update` — a draft: feeders that exist, an end after the start.
- :func:`outage_schedule` — fixes the impact: which accounts the window interrupts, each one's ENS.
- :func:`outage_notify` — notices to every affected key account: an email to each of its contacts
  with an address, and a printable letter; notifying after the deadline (7 days for planned,
  24 hours for temporary outages) is allowed but flagged late.
- :func:`notice_acknowledge` — a contact (link in the email) or a staff member records the receipt.
- :func:`outage_complete` — the work is done: one follow-up task per affected key account, due
  3 working days after the end, for its primary manager.
- :func:`outage_cancel` — keeps the record, marked cancelled.
- :func:`typical_loads_refresh` — rebuild the derived typical loads (after a loads import, a
  calendar or rules change: :func:`powerkam.outages.tasks.queue_typical_loads_refresh`; ``powerkam data
  rebuild``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account, Assignment, AssignmentRole, Contact
from powerkam.analytics import outages as engine
from powerkam.analytics import typical
from powerkam.core.errors import ApplicationError
from powerkam.core.locking import check_newest, lock
from powerkam.outages import selectors
from powerkam.outages.models import (
    AffectedAccount,
    FollowUpStatus,
    NoticeChannel,
    OutageFollowUp,
    OutageKind,
    OutageNotice,
    OutageRulesVersion,
    OutageStatus,
    PlannedOutage,
)
from powerkam.staff import permissions
from powerkam.workdays.selectors import work_calendar

AnyUser = User | AbstractBaseUser | AnonymousUser
#: Follow-ups are due this many working days after the outage ends.
FOLLOW_UP_WORKDAYS = 3


def _require_planner(user: AnyUser | None) -> None:
    """``user`` None is the command line or a job: the installation's administrator."""
    if user is not None:
        permissions.require(user, "outages.plan_outages")


def _check(feeders: str, start: dt.datetime, end: dt.datetime) -> tuple[str, ...]:
    try:
        out = engine.check_feeders(feeders, selectors.known_feeder_ids())
    except engine.OutageError as exc:
        raise selectors.application_error(exc) from exc
    if end <= start:
        raise ApplicationError(_("The outage must end after it starts."), {"field": "end"})
    return out


def _status_error(outage: PlannedOutage, action: str) -> ApplicationError:
    return ApplicationError(
        _("An outage that is %(status)s cannot be %(action)s.")
        % {"status": outage.get_status_display(), "action": action},
        {"status": outage.status},
    )


@transaction.atomic
def outage_create(
    *,
    title: str,
    feeders: str,
    start: dt.datetime,
    end: dt.datetime,
    kind: str = OutageKind.PLANNED,
    crew: str = "",
    reason: str = "",
    by: User | None = None,
) -> PlannedOutage:
    _require_planner(by)
    start, end = selectors.to_aware(start), selectors.to_aware(end)
    out = _check(feeders, start, end)
    if kind not in OutageKind.values:
        raise ApplicationError(_("Unknown outage kind %(kind)r.") % {"kind": kind}, {"field": "kind"})
    outage = PlannedOutage(
        title=title.strip() or _("Outage of %(feeders)s") % {"feeders": ", ".join(out)},
        kind=kind,
        feeders=";".join(out),
        start=start,
        end=end,
        crew=crew.strip(),
        reason=reason.strip(),
        created_by=by,
    )
    outage.full_clean()
    outage.save()
    return outage


@transaction.atomic
def outage_update(
    *,
    outage: PlannedOutage,
    by: User | None = None,
    title: str | None = None,
    feeders: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    kind: str | None = None,
    crew: str | None = None,
    reason: str | None = None,
    version: int | None = None,
) -> PlannedOutage:
    """Change a draft or scheduled outage; a scheduled one goes back to draft (its impact must be fixed again).

    ``version``: the one the person edited; if someone changed the outage since, nothing is saved.
    """
    _require_planner(by)
    outage = lock(outage, version)
    if not outage.editable:
        raise _status_error(outage, _("changed"))
    new_start = selectors.to_aware(start) if start is not None else outage.start
    new_end = selectors.to_aware(end) if end is not None else outage.end
    out = _check(feeders if feeders is not None else outage.feeders, new_start, new_end)
    outage.feeders, outage.start, outage.end = ";".join(out), new_start, new_end
    if title is not None:
        outage.title = title.strip() or outage.title
    if kind is not None:
        if kind not in OutageKind.values:
            raise ApplicationError(_("Unknown outage kind %(kind)r.") % {"kind": kind}, {"field": "kind"})
        outage.kind = kind
    if crew is not None:
        outage.crew = crew.strip()
    if reason is not None:
        outage.reason = reason.strip()
    if outage.status == OutageStatus.SCHEDULED:
        outage.status = OutageStatus.DRAFT
        outage.scheduled_at = None
        outage.affected.all().delete()  # a derived snapshot, recomputed on scheduling
    outage.full_clean()
    outage.save()
    return outage


@transaction.atomic
def outage_schedule(*, outage: PlannedOutage, by: User | None = None, version: int | None = None) -> PlannedOutage:
    """Fix the window: record every interrupted account with its ENS (unknown ones stay empty)."""
    _require_planner(by)
    outage = lock(outage, version)
    if outage.status not in (OutageStatus.DRAFT, OutageStatus.SCHEDULED):
        raise _status_error(outage, _("scheduled"))
    report = selectors.outage_impact(feeders=outage.feeders, start=outage.start, end=outage.end)
    accounts = Account.objects.in_bulk([row["customer_id"] for row in report.interrupted], field_name="customer_id")
    outage.affected.all().delete()
    AffectedAccount.objects.bulk_create(
        [
            AffectedAccount(
                outage=outage,
                account=accounts[row["customer_id"]],
                key_account=row["key_account"],
                ens_kwh=row["ens_kwh"],
                weight=row["weight"],
            )
            for row in report.interrupted
        ]
    )
    outage.ens_kwh = report.ens_kwh
    outage.weighted_ens_kwh = report.weighted_ens_kwh
    outage.unknown_ens = ";".join(report.unknown)
    outage.status = OutageStatus.SCHEDULED
    outage.scheduled_at = timezone.now()
    outage.save()
    return outage


def _notice_text(outage: PlannedOutage, account: Account, ack_url: str, code: str) -> tuple[str, str]:
    local_start = timezone.localtime(outage.start)
    local_end = timezone.localtime(outage.end)
    subject = _("Power outage notice: %(start)s – %(end)s") % {
        "start": f"{local_start:%Y-%m-%d %H:%M}",
        "end": f"{local_end:%Y-%m-%d %H:%M}",
    }
    lines = [
        _("Dear %(name)s,") % {"name": account.name},
        "",
        _(
            "Because of work on the supply network (%(work)s), the supply of your premises (customer id "
            "%(customer_id)s) will be interrupted from %(start)s to %(end)s."
        )
        % {
            "work": outage.reason or outage.title,
            "customer_id": account.customer_id,
            "start": f"{local_start:%Y-%m-%d %H:%M}",
            "end": f"{local_end:%Y-%m-%d %H:%M}",
        },
        _("Please arrange your production and any standby supply accordingly."),
        "",
        _("Please confirm that you received this notice: %(url)s") % {"url": ack_url}
        if ack_url
        else _("Please confirm that you received this notice to your account manager (code %(code)s).")
        % {"code": code},
    ]
    return subject, "\n".join(lines)


def _primary_manager(account: Account) -> User | None:
    assignment = (
        Assignment.objects.filter(account=account, active=True, role=AssignmentRole.PRIMARY)
        .select_related("staff")
        .first()
    )
    return assignment.staff if assignment else None


def outage_notify(
    *,
    outage: PlannedOutage,
    by: User | None = None,
    now: dt.datetime | None = None,
    ack_base_url: str = "",
    version: int | None = None,
) -> PlannedOutage:
    """Send the notices of a scheduled outage (email to each contact with an address, a letter per key
    account) and record them; notifying after the deadline is flagged late.

    ``version``: the version of the outage the person acted on; if it changed since (rescheduled,
    cancelled, notified by someone else), nothing is recorded or sent (ConflictError). The outage is
    locked while its notices are recorded, so two planners cannot both send them."""
    _require_planner(by)
    now = now or timezone.now()
    rules = selectors.outage_rules()
    outbox: list[EmailMessage] = []
    with transaction.atomic():
        outage = lock(outage, version)
        if outage.status != OutageStatus.SCHEDULED:
            raise _status_error(outage, _("notified"))
        late = engine.notice_is_late(
            selectors.to_local_naive(outage.start),
            selectors.to_local_naive(now),
            temporary=outage.temporary,
            rules=rules,
        )
        key_accounts = [a.account for a in outage.affected.filter(key_account=True).select_related("account")]
        with translation.override(settings.LANGUAGE_CODE):  # the notices are in the installation's language
            for account in key_accounts:
                OutageNotice.objects.create(
                    outage=outage,
                    account=account,
                    channel=NoticeChannel.LETTER,
                    recipient=account.name,
                    sent_at=now,
                    late=late,
                )
                contacts = Contact.objects.filter(account=account, archived=False).exclude(email="")
                for contact in contacts:
                    notice = OutageNotice.objects.create(
                        outage=outage,
                        account=account,
                        contact=contact,
                        channel=NoticeChannel.EMAIL,
                        recipient=contact.email,
                        sent_at=now,
                        late=late,
                    )
                    ack_url = f"{ack_base_url.rstrip('/')}/grid/notices/{notice.token}/ack/" if ack_base_url else ""
                    subject, body = _notice_text(outage, account, ack_url, notice.token[:8])
                    outbox.append(EmailMessage(subject, body, to=[contact.email]))
        outage.status = OutageStatus.NOTIFIED
        outage.notified_at = now
        outage.notice_late = late
        outage.save()
    if outbox:
        # Sent after the notices are recorded: a mail failure is reported and can be retried by hand.
        with get_connection() as connection:
            connection.send_messages(outbox)
    return outage


def letter_html(*, outage: PlannedOutage, account: Account) -> str:
    """The printable notice letter for one affected account (HTML, A4)."""
    notice = outage.notices.filter(account=account, channel=NoticeChannel.LETTER).first()
    return render_to_string(
        "outages/letter.html",
        {
            "outage": outage,
            "account": account,
            "notice": notice,
            "affected": outage.affected.filter(account=account).first(),
            "today": timezone.localdate(),
        },
    )


@transaction.atomic
def notice_acknowledge(*, notice: OutageNotice, by_name: str, at: dt.datetime | None = None) -> OutageNotice:
    """Record that the customer received the notice (the first acknowledgement counts)."""
    notice = OutageNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.acknowledged_at is None:
        notice.acknowledged_at = at or timezone.now()
        notice.acknowledged_by = (by_name or "").strip()[:200] or notice.recipient
        notice.save()
    return notice


@transaction.atomic
def outage_complete(*, outage: PlannedOutage, by: User | None = None, version: int | None = None) -> PlannedOutage:
    """The work is done: one follow-up per affected key account for its primary manager."""
    _require_planner(by)
    outage = lock(outage, version)
    if outage.status not in (OutageStatus.SCHEDULED, OutageStatus.NOTIFIED):
        raise _status_error(outage, _("marked done"))
    end_day = timezone.localtime(outage.end).date()
    due = work_calendar().add_workdays(end_day, FOLLOW_UP_WORKDAYS).date
    for affected in outage.affected.filter(key_account=True).select_related("account"):
        OutageFollowUp.objects.get_or_create(
            outage=outage,
            account=affected.account,
            defaults={"assignee": _primary_manager(affected.account), "due_on": due},
        )
    outage.status = OutageStatus.DONE
    outage.done_at = timezone.now()
    outage.save()
    return outage


@transaction.atomic
def outage_cancel(*, outage: PlannedOutage, by: User | None = None, version: int | None = None) -> PlannedOutage:
    _require_planner(by)
    outage = lock(outage, version)
    if outage.status in (OutageStatus.DONE, OutageStatus.CANCELLED):
        raise _status_error(outage, _("cancelled"))
    outage.status = OutageStatus.CANCELLED
    outage.cancelled_at = timezone.now()
    outage.save()
    return outage


@transaction.atomic
def follow_up_close(
    *, follow_up: OutageFollowUp, note: str = "", by: User | None = None, version: int | None = None
) -> OutageFollowUp:
    follow_up = lock(follow_up, version)
    if follow_up.status != FollowUpStatus.DONE:
        follow_up.status = FollowUpStatus.DONE
        follow_up.done_at = timezone.now()
    if note:
        follow_up.note = note.strip()
    follow_up.save()
    return follow_up


@transaction.atomic
def outage_rules_set(
    *, rules_toml: str, note: str = "", by: User | None = None, based_on: int | None = None
) -> OutageRulesVersion:
    """Save new outage rules (checked first); the newest rules apply from now on.

    ``based_on``: the id of the version the person edited; if someone saved a newer one since,
    nothing is saved (:class:`~powerkam.core.errors.ConflictError`).
    """
    if by is not None:
        permissions.require(
            by,
            "outages.plan_outages",
            message=_("Only outage planners, supervisors and administrators may change the outage rules."),
        )
    check_newest(OutageRulesVersion, based_on)
    try:
        engine.OutageRules.from_toml(rules_toml, source=_("the outage rules"))
    except engine.OutageError as exc:
        raise ApplicationError(exc.message, {"field": "rules_toml"}) from exc
    return OutageRulesVersion.objects.create(rules_toml=rules_toml, note=note, created_by=by)


@dataclass(frozen=True)
class AcceptedJob:
    """One job of a month plan as accepted: its window, and the outage it moves (None: a new one)."""

    job_id: str
    feeders: str
    start: dt.datetime
    end: dt.datetime
    crew: str = ""
    title: str = ""
    outage_id: int | None = None
    outage_version: int | None = None


def _plan_clash(job: AcceptedJob, moved: set[int]) -> PlannedOutage | None:
    """An outage already on record (not cancelled, not moved by this plan) that overlaps the job's
    window and shares a feeder or its crew: the plan was made without it."""
    feeders = set(engine.parse_feeders(job.feeders))
    overlapping = (
        PlannedOutage.objects.exclude(status=OutageStatus.CANCELLED)
        .exclude(pk__in=moved)
        .filter(start__lt=job.end, end__gt=job.start)
        .order_by("start", "pk")
    )
    for other in overlapping:
        if feeders & set(engine.parse_feeders(other.feeders)) or (job.crew and other.crew == job.crew):
            return other
    return None


@transaction.atomic
def plan_accept(
    *, jobs: list[AcceptedJob], by: User | None = None, kind: str = OutageKind.PLANNED, reason: str = ""
) -> list[PlannedOutage]:
    """Turn a month plan's windows into planned outages, all or nothing (issue 19).

    A job picked from an outage moves that draft or scheduled outage (:func:`outage_update`, with the
    version seen when the plan was made: if someone changed it since, nothing is saved); a job from a
    file becomes a new draft (:func:`outage_create`). A job whose window overlaps another outage on
    record with a shared feeder or the same crew is refused, naming both — the plan did not know it.
    """
    _require_planner(by)
    if not jobs:
        raise ApplicationError(_("The plan has no jobs to accept."), {"field": "jobs"})
    moved = {j.outage_id for j in jobs if j.outage_id is not None}
    for job in jobs:  # against the outages on record before this plan writes anything
        clash = _plan_clash(job, moved)
        if clash is not None:
            raise ApplicationError(
                _(
                    "Job %(job)s (%(start)s – %(end)s) overlaps outage %(title)s (%(other_start)s – %(other_end)s) "
                    "on the same feeder or crew. Nothing was saved: plan again."
                )
                % {
                    "job": job.job_id,
                    "start": f"{timezone.localtime(job.start):%Y-%m-%d %H:%M}",
                    "end": f"{timezone.localtime(job.end):%H:%M}",
                    "title": clash.title,
                    "other_start": f"{timezone.localtime(clash.start):%Y-%m-%d %H:%M}",
                    "other_end": f"{timezone.localtime(clash.end):%H:%M}",
                },
                {"job": job.job_id, "outage": clash.pk},
            )
    outages = []
    for job in jobs:
        try:
            if job.outage_id is not None:
                outage = PlannedOutage.objects.get(pk=job.outage_id)
                outages.append(
                    outage_update(outage=outage, by=by, start=job.start, end=job.end, version=job.outage_version)
                )
            else:
                outages.append(
                    outage_create(
                        title=job.title or job.job_id,
                        feeders=job.feeders,
                        start=job.start,
                        end=job.end,
                        kind=kind,
                        crew=job.crew,
                        reason=reason,
                        by=by,
                    )
                )
        except PlannedOutage.DoesNotExist:
            raise ApplicationError(
                _("Job %(job)s: its outage no longer exists. Nothing was saved.") % {"job": job.job_id},
                {"job": job.job_id},
            ) from None
        except ApplicationError as exc:
            raise ApplicationError(
                _("Job %(job)s: %(message)s Nothing was saved.") % {"job": job.job_id, "message": exc.message},
                {**exc.extra, "job": job.job_id},
            ) from exc
    return outages


def affected_summary(outage: PlannedOutage) -> dict[str, Any]:
    rows = list(outage.affected.select_related("account"))
    return {
        "accounts": len(rows),
        "key_accounts": sum(1 for r in rows if r.key_account),
        "unknown": outage.unknown_list,
    }


def typical_loads_refresh(*, force: bool = False) -> int | None:
    """Build the derived typical loads from the store's readings with today's calendar and rules
    (``load.days``) unless they are current already (``force``: always). The customers written, or
    ``None`` when nothing was (current already, or no interval data yet)."""
    days = selectors.outage_rules().typical_days
    calendar = work_calendar()
    if not force and typical.is_current(selectors.store_dir(), calendar, days=days):
        return None
    return typical.build_typical_loads(selectors.store_dir(), calendar, days=days)
