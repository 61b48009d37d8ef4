"""Use cases that change prospects. Each is one transaction: everything or nothing.

Stage rules (paper §3(三)):

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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from powerkam.accounts.models import Account, Assignment, AssignmentRole, Grade, KeyStatus, Tariff
from powerkam.analytics.headroom import POWER_FACTOR, Headroom
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.core.locking import lock, refresh
from powerkam.grid.models import Feeder, Substation
from powerkam.prospects import selectors
from powerkam.prospects.models import (
    IN_PROGRESS,
    PIPELINE,
    Channel,
    ContactEntry,
    FollowUp,
    FollowUpStatus,
    NoteKind,
    Party,
    Project,
    ProspectNote,
    Reservation,
    ReservationStatus,
    Stage,
    StageChange,
    StageSource,
)
from powerkam.staff import permissions
from powerkam.staff.selectors import language_of

# Messages the tests (and API clients) can rely on.
MANAGERS_MISSING = gettext_lazy(
    "%(project)s is approved: it moves on only with both “1+1” managers — a primary (business) and a "
    "secondary (technical) manager. Missing: %(missing)s."
)
SAME_MANAGER = gettext_lazy("The primary and the secondary manager must be two different people.")
NOT_STAFF = gettext_lazy("%(user)s is not a PowerKAM staff member who may manage projects.")
READ_ONLY = gettext_lazy("Your role can view prospects but not change them.")
BAD_MOVE = gettext_lazy("A project that is %(stage)s cannot move to %(to)s; next: %(allowed)s.")
FINAL_STAGE = gettext_lazy("%(project)s is %(stage)s; its stage cannot change any more.")
FUTURE_DATE = gettext_lazy("The date %(date)s is in the future.")
BEFORE_LAST = gettext_lazy("The date %(date)s is before the project's last stage change (%(last)s).")
LOST_REASON = gettext_lazy("Say why the project was lost.")
NO_HEADROOM = gettext_lazy(
    "Not enough headroom on %(place)s: rated %(rated_kva)s kVA × %(pf)s = %(rated_kw)s kW, minus peak load "
    "%(peak_kw)s kW, minus %(reserved_kva)s kVA already reserved (%(reserved_kw)s kW) leaves %(available_kw)s kW "
    "(%(available_kva)s kVA); this reservation needs %(kva)s kVA (%(kw)s kW)."
)
UNKNOWN_CAPACITY = gettext_lazy(
    "The headroom of %(place)s is not known: its rated capacity or peak load is missing (import the feeders "
    "file from GIS with both columns)."
)
RESERVE_STAGE = gettext_lazy("Only an approved project that is still on its way can hold supply capacity.")


def _user_label(user: User) -> str:
    profile = getattr(user, "staff", None)
    return f"{profile.name} ({user.get_username()})" if profile is not None else user.get_username()


def fmt_number(value: Decimal | float | int | None) -> str:
    """1234.5 → "1,234.5"; 3786.00 → "3,786"; two decimals at most."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _require_editor(by: User) -> None:
    if permissions.role_of(by) is None:
        raise NotAllowed(str(NOT_STAFF) % {"user": by.get_username()})
    permissions.require(by, "prospects.change_projects", message=str(READ_ONLY))


def _is_manager_candidate(user: User) -> bool:
    return permissions.is_editor(user) and getattr(user, "staff", None) is not None


def _today() -> dt.date:
    return timezone.localdate()


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage else "—"


def _save(obj: Any, by: User | None, reason: str = "") -> None:
    obj._history_user = by
    if reason:
        obj._change_reason = reason[:100]
    obj.full_clean()
    obj.save()


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
    _require_editor(by)
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
    on = on or _today()
    if on > _today():
        raise ApplicationError(str(FUTURE_DATE) % {"date": on.isoformat()})
    project = Project(project_id=project_id, name=name, stage=stage, stage_since=on, **fields)
    _save(project, by, "created")
    StageChange.objects.create(project=project, from_stage="", to_stage=stage, on=on, by=by)
    return project


@transaction.atomic
def project_update(*, project: Project, by: User, version: int | None = None, **fields: Any) -> Project:
    """Change the demand classification, contacts, green-channel flag, expected feeder or notes.

    ``version`` is the one the person edited: if someone changed the project since, the change is
    refused (:class:`~powerkam.core.errors.ConflictError`) and theirs is kept.
    """
    _require_editor(by)
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
    _save(current, by)
    refresh(project, current)
    return current


@transaction.atomic
def project_managers_set(
    *, project: Project, by: User, primary: User | None, secondary: User | None, version: int | None = None
) -> Project:
    """Name the "1+1" managers: a primary (business) and a secondary (technical) manager."""
    _require_editor(by)
    for person in (primary, secondary):
        if person is not None and not _is_manager_candidate(person):
            raise ApplicationError(str(NOT_STAFF) % {"user": person.get_username()})
    if primary is not None and secondary is not None and primary.pk == secondary.pk:
        raise ApplicationError(str(SAME_MANAGER))
    current = lock(project, version)
    current.primary_manager = primary
    current.secondary_manager = secondary
    _save(current, by)
    if current.account_id is not None:
        _account_assignments(current)
    project.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


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
        raise ApplicationError(str(FINAL_STAGE) % {"project": project.project_id, "stage": _stage_label(project.stage)})
    allowed = NEXT[project.stage]
    if to_stage not in allowed:
        raise ApplicationError(
            str(BAD_MOVE)
            % {
                "stage": _stage_label(project.stage),
                "to": _stage_label(to_stage) if to_stage in Stage.values else to_stage,
                "allowed": ", ".join(_stage_label(s) for s in allowed),
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
    _require_editor(by)
    stage_log_sync(projects=[project])
    current = lock(project, version)
    if current.archived:
        raise ApplicationError(_("%(project)s is archived.") % {"project": current.project_id})
    stage_check(current, to_stage)
    on = on or _today()
    if on > _today():
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
    _save(current, by, reason)
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
        _save(account, by, f"opened from prospect {project.project_id}")
    elif account.archived:
        raise ApplicationError(_("%(account)s is archived.") % {"account": account})
    project.account = account
    _account_assignments(project)
    project.case = case_create(
        account=account,
        title=_("%(project)s · new connection") % {"project": project.name},
        by=by,
        accepted_on=on,
        dual_supply=project.dual_supply,
        green_channel=project.green_channel,
        owner=project.primary_manager,
    )


def _account_assignments(project: Project) -> None:
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
    _save(account, by, f"energised: prospect {project.project_id}")
    project.account = account
    _account_assignments(project)
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
                    project=project, from_stage=previous, to_stage=project.stage, on=_today(), source=StageSource.IMPORT
                )
            )
        created = StageChange.objects.bulk_create(rows, ignore_conflicts=True)
        recorded += len(created)
        if rows:
            Project.objects.filter(pk=project.pk).update(stage_since=rows[-1].on)
    return recorded


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
    _require_editor(by)
    if not title.strip():
        raise ApplicationError(_("Say what has to be done."))
    if project.is_final:
        raise ApplicationError(str(FINAL_STAGE) % {"project": project.project_id, "stage": _stage_label(project.stage)})
    if assignee is not None and not _is_manager_candidate(assignee):
        raise ApplicationError(str(NOT_STAFF) % {"user": assignee.get_username()})
    task = FollowUp(
        project=project,
        title=title.strip(),
        due_on=due_on,
        assignee=assignee or project.primary_manager or by,
        blocker=blocker,
        created_by=by,
        created_on=_today(),
    )
    _save(task, by)
    return task


@transaction.atomic
def follow_up_done(
    *, follow_up: FollowUp, by: User, on: dt.date | None = None, outcome: str = "", version: int | None = None
) -> FollowUp:
    """Mark a task done; ``version`` (the one the person saw) refuses it if someone changed the task since."""
    _require_editor(by)
    task = lock(follow_up, version)
    if task.status != FollowUpStatus.OPEN:
        raise ApplicationError(_("This task is already %(status)s.") % {"status": task.get_status_display()})
    on = on or _today()
    if on > _today():
        raise ApplicationError(str(FUTURE_DATE) % {"date": on.isoformat()})
    task.status = FollowUpStatus.DONE
    task.done_on = on
    task.done_by = by
    task.outcome = outcome.strip()
    _save(task, by)
    follow_up.__dict__.update({k: v for k, v in task.__dict__.items() if not k.startswith("_")})
    return task


@transaction.atomic
def follow_up_cancel(*, follow_up: FollowUp, by: User, reason: str = "", version: int | None = None) -> FollowUp:
    _require_editor(by)
    task = lock(follow_up, version)
    if task.status != FollowUpStatus.OPEN:
        raise ApplicationError(_("This task is already %(status)s.") % {"status": task.get_status_display()})
    task.status = FollowUpStatus.CANCELLED
    task.done_on = _today()
    task.done_by = by
    task.outcome = reason.strip()
    _save(task, by)
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
    _require_editor(by)
    if party not in Party.values:
        raise ApplicationError(_("Say who the conversation was with."))
    if channel not in Channel.values:
        raise ApplicationError(_("Unknown channel: %(channel)s.") % {"channel": channel})
    if not summary.strip():
        raise ApplicationError(_("Write down what was said or agreed."))
    if on > _today():
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
    _save(entry, by)
    return entry


# -- supply channel reservation ------------------------------------------------------------------------


def _refusal(place: str, headroom: Headroom, kva: Decimal) -> ApplicationError:
    if not headroom.known:
        return ApplicationError(str(UNKNOWN_CAPACITY) % {"place": place})
    numbers = {
        "place": place,
        "pf": fmt_number(headroom.power_factor),
        "rated_kva": fmt_number(headroom.rated_kva),
        "rated_kw": fmt_number(headroom.rated_kw),
        "peak_kw": fmt_number(headroom.peak_kw),
        "reserved_kva": fmt_number(headroom.reserved_kva),
        "reserved_kw": fmt_number(headroom.reserved_kw),
        "available_kw": fmt_number(headroom.available_kw),
        "available_kva": fmt_number(headroom.available_kva),
        "kva": fmt_number(kva),
        "kw": fmt_number(kva * headroom.power_factor),
    }
    extra = {
        "place": place,
        "rated_kva": headroom.rated_kva,
        "rated_kw": headroom.rated_kw,
        "peak_kw": headroom.peak_kw,
        "reserved_kva": headroom.reserved_kva,
        "available_kw": headroom.available_kw,
        "available_kva": headroom.available_kva,
        "requested_kva": kva,
    }
    return ApplicationError(
        str(NO_HEADROOM) % numbers,
        {k: str(v.quantize(Decimal("0.01"))) if isinstance(v, Decimal) else v for k, v in extra.items()},
    )


@transaction.atomic
def reservation_create(
    *,
    project: Project,
    by: User,
    kva: Decimal,
    valid_until: dt.date,
    feeder: Feeder | None = None,
    substation: Substation | None = None,
    on: dt.date | None = None,
) -> Reservation:
    """Hold ``kva`` on a feeder (or a whole substation) for the project until ``valid_until``.

    Refused, with the numbers, when the headroom left is smaller. A feeder reservation must also
    fit its substation's headroom (other reservations may hold the substation as a whole)."""
    _require_editor(by)
    if (feeder is None) == (substation is None):
        raise ApplicationError(_("Reserve on one feeder or on one substation."))
    if project.archived or project.stage not in IN_PROGRESS:
        raise ApplicationError(str(RESERVE_STAGE))
    kva = Decimal(kva)
    if kva <= 0:
        raise ApplicationError(_("The capacity to reserve must be more than 0 kVA."))
    on = on or _today()
    if valid_until < on:
        raise ApplicationError(
            _("A reservation valid until %(until)s would already have expired (%(on)s).")
            % {"until": valid_until.isoformat(), "on": on.isoformat()}
        )
    # Lock the place so two reservations cannot both take the last of the headroom.
    if feeder is not None:
        feeder = Feeder.objects.select_for_update().select_related("substation").get(pk=feeder.pk)
        substation_row = Substation.objects.select_for_update().get(pk=feeder.substation_id)
        if feeder.archived:
            raise ApplicationError(_("%(place)s is archived.") % {"place": feeder})
        checks = [(str(feeder), selectors.feeder_headroom(feeder, as_of=on))]
        checks.append((str(substation_row), selectors.substation_headroom(substation_row, as_of=on)))
    else:
        assert substation is not None
        substation_row = Substation.objects.select_for_update().get(pk=substation.pk)
        if substation_row.archived:
            raise ApplicationError(_("%(place)s is archived.") % {"place": substation_row})
        checks = [(str(substation_row), selectors.substation_headroom(substation_row, as_of=on))]
    for place, headroom in checks:
        if not headroom.fits(kva):
            raise _refusal(place, headroom, kva)
    reservation = Reservation(
        project=project,
        feeder=feeder,
        substation=None if feeder is not None else substation_row,
        kva=kva,
        reserved_on=on,
        valid_until=valid_until,
        created_by=by,
    )
    _save(reservation, by)
    if feeder is not None and project.feeder_id is None:
        project.feeder = feeder
        _save(project, by)
    return reservation


@transaction.atomic
def reservation_release(
    *, reservation: Reservation, by: User, reason: str = "", on: dt.date | None = None
) -> Reservation:
    """Give held capacity back before it expires."""
    _require_editor(by)
    current = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if current.status != ReservationStatus.ACTIVE:
        raise ApplicationError(_("This reservation is already %(status)s.") % {"status": current.get_status_display()})
    current.status = ReservationStatus.RELEASED
    current.released_on = on or _today()
    current.release_reason = reason.strip()[:300]
    _save(current, by)
    reservation.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


@transaction.atomic
def reservation_extend(*, reservation: Reservation, by: User, valid_until: dt.date) -> Reservation:
    """Keep held capacity longer (no new headroom is taken: the same kVA stays reserved)."""
    _require_editor(by)
    current = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if current.status != ReservationStatus.ACTIVE or current.valid_until < _today():
        raise ApplicationError(_("Only a reservation that is still active can be extended."))
    if valid_until <= current.valid_until:
        raise ApplicationError(_("The new date must be later than %(until)s.") % {"until": current.valid_until})
    current.valid_until = valid_until
    _save(current, by)
    return current


@dataclass
class ReleaseReport:
    released: int = 0
    notified: int = 0
    emails: int = 0
    reservations: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "released": self.released,
            "notified": self.notified,
            "emails": self.emails,
            "reservations": self.reservations,
        }


def _reservation_expired_text(reservation: Reservation, today: dt.date) -> tuple[str, str]:
    """The subject and body telling a manager their project's reservation expired (active language)."""
    project = reservation.project
    subject = _("Reservation expired: %(kva)s kVA on %(place)s for %(project)s") % {
        "kva": fmt_number(reservation.kva),
        "place": reservation.place,
        "project": project.name,
    }
    body = _(
        "The capacity reservation of %(kva)s kVA on %(place)s for project %(project)s (%(id)s) was valid "
        "until %(until)s and has been released on %(today)s. Reserve again if the project still needs it."
    ) % {
        "kva": fmt_number(reservation.kva),
        "place": reservation.place,
        "project": project.name,
        "id": project.project_id,
        "until": reservation.valid_until.isoformat(),
        "today": today.isoformat(),
    }
    return subject, body


def reservations_release_expired(*, today: dt.date | None = None) -> ReleaseReport:
    """Release every active reservation whose last valid day has passed, and tell the project's
    managers in the app and by email (each person once per reservation)."""
    from django.conf import settings

    today = today or _today()
    report = ReleaseReport()
    outbox: list[tuple[ProspectNote, EmailMessage]] = []
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        expired = (
            Reservation.objects.select_for_update(of=("self",))
            .filter(status=ReservationStatus.ACTIVE, valid_until__lt=today)
            .select_related("project", "feeder", "substation", "project__primary_manager", "project__secondary_manager")
        )
        for reservation in expired:
            reservation.status = ReservationStatus.EXPIRED
            reservation.released_on = today
            reservation.release_reason = _("Expired after %(until)s.") % {"until": reservation.valid_until.isoformat()}
            reservation.save()
            report.released += 1
            report.reservations.append(reservation.pk)
            project = reservation.project
            people = {p.pk: p for p in (project.primary_manager, project.secondary_manager) if p is not None}
            for person in people.values():
                with translation.override(language_of(person)):  # their mail: in their language
                    person_subject, person_body = _reservation_expired_text(reservation, today)
                try:
                    with transaction.atomic():
                        note = ProspectNote.objects.create(
                            user=person,
                            project=project,
                            reservation=reservation,
                            kind=NoteKind.RESERVATION_EXPIRED,
                            message=person_subject[:500],
                        )
                except IntegrityError:  # pragma: no cover - told already
                    continue
                report.notified += 1
                if person.email:
                    outbox.append((note, EmailMessage(person_subject, person_body, to=[person.email])))
    if outbox:
        # Sent after the release is committed; a mail failure leaves the notes with emailed=False.
        with get_connection() as connection:
            report.emails = connection.send_messages([message for _note, message in outbox]) or 0
        ProspectNote.objects.filter(pk__in=[note.pk for note, _message in outbox]).update(emailed=True)
    return report


def notes_mark_read(*, user: User) -> int:
    return ProspectNote.objects.filter(user=user, read_at=None).update(read_at=timezone.now())


__all__ = [
    "PIPELINE",
    "POWER_FACTOR",
    "Connection",
    "fmt_number",
    "project_advance",
    "project_create",
    "project_managers_set",
    "project_update",
    "reservation_create",
    "reservations_release_expired",
    "stage_log_sync",
]
