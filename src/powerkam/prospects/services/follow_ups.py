"""Follow-up tasks of a project and its contact log."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from powerkam.core.errors import ApplicationError
from powerkam.core.locking import lock
from powerkam.prospects.models import (
    Channel,
    ContactEntry,
    FollowUp,
    FollowUpStatus,
    Party,
    Project,
)
from powerkam.prospects.services.common import (
    FINAL_STAGE,
    FUTURE_DATE,
    NOT_STAFF,
    is_manager_candidate,
    local_today,
    require_editor,
    save_with_history,
    stage_label,
)

# -- follow-up tasks and the contact log -------------------------------------------------------------


@transaction.atomic
def follow_up_create(
    *,
    project: Project,
    by: User,
    title: str,
    due_on: dt.date | None = None,
    assignee: User | None = None,
    blocker: bool = False,
) -> FollowUp:
    require_editor(by)
    if not title.strip():
        raise ApplicationError(_("Say what has to be done."))
    if project.is_final:
        raise ApplicationError(str(FINAL_STAGE) % {"project": project.project_id, "stage": stage_label(project.stage)})
    if assignee is not None and not is_manager_candidate(assignee):
        raise ApplicationError(str(NOT_STAFF) % {"user": assignee.get_username()})
    task = FollowUp(
        project=project,
        title=title.strip(),
        due_on=due_on,
        assignee=assignee or project.primary_manager or by,
        blocker=blocker,
        created_by=by,
        created_on=local_today(),
    )
    save_with_history(task, by)
    return task


@transaction.atomic
def follow_up_done(
    *, follow_up: FollowUp, by: User, on: dt.date | None = None, outcome: str = "", version: int | None = None
) -> FollowUp:
    """Mark a task done; ``version`` (the one the person saw) refuses it if someone changed the task since."""
    require_editor(by)
    task = lock(follow_up, version)
    if task.status != FollowUpStatus.OPEN:
        raise ApplicationError(_("This task is already %(status)s.") % {"status": task.get_status_display()})
    on = on or local_today()
    if on > local_today():
        raise ApplicationError(str(FUTURE_DATE) % {"date": on.isoformat()})
    task.status = FollowUpStatus.DONE
    task.done_on = on
    task.done_by = by
    task.outcome = outcome.strip()
    save_with_history(task, by)
    follow_up.__dict__.update({k: v for k, v in task.__dict__.items() if not k.startswith("_")})
    return task


@transaction.atomic
def follow_up_cancel(*, follow_up: FollowUp, by: User, reason: str = "", version: int | None = None) -> FollowUp:
    require_editor(by)
    task = lock(follow_up, version)
    if task.status != FollowUpStatus.OPEN:
        raise ApplicationError(_("This task is already %(status)s.") % {"status": task.get_status_display()})
    task.status = FollowUpStatus.CANCELLED
    task.done_on = local_today()
    task.done_by = by
    task.outcome = reason.strip()
    save_with_history(task, by)
    return task


@transaction.atomic
def contact_log_add(
    *,
    project: Project,
    by: User,
    on: dt.date,
    party: str,
    summary: str,
    organisation: str = "",
    person: str = "",
    channel: str = Channel.MEETING,
) -> ContactEntry:
    """Log a conversation with the government department or the project owner."""
    require_editor(by)
    if party not in Party.values:
        raise ApplicationError(_("Say who the conversation was with."))
    if channel not in Channel.values:
        raise ApplicationError(_("Unknown channel: %(channel)s.") % {"channel": channel})
    if not summary.strip():
        raise ApplicationError(_("Write down what was said or agreed."))
    if on > local_today():
        raise ApplicationError(str(FUTURE_DATE) % {"date": on.isoformat()})
    entry = ContactEntry(
        project=project,
        on=on,
        party=party,
        organisation=organisation.strip(),
        person=person.strip(),
        channel=channel,
        summary=summary.strip(),
        by=by,
    )
    save_with_history(entry, by)
    return entry
