"""Projects: creating and editing them, and their “1+1” managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from powerkam.accounts.models import Assignment, AssignmentRole
from powerkam.core.errors import ApplicationError
from powerkam.core.locking import lock, refresh
from powerkam.prospects.models import (
    Project,
    Stage,
    StageChange,
)
from powerkam.prospects.services.common import (
    FUTURE_DATE,
    NOT_STAFF,
    SAME_MANAGER,
    is_manager_candidate,
    local_today,
    require_editor,
    save_with_history,
)

# -- projects --------------------------------------------------------------------------------------

#: Fields a person may edit on a project (the demand classification and who is behind it).
EDITABLE_FIELDS: tuple[str, ...] = (
    "name",
    "industry",
    "district",
    "expected_capacity_kva",
    "expected_annual_kwh",
    "expected_energize_on",
    "supply_voltage_kv",
    "dual_supply",
    "government_contact",
    "owner_name",
    "owner_contact",
    "green_channel",
    "feeder",
    "notes",
)


@transaction.atomic
def project_create(
    *, by: User, project_id: str, name: str, stage: str = Stage.PLANNED, on: dt.date | None = None, **fields: Any
) -> Project:
    """Register a project by hand (planned or approved, as a government list would bring it)."""
    require_editor(by)
    project_id, name = project_id.strip(), name.strip()
    if not project_id or not name:
        raise ApplicationError(_("A project needs an id and a name."))
    if stage not in (Stage.PLANNED, Stage.APPROVED):
        raise ApplicationError(_("A new project is planned or approved; later stages are reached by moving it on."))
    if Project.objects.filter(project_id=project_id).exists():
        raise ApplicationError(_("There is already a project %(id)s.") % {"id": project_id})
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    on = on or local_today()
    if on > local_today():
        raise ApplicationError(str(FUTURE_DATE) % {"date": on.isoformat()})
    project = Project(project_id=project_id, name=name, stage=stage, stage_since=on, **fields)
    save_with_history(project, by, "created")
    StageChange.objects.create(project=project, from_stage="", to_stage=stage, on=on, by=by)
    return project


@transaction.atomic
def project_update(*, project: Project, by: User, version: int | None = None, **fields: Any) -> Project:
    """Change the demand classification, contacts, green-channel flag, expected feeder or notes.

    ``version`` is the one the person edited: if someone changed the project since, the change is
    refused (:class:`~powerkam.core.errors.ConflictError`) and theirs is kept.
    """
    require_editor(by)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    current = lock(project, version)
    if "name" in fields and not str(fields["name"]).strip():
        raise ApplicationError(_("A project needs an id and a name."))
    if current.case_id is not None and "green_channel" in fields and fields["green_channel"] != current.green_channel:
        raise ApplicationError(
            _("The new-connection case is already open; change its green channel on the case's tickets.")
        )
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, fields[name])
    save_with_history(current, by)
    refresh(project, current)
    return current


@transaction.atomic
def project_managers_set(
    *, project: Project, by: User, primary: User | None, secondary: User | None, version: int | None = None
) -> Project:
    """Name the "1+1" managers: a primary (business) and a secondary (technical) manager."""
    require_editor(by)
    for person in (primary, secondary):
        if person is not None and not is_manager_candidate(person):
            raise ApplicationError(str(NOT_STAFF) % {"user": person.get_username()})
    if primary is not None and secondary is not None and primary.pk == secondary.pk:
        raise ApplicationError(str(SAME_MANAGER))
    current = lock(project, version)
    current.primary_manager = primary
    current.secondary_manager = secondary
    save_with_history(current, by)
    if current.account_id is not None:
        account_assignments(current)
    project.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


def account_assignments(project: Project) -> None:
    """The project's "1+1" managers also manage its account (where the account has nobody in that role)."""
    account = project.account
    assert account is not None
    for role, person in (
        (AssignmentRole.PRIMARY, project.primary_manager),
        (AssignmentRole.SECONDARY, project.secondary_manager),
    ):
        if person is None:
            continue
        if Assignment.objects.filter(account=account, role=role, active=True).exists():
            continue
        Assignment.objects.create(account=account, staff=person, role=role, active=True)
