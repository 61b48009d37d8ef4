"""Reads of prospects for the pages, the API, the CLI and the weekly report.

Visibility: the prospect pipeline is the whole team's work — every staff member (and a
superuser) sees every project; viewers only read. "Mine" filters to the projects a person
co-manages ("1+1").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from powerkam.analytics.headroom import Headroom
from powerkam.analytics.headroom import feeder_headroom as _feeder_headroom

# the headroom is the grid's (reservations count in it through reservations_held); kept under these names
from powerkam.grid.capacity import feeder_headroom as feeder_headroom
from powerkam.grid.capacity import substation_headroom as substation_headroom
from powerkam.grid.models import Feeder, Substation
from powerkam.prospects import funnel as funnel_math
from powerkam.prospects.models import (
    FINAL,
    IN_PROGRESS,
    ContactEntry,
    FollowUp,
    FollowUpStatus,
    Project,
    ProjectQuerySet,
    ProspectNote,
    Reservation,
    ReservationStatus,
    Stage,
    StageChange,
)
from powerkam.staff import permissions

AnyUser = User | AbstractBaseUser | AnonymousUser


def user_sees_prospects(user: AnyUser) -> bool:
    """``prospects.view_projects`` (docs/permissions.md)."""
    return permissions.can(user, "prospects.view_projects")


def user_can_edit_prospects(user: AnyUser) -> bool:
    """``prospects.change_projects`` (docs/permissions.md)."""
    return permissions.can(user, "prospects.change_projects")


# -- lists -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilters:
    q: str = ""
    stage: str = ""  # a stage, "open" (not energised/lost) or "" (all)
    district: str = ""
    industry: str = ""
    mine: bool = False
    green: bool = False

    @property
    def active(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


SORTS: dict[str, tuple[str, ...]] = {
    "project_id": ("project_id",),
    "name": ("name", "project_id"),
    "stage": ("stage", "project_id"),
    "district": ("district", "project_id"),
    "industry": ("industry", "project_id"),
    "expected_capacity_kva": ("expected_capacity_kva", "project_id"),
    "expected_energize_on": ("expected_energize_on", "project_id"),
    "stage_since": ("stage_since", "project_id"),
}


def project_list(*, user: AnyUser, filters: ProjectFilters, sort: str = "project_id") -> ProjectQuerySet:
    if not user_sees_prospects(user):
        return Project.objects.none()
    query = Project.objects.active().select_related("primary_manager__staff", "secondary_manager__staff", "feeder")
    if filters.q:
        query = query.filter(
            Q(project_id__icontains=filters.q)
            | Q(name__icontains=filters.q)
            | Q(owner_name__icontains=filters.q)
            | Q(government_contact__icontains=filters.q)
        )
    if filters.stage == "open":
        query = query.exclude(stage__in=FINAL)
    elif filters.stage in Stage.values:
        query = query.filter(stage=filters.stage)
    if filters.district:
        query = query.filter(district=filters.district)
    if filters.industry:
        query = query.filter(industry=filters.industry)
    if filters.mine:
        query = query.managed_by(user)  # type: ignore[arg-type]
    if filters.green:
        query = query.filter(green_channel=True)
    descending = sort.startswith("-")
    columns = SORTS.get(sort.lstrip("-"), SORTS["project_id"])
    return query.order_by(*(f"-{c}" if descending else c for c in columns))


def project_get(*, user: AnyUser, project_id: str) -> Project:
    """The project (raising :class:`Project.DoesNotExist` when unknown or not visible)."""
    if not user_sees_prospects(user):
        raise Project.DoesNotExist
    return Project.objects.select_related(
        "primary_manager__staff", "secondary_manager__staff", "feeder__substation", "account", "case"
    ).get(project_id=project_id)


def filter_choices() -> dict[str, list[str]]:
    active = Project.objects.active()
    return {
        "districts": sorted(d for d in active.values_list("district", flat=True).distinct() if d),
        "industries": sorted(i for i in active.values_list("industry", flat=True).distinct() if i),
    }


def manager_choices() -> QuerySet[User]:
    """Staff who may co-manage a project (active, not read-only)."""
    return (
        User.objects.filter(is_active=True, staff__archived=False)
        .exclude(staff__role="viewer")
        .select_related("staff")
        .order_by("staff__name", "username")
    )


def days_in_stage(project: Project, as_of: dt.date | None = None) -> int | None:
    if project.stage_since is None:
        return None
    return ((as_of or timezone.localdate()) - project.stage_since).days


def stage_changes(project: Project) -> list[StageChange]:
    return list(project.stage_changes.select_related("by__staff").order_by("on", "id"))


def follow_ups(project: Project, *, open_only: bool = False) -> list[FollowUp]:
    query = project.follow_ups.select_related("assignee__staff", "done_by")
    if open_only:
        query = query.filter(status=FollowUpStatus.OPEN)
    return list(query.order_by("status", "due_on", "id"))


def contact_log(project: Project) -> list[ContactEntry]:
    return list(project.contacts.select_related("by__staff").order_by("-on", "-id"))


def notes_for(*, user: AnyUser, unread_only: bool = True) -> QuerySet[ProspectNote]:
    if not user.is_authenticated:
        return ProspectNote.objects.none()
    query = ProspectNote.objects.filter(user_id=user.pk).select_related("project")
    return query.filter(read_at=None) if unread_only else query


def case_steps(project: Project, *, today: dt.date | None = None) -> list[Any]:
    """The new-connection case's steps with their SLA clocks (service app), oldest first."""
    if project.case_id is None:
        return []
    from powerkam.service import selectors as service_selectors

    today = today or timezone.localdate()
    steps = project.case.steps.select_related("owner__staff").prefetch_related("pauses").order_by("accepted_on", "id")  # type: ignore[union-attr]
    return [service_selectors.TicketRow(t, service_selectors.ticket_sla(t, today=today), None) for t in steps]


# -- headroom ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnergisedAccount:
    """An account energised from a prospect: the project's name and the day it reached "energised"."""

    account_id: int
    project: str
    energised_on: dt.date


def energised_accounts(*, after: dt.date, until: dt.date) -> list[EnergisedAccount]:
    """The accounts whose project reached "energised" in ``(after, until]`` — the grading keeps them key
    accounts for a grace period whatever the rules say (docs/grading.md)."""
    projects = Project.objects.filter(
        stage=Stage.ENERGISED, account__isnull=False, stage_since__gt=after, stage_since__lte=until
    )
    return [
        EnergisedAccount(p.account_id, p.name, p.stage_since)
        for p in projects
        if p.account_id is not None and p.stage_since is not None
    ]


def active_reservations(*, as_of: dt.date | None = None) -> QuerySet[Reservation]:
    """Reservations that hold capacity on ``as_of``: active and not past their last valid day."""
    as_of = as_of or timezone.localdate()
    return Reservation.objects.filter(status=ReservationStatus.ACTIVE, valid_until__gte=as_of)


def reservations_held(
    *, feeder: Feeder | None = None, substation: Substation | None = None, as_of: dt.date | None = None
) -> list[Decimal]:
    """The kVA active reservations hold on ``feeder``, or on ``substation`` and any of its feeders:
    the capacity holder the grid counts in its headroom (``grid.capacity``, registered in apps.py)."""
    reservations = active_reservations(as_of=as_of)
    if feeder is not None:
        reservations = reservations.filter(feeder=feeder)
    elif substation is not None:
        reservations = reservations.filter(Q(substation=substation) | Q(feeder__substation=substation))
    else:
        return []
    return list(reservations.values_list("kva", flat=True))


@dataclass
class FeederRow:
    feeder: Feeder
    headroom: Headroom
    projects: list[Project] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)

    @property
    def expected_unreserved_kva(self) -> Decimal:
        """Expected capacity of the projects on this feeder that hold no reservation on it yet."""
        holding = {r.project_id for r in self.reservations}
        return sum(
            (p.expected_capacity_kva or Decimal(0) for p in self.projects if p.pk not in holding and not p.is_final),
            Decimal(0),
        )

    @property
    def fits_expected(self) -> bool | None:
        if not self.headroom.known:
            return None
        return self.headroom.fits(self.expected_unreserved_kva) if self.expected_unreserved_kva else True


def prospects_by_feeder(*, as_of: dt.date | None = None, all_feeders: bool = False) -> list[FeederRow]:
    """Feeders where new load is expected (a project's expected feeder or an active reservation),
    with their headroom — where the planners see the new load landing. ``all_feeders`` lists every feeder."""
    as_of = as_of or timezone.localdate()
    reservations = list(
        active_reservations(as_of=as_of).filter(feeder__isnull=False).select_related("project", "feeder")
    )
    projects = list(Project.objects.active().exclude(stage__in=FINAL).filter(feeder__isnull=False))
    feeder_ids = {r.feeder_id for r in reservations} | {p.feeder_id for p in projects}
    query = Feeder.objects.filter(archived=False).select_related("substation")
    if not all_feeders:
        query = query.filter(pk__in=feeder_ids)
    reserved: dict[int, list[Reservation]] = defaultdict(list)
    for r in reservations:
        reserved[r.feeder_id].append(r)  # type: ignore[index]
    by_feeder: dict[int, list[Project]] = defaultdict(list)
    for p in projects:
        by_feeder[p.feeder_id].append(p)  # type: ignore[index]
    rows = []
    for feeder in query.order_by("substation__substation_id", "feeder_id"):
        headroom = _feeder_headroom(
            rated_kva=feeder.rated_capacity_kva,
            peak_kw=feeder.peak_load_kw,
            reservations_kva=[r.kva for r in reserved[feeder.pk]],
        )
        holders = {r.project_id: r.project for r in reserved[feeder.pk]}
        listed = {p.pk: p for p in by_feeder[feeder.pk]} | holders
        rows.append(
            FeederRow(feeder, headroom, sorted(listed.values(), key=lambda p: p.project_id), reserved[feeder.pk])
        )
    return rows


def reservations_for(project: Project) -> list[Reservation]:
    return list(project.reservations.select_related("feeder", "substation").order_by("-reserved_on", "-id"))


def reservation_list(*, status: str = "active", as_of: dt.date | None = None) -> QuerySet[Reservation]:
    query = Reservation.objects.select_related("project", "feeder__substation", "substation")
    if status == "active":
        query = query.filter(pk__in=active_reservations(as_of=as_of).values("pk"))
    elif status in ReservationStatus.values:
        query = query.filter(status=status)
    return query.order_by("valid_until", "id")


# -- demand ("抓包跟进") -------------------------------------------------------------------------------


@dataclass
class DemandGroup:
    district: str
    industry: str
    projects: list[Project] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.projects)

    @property
    def capacity_kva(self) -> Decimal:
        return sum((p.expected_capacity_kva or Decimal(0) for p in self.projects), Decimal(0))

    @property
    def annual_kwh(self) -> Decimal:
        return sum((p.expected_annual_kwh or Decimal(0) for p in self.projects), Decimal(0))


def demand_groups(*, stages: Iterable[str] = (Stage.PLANNED,)) -> list[DemandGroup]:
    """Projects grouped by district and industry, largest expected capacity first, so the team sees
    which demand is coming and follows it up as a package."""
    groups: dict[tuple[str, str], DemandGroup] = {}
    query = Project.objects.active().filter(stage__in=list(stages)).order_by("-expected_capacity_kva", "project_id")
    for project in query:
        key = (project.district, project.industry)
        groups.setdefault(key, DemandGroup(*key)).projects.append(project)
    return sorted(groups.values(), key=lambda g: (-g.capacity_kva, g.district, g.industry))


def pipeline_kpis() -> dict[str, Any]:
    active = Project.objects.active()
    by_stage = dict(active.values("stage").annotate(n=Count("id")).values_list("stage", "n"))
    in_progress = active.filter(stage__in=IN_PROGRESS)
    return {
        "by_stage": {stage: by_stage.get(stage, 0) for stage in Stage.values},
        "in_progress": in_progress.count(),
        "pipeline_kva": active.exclude(stage__in=FINAL).aggregate(s=Sum("expected_capacity_kva"))["s"] or Decimal(0),
        "missing_managers": in_progress.filter(Q(primary_manager=None) | Q(secondary_manager=None)).count(),
        "green_channel": in_progress.filter(green_channel=True).count(),
        "reserved_kva": active_reservations().aggregate(s=Sum("kva"))["s"] or Decimal(0),
    }


# -- funnel ------------------------------------------------------------------------------------------


def funnel_paths() -> list[funnel_math.ProjectPath]:
    """Every active project with its dated stage changes, for :mod:`powerkam.prospects.funnel`."""
    changes: dict[int, list[funnel_math.Change]] = defaultdict(list)
    for project_id, from_stage, to_stage, on in (
        StageChange.objects.filter(project__archived=False)
        .order_by("on", "id")
        .values_list("project_id", "from_stage", "to_stage", "on")
    ):
        changes[project_id].append(funnel_math.Change(from_stage, to_stage, on))
    return [
        funnel_math.ProjectPath(key, stage, district, industry, tuple(changes[pk]))
        for pk, key, stage, district, industry in Project.objects.active().values_list(
            "pk", "project_id", "stage", "district", "industry"
        )
    ]


def expected_loads() -> list[funnel_math.ExpectedLoad]:
    return [
        funnel_math.ExpectedLoad(*row)
        for row in Project.objects.active().values_list(
            "project_id", "stage", "expected_energize_on", "expected_capacity_kva", "expected_annual_kwh"
        )
    ]
