"""Prospects: government key construction projects, tomorrow's key accounts (paper §3(三)).

- :class:`Project` — one government project on its way to becoming a key account: planned →
  approved (立项) → applied (a new-connection case is open) → under construction → energised
  (a key account in :class:`~powerkam.accounts.models.Account`), or lost with a reason. It
  carries the demand classification (industry, capacity, annual kWh, energise date, supply
  voltage), the "1+1" managers (primary = business, secondary = technical) and the green-channel flag.
- :class:`StageChange` — every stage change with its business date; the funnel reads these.
- :class:`FollowUp` — follow-up tasks (next steps; a blocker is a task the project waits on).
- :class:`ContactEntry` — the contact log with the government department and the project owner.
- :class:`Reservation` — supply capacity held early on a feeder or a substation (用电通道提前占据).
- :class:`ProspectNote` — in-app notes (an expired reservation, …).
- :class:`WeeklyReportRun` — each weekly progress report that was produced and mailed.

Nothing is hard-deleted; every model keeps its change history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from powerkam.core.locking import Versioned
from powerkam.core.models import MailedReport


class Stage(models.TextChoices):
    # A context keeps these apart from the same English words elsewhere ("Planned" outage).
    PLANNED = "planned", pgettext_lazy("prospect stage", "Planned")
    APPROVED = "approved", pgettext_lazy("prospect stage", "Approved")
    APPLIED = "applied", pgettext_lazy("prospect stage", "Applied for connection")
    UNDER_CONSTRUCTION = "under_construction", pgettext_lazy("prospect stage", "Under construction")
    ENERGISED = "energised", pgettext_lazy("prospect stage", "Energised")
    LOST = "lost", pgettext_lazy("prospect stage", "Lost")


#: The pipeline in order (lost can happen at any stage before energised).
PIPELINE: tuple[str, ...] = (
    Stage.PLANNED,
    Stage.APPROVED,
    Stage.APPLIED,
    Stage.UNDER_CONSTRUCTION,
    Stage.ENERGISED,
)
#: Stages of an approved project still on its way (the weekly report's subject).
IN_PROGRESS: tuple[str, ...] = (Stage.APPROVED, Stage.APPLIED, Stage.UNDER_CONSTRUCTION)
#: Stages from which a project can no longer move.
FINAL: tuple[str, ...] = (Stage.ENERGISED, Stage.LOST)


class ProjectQuerySet(models.QuerySet["Project"]):
    def active(self) -> ProjectQuerySet:
        return self.filter(archived=False)

    def in_progress(self) -> ProjectQuerySet:
        """Approved and still on its way to energisation (the weekly report's projects)."""
        return self.active().filter(stage__in=IN_PROGRESS)

    def managed_by(self, user: models.Model) -> ProjectQuerySet:
        return self.filter(models.Q(primary_manager=user) | models.Q(secondary_manager=user))


class Project(Versioned):
    project_id = models.CharField(_("project id"), max_length=40, unique=True)
    name = models.CharField(_("project name"), max_length=300)
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, default=Stage.PLANNED)
    stage_since = models.DateField(
        _("in this stage since"), null=True, blank=True, help_text=_("The business date of the last stage change.")
    )
    # Demand classification (用电分类梳理)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    expected_capacity_kva = models.DecimalField(
        _("expected capacity (kVA)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    expected_annual_kwh = models.DecimalField(
        _("expected annual consumption (kWh)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    expected_energize_on = models.DateField(_("expected energise date"), null=True, blank=True)
    supply_voltage_kv = models.DecimalField(
        _("likely supply voltage (kV)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    dual_supply = models.BooleanField(
        _("needs dual supply"), default=False, help_text=_("An important user (hospital, data centre …).")
    )
    # Who is behind it
    government_contact = models.CharField(_("government contact"), max_length=200, blank=True)
    owner_name = models.CharField(
        _("project owner"), max_length=200, blank=True, help_text=_("The company building it.")
    )
    owner_contact = models.CharField(_("owner contact"), max_length=200, blank=True)
    # "1+1": a business and a technical manager
    primary_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospects_primary",
        verbose_name=_("primary manager (business)"),
    )
    secondary_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospects_secondary",
        verbose_name=_("secondary manager (technical)"),
    )
    green_channel = models.BooleanField(
        _("green channel"), default=False, help_text=_("Its new-connection case runs on the green-channel time limits.")
    )
    feeder = models.ForeignKey(
        "grid.Feeder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospects",
        verbose_name=_("expected supply feeder"),
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospect_projects",
        verbose_name=_("account"),
        help_text=_("The customer account opened when the project applied for connection."),
    )
    case = models.ForeignKey(
        "service.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospect_projects",
        verbose_name=_("new-connection case"),
    )
    lost_reason = models.TextField(_("reason lost"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, null=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, null=True)
    history = HistoricalRecords()

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("prospect project")
        verbose_name_plural = _("prospect projects")
        ordering = ["project_id"]
        indexes = [models.Index(fields=["stage", "district"], name="project_stage_district_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.project_id})"

    @property
    def is_final(self) -> bool:
        return self.stage in FINAL

    @property
    def in_progress(self) -> bool:
        """Approved and still on its way to energisation."""
        return self.stage in IN_PROGRESS and not self.archived

    @property
    def needs_managers(self) -> bool:
        """An approved project on its way without both "1+1" managers."""
        return self.stage in IN_PROGRESS and bool(self.missing_managers)

    @property
    def missing_managers(self) -> list[str]:
        """The "1+1" roles not filled yet ("primary", "secondary")."""
        missing = []
        if self.primary_manager_id is None:
            missing.append("primary")
        if self.secondary_manager_id is None:
            missing.append("secondary")
        return missing


class StageSource(models.TextChoices):
    APP = "app", _("Recorded in PowerKAM")
    IMPORT = "import", _("From an imported list")


class StageChange(models.Model):
    """A project moved to ``to_stage`` on the business date ``on``. Never edited, never deleted."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="stage_changes", verbose_name=_("project")
    )
    from_stage = models.CharField(pgettext_lazy("stage", "from"), max_length=30, choices=Stage.choices, blank=True)
    to_stage = models.CharField(pgettext_lazy("stage", "to"), max_length=30, choices=Stage.choices)
    on = models.DateField(_("on"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=StageSource.choices, default=StageSource.APP)
    history_id = models.IntegerField(
        _("history record"), null=True, blank=True, help_text=_("The change-history record this was read from.")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["project", "on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["history_id"], condition=models.Q(history_id__isnull=False), name="one_stage_change_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_stage or '∅'} → {self.to_stage} {self.on}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("follow-up status", "Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(Versioned):
    """A next step for a project; a *blocker* is something the project waits on."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("project"))
    title = models.CharField(_("task"), max_length=300)
    due_on = models.DateField(pgettext_lazy("deadline", "due on"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospect_follow_ups",
        verbose_name=_("assignee"),
    )
    blocker = models.BooleanField(
        _("blocker"), default=False, help_text=_("The project cannot move on until this is solved.")
    )
    status = models.CharField(_("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_on = models.DateField(_("created on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["status", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Party(models.TextChoices):
    GOVERNMENT = "government", _("Government department")
    OWNER = "owner", _("Project owner")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Site visit")
    PHONE = "phone", _("Phone")
    DOCUMENT = "document", _("Letter / document")
    MESSAGE = "message", _("Message / email")


class ContactEntry(models.Model):
    """One conversation with the government or the project owner."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("project"))
    on = models.DateField(_("on"))
    party = models.CharField(_("with"), max_length=20, choices=Party.choices)
    organisation = models.CharField(_("department / company"), max_length=200, blank=True)
    person = models.CharField(_("person"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.MEETING)
    summary = models.TextField(_("summary"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact log entry")
        verbose_name_plural = _("contact log")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.on} {self.get_party_display()} {self.organisation}"


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    RELEASED = "released", _("Released")
    USED = "used", _("Used (energised)")


class Reservation(models.Model):
    """Capacity held on a feeder or a substation for a project until ``valid_until`` (inclusive)."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("project")
    )
    feeder = models.ForeignKey(
        "grid.Feeder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("feeder"),
    )
    substation = models.ForeignKey(
        "grid.Substation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("substation"),
    )
    kva = models.DecimalField(_("capacity (kVA)"), max_digits=12, decimal_places=2)
    reserved_on = models.DateField(_("reserved on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE, db_index=True
    )
    released_on = models.DateField(_("released on"), null=True, blank=True)
    release_reason = models.CharField(_("release reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("capacity reservation")
        verbose_name_plural = _("capacity reservations")
        ordering = ["valid_until", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(feeder__isnull=False, substation__isnull=True))
                | (models.Q(feeder__isnull=True, substation__isnull=False)),
                name="reservation_on_feeder_or_substation",
            ),
            models.CheckConstraint(condition=models.Q(kva__gt=0), name="reservation_kva_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kva} kVA → {self.valid_until}"

    @property
    def place(self) -> str:
        return str(self.feeder if self.feeder_id else self.substation)


class NoteKind(models.TextChoices):
    RESERVATION_EXPIRED = "reservation_expired", _("Reservation expired")


class ProspectNote(models.Model):
    """An in-app note for one person about a project."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prospect_notes", verbose_name=_("user")
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="notes_sent", verbose_name=_("project"))
    reservation = models.ForeignKey(
        Reservation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reservation")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NoteKind.choices)
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed = models.BooleanField(_("emailed"), default=False)

    class Meta:
        verbose_name = _("prospect note")
        verbose_name_plural = _("prospect notes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reservation", "kind"],
                condition=models.Q(reservation__isnull=False),
                name="one_note_per_reservation_event",
            )
        ]

    def __str__(self) -> str:
        return self.message


class WeeklyReportRun(MailedReport):
    """A weekly progress report as it was produced (and to whom it was mailed)."""

    week_start = models.DateField(_("week from"))
    projects = models.PositiveIntegerField(_("projects"), default=0)

    class Meta(MailedReport.Meta):
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")

    def __str__(self) -> str:
        return f"{self.week_start} – {self.as_of}"
