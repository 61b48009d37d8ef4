"""Stage changes of a project (paper §三(三)), and the history that records them.

- planned → approved → applied → under construction → energised, one step at a time; any stage
  before energised may end in *lost* (a reason is required). Energised and lost are final.
- Every change is dated (a business date, not in the future and not before the last change)
  and kept as a :class:`StageChange`.
- "1+1": an approved project moves on only with a primary (business) and a secondary
  (technical) manager, two different staff members.
- applied: the project gets its customer account (a key-account candidate) and a new-connection
  case in the service app, on the green-channel limits when the project is flagged green channel.
- energised: the account becomes a key account; the project stays linked to it with its whole
  history; its reservations are marked used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account, Grade, KeyStatus, Tariff
from powerkam.core.errors import ApplicationError
from powerkam.core.locking import lock
from powerkam.prospects.models import (
    IN_PROGRESS,
    Project,
    ReservationStatus,
    Stage,
    StageChange,
    StageSource,
)
from powerkam.prospects.services.common import (
    BAD_MOVE,
    BEFORE_LAST,
    FINAL_STAGE,
    FUTURE_DATE,
    LOST_REASON,
    MANAGERS_MISSING,
    local_today,
    require_editor,
    save_with_history,
    stage_label,
)
from powerkam.prospects.services.projects import account_assignments


def _missing_labels(missing: list[str]) -> str:
    labels = {"primary": _("primary (business) manager"), "secondary": _("secondary (technical) manager")}
    return _(" and ").join(str(labels[m]) for m in missing)


# -- stage changes ---------------------------------------------------------------------------------

NEXT: dict[str, tuple[str, ...]] = {
    Stage.PLANNED: (Stage.APPROVED, Stage.LOST),
    Stage.APPROVED: (Stage.APPLIED, Stage.LOST),
    Stage.APPLIED: (Stage.UNDER_CONSTRUCTION, Stage.LOST),
    Stage.UNDER_CONSTRUCTION: (Stage.ENERGISED, Stage.LOST),
    Stage.ENERGISED: (),
    Stage.LOST: (),
}


@dataclass(frozen=True)
class Connection:
    """What the connection application needs beyond the project: the customer account."""

    customer_id: str
    tariff: str = Tariff.LARGE_INDUSTRIAL
    voltage_kv: Decimal | None = None  # default: the project's likely supply voltage
    capacity_kva: Decimal | None = None  # default: the project's expected capacity


def stage_check(project: Project, to_stage: str) -> None:
    """Refuse a move the rules do not allow (also used by the pages to explain a disabled button)."""
    if project.stage in (Stage.ENERGISED, Stage.LOST):
        raise ApplicationError(str(FINAL_STAGE) % {"project": project.project_id, "stage": stage_label(project.stage)})
    allowed = NEXT[project.stage]
    if to_stage not in allowed:
        raise ApplicationError(
            str(BAD_MOVE)
            % {
                "stage": stage_label(project.stage),
                "to": stage_label(to_stage) if to_stage in Stage.values else to_stage,
                "allowed": ", ".join(stage_label(s) for s in allowed),
            }
        )
    if to_stage != Stage.LOST and project.stage in IN_PROGRESS and project.missing_managers:
        raise ApplicationError(
            str(MANAGERS_MISSING)
            % {"project": project.project_id, "missing": _missing_labels(project.missing_managers)},
            {"missing": project.missing_managers},
        )


@transaction.atomic
def project_advance(
    *,
    project: Project,
    to_stage: str,
    by: User,
    on: dt.date | None = None,
    note: str = "",
    lost_reason: str = "",
    connection: Connection | None = None,
    version: int | None = None,
) -> Project:
    """Move a project one stage on (or to lost). See the module docstring for the rules."""
    require_editor(by)
    stage_log_sync(projects=[project])
    current = lock(project, version)
    if current.archived:
        raise ApplicationError(_("%(project)s is archived.") % {"project": current.project_id})
    stage_check(current, to_stage)
    on = on or local_today()
    if on > local_today():
        raise ApplicationError(str(FUTURE_DATE) % {"date": on.isoformat()})
    last = current.stage_changes.order_by("-on", "-id").first()
    if last is not None and on < last.on:
        raise ApplicationError(str(BEFORE_LAST) % {"date": on.isoformat(), "last": last.on.isoformat()})
    reason = f"stage {current.stage} → {to_stage}"
    if to_stage == Stage.LOST:
        if not lost_reason.strip():
            raise ApplicationError(str(LOST_REASON))
        current.lost_reason = lost_reason.strip()
        _end_reservations(current, ReservationStatus.RELEASED, on, _("The project was lost."))
    elif to_stage == Stage.APPLIED:
        if connection is None or not connection.customer_id.strip():
            raise ApplicationError(
                _("Give the customer id (户号) the billing system assigned to the connection application.")
            )
        _open_connection(current, by=by, on=on, connection=connection)
    elif to_stage == Stage.ENERGISED:
        _energise(current, by=by, on=on)
    from_stage = current.stage
    current.stage = to_stage
    current.stage_since = on
    save_with_history(current, by, reason)
    StageChange.objects.create(
        project=current, from_stage=from_stage, to_stage=to_stage, on=on, by=by, note=(note or lost_reason).strip()
    )
    project.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


def _open_connection(project: Project, *, by: User, on: dt.date, connection: Connection) -> None:
    """Open (or link) the customer account and the new-connection case in the service app."""
    from powerkam.service.services import case_create

    customer_id = connection.customer_id.strip()
    account = Account.objects.filter(customer_id=customer_id).first()
    if account is None:
        voltage = connection.voltage_kv or project.supply_voltage_kv
        capacity = connection.capacity_kva or project.expected_capacity_kva
        if voltage is None or capacity is None:
            raise ApplicationError(
                _("Give the supply voltage and the capacity of the connection (the project has no estimate yet).")
            )
        if connection.tariff not in Tariff.values:
            raise ApplicationError(_("Unknown tariff: %(tariff)s.") % {"tariff": connection.tariff})
        industry = project.industry.strip().upper()
        account = Account(
            customer_id=customer_id,
            name=project.owner_name or project.name,
            industry=industry if len(industry) == 1 and "A" <= industry <= "T" else "",
            voltage_kv=voltage,
            contract_capacity_kva=capacity,
            tariff=connection.tariff,
            district=project.district,
            key_status=KeyStatus.CANDIDATE,
        )
        save_with_history(account, by, f"opened from prospect {project.project_id}")
    elif account.archived:
        raise ApplicationError(_("%(account)s is archived.") % {"account": account})
    project.account = account
    account_assignments(project)
    project.case = case_create(
        account=account,
        title=_("%(project)s · new connection") % {"project": project.name},
        by=by,
        accepted_on=on,
        dual_supply=project.dual_supply,
        green_channel=project.green_channel,
        owner=project.primary_manager,
    )


def _energise(project: Project, *, by: User, on: dt.date) -> None:
    account = project.account
    if account is None:  # pragma: no cover - applied always opens the account
        raise ApplicationError(_("The project has no customer account; it must apply for connection first."))
    account = Account.objects.select_for_update().get(pk=account.pk)
    account.key_status = KeyStatus.KEY
    account.key_since = on
    # No bills yet, so the rules cannot grade it: start as medium (B, visited quarterly) until a
    # grading run can (grading keeps it a key account for its first year).
    account.grade = account.grade or Grade.B
    account.connected_on = account.connected_on or on
    save_with_history(account, by, f"energised: prospect {project.project_id}")
    project.account = account
    account_assignments(project)
    _end_reservations(project, ReservationStatus.USED, on, _("The project was energised."))


def _end_reservations(project: Project, status: str, on: dt.date, reason: str) -> None:
    for reservation in project.reservations.select_for_update().filter(status=ReservationStatus.ACTIVE):
        reservation.status = status
        reservation.released_on = on
        reservation.release_reason = reason[:300]
        reservation.save()


def stage_log_sync(*, projects: list[Project] | None = None) -> int:
    """Record stage changes made outside these services (an imported government list moves a project
    from planned to approved, or brings it in) from the change history, with the date they happened.
    Returns how many were recorded. Safe to run at any time, concurrently too."""
    query = Project.objects.all() if projects is None else Project.objects.filter(pk__in=[p.pk for p in projects])
    latest = StageChange.objects.filter(project=OuterRef("pk")).order_by("-id").values("to_stage")[:1]
    stale = query.annotate(last_to=Subquery(latest)).filter(Q(last_to__isnull=True) | ~Q(last_to=F("stage")))
    recorded = 0
    for project in stale:
        last = project.stage_changes.order_by("-id").first()
        records = project.history.order_by("history_date", "history_id")
        if last is not None:
            records = records.filter(history_date__gt=last.created_at)
        previous = last.to_stage if last is not None else ""
        rows = []
        for record in records.select_related("history_user"):
            if record.stage == previous:
                continue
            rows.append(
                StageChange(
                    project=project,
                    from_stage=previous,
                    to_stage=record.stage,
                    on=timezone.localdate(record.history_date),
                    by=record.history_user,
                    source=StageSource.IMPORT if record.history_change_reason == "import" else StageSource.APP,
                    history_id=record.history_id,
                )
            )
            previous = record.stage
        if previous != project.stage:  # changed without a history record: record it as of today
            rows.append(
                StageChange(
                    project=project,
                    from_stage=previous,
                    to_stage=project.stage,
                    on=local_today(),
                    source=StageSource.IMPORT,
                )
            )
        created = StageChange.objects.bulk_create(rows, ignore_conflicts=True)
        recorded += len(created)
        if rows:
            Project.objects.filter(pk=project.pk).update(stage_since=rows[-1].on)
    return recorded
