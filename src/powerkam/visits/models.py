"""Visits to key accounts (paper §3(一)①): every completed visit counts for the cadence.

- :class:`Visit` — a visit record: when, who went, who attended, topics, the customer's needs,
  satisfaction and attachments. Imported visits (data contract ``visits``) count like recorded ones.
- :class:`VisitPlan` / :class:`PlannedVisit` — a saved plan for a horizon: one row per visit due,
  on a working day of a manager, with its due date and, when late, why. A manager may move a
  planned visit by hand; recording the visit completes it.
- :class:`FollowUp` — a need raised on a visit that someone owns until it is done.
- :class:`CalendarFeed` — the secret link of a manager's iCalendar feed.

Nothing is hard-deleted: plans are superseded, follow-ups cancelled, visits archived.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from powerkam.core.locking import Versioned


class VisitSource(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    RECORDED = "recorded", _("Recorded in PowerKAM")


class VisitStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    PLANNED = "planned", pgettext_lazy("visit status", "Planned")


class VisitQuerySet(models.QuerySet["Visit"]):
    def completed(self) -> VisitQuerySet:
        """The visits that count for the cadence (imported ones included)."""
        return self.filter(status=VisitStatus.COMPLETED, archived=False)


class Visit(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="visits", verbose_name=_("account")
    )
    visited_on = models.DateField(_("visited on"), db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("visited by"),
    )
    summary = models.TextField(_("summary"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=VisitSource.choices, default=VisitSource.RECORDED)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=VisitStatus.choices,
        default=VisitStatus.COMPLETED,
        help_text=_("Only completed visits count for the visit cadence."),
    )
    attendees = models.ManyToManyField(
        "accounts.Contact", blank=True, related_name="visits", verbose_name=_("attended by")
    )
    topics = models.TextField(_("topics"), blank=True, help_text=_("What was discussed."))
    needs = models.TextField(_("customer's needs"), blank=True, help_text=_("One need per line."))
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (very unsatisfied) to 5 (very satisfied)."),
    )
    archived = models.BooleanField(_("archived"), default=False)
    client_key = models.UUIDField(
        _("client key"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Made by the phone form, so a visit sent twice is recorded once."),
    )
    history = HistoricalRecords(m2m_fields=[attendees])

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on"]
        indexes = [models.Index(fields=["account", "status", "visited_on"], name="visit_account_day_idx")]

    def __str__(self) -> str:
        return f"{self.account.customer_id} {self.visited_on}"

    @property
    def need_list(self) -> list[str]:
        return [line.strip() for line in self.needs.splitlines() if line.strip()]


def attachment_path(instance: VisitAttachment, filename: str) -> str:
    return f"visits/{instance.visit.account.customer_id}/{instance.visit_id}/{filename}"


class VisitAttachment(models.Model):
    """A photo or document taken on a visit (stored under MEDIA_ROOT)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("visit"))
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["visit", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded")


class VisitPlan(models.Model):
    """The visits planned for one horizon [first_day, last_day]; a newer plan for an overlapping
    horizon supersedes it (kept, never deleted)."""

    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    as_of = models.DateField(_("due dates as of"))
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.ACTIVE, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_plans",
        verbose_name=_("made by"),
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.first_day} – {self.last_day}"


class LateReason(models.TextChoices):
    NONE = "", _("On time")
    OVERDUE = "overdue", _("Already overdue when the plan starts")
    NO_CAPACITY = "no_capacity", _("No room in the manager's days on or before the due date")
    NO_WORKDAY = "no_workday", _("No working day between the start of the plan and the due date")
    UNASSIGNED = "unassigned", _("The account has no manager")
    MOVED = "moved", _("Moved by hand past the due date")


class PlannedStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("visit status", "Planned")
    COMPLETED = "completed", _("Completed")


class PlannedVisit(Versioned):
    plan = models.ForeignKey(VisitPlan, on_delete=models.PROTECT, related_name="visits", verbose_name=_("plan"))
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="planned_visits", verbose_name=_("account")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_visits",
        verbose_name=_("manager"),
    )
    planned_on = models.DateField(_("planned on"), null=True, blank=True, db_index=True)
    due_on = models.DateField(_("due on"))
    grade = models.CharField(_("grade"), max_length=1)
    district = models.CharField(_("district"), max_length=100, blank=True)
    occurrence = models.PositiveSmallIntegerField(_("occurrence"), default=1)
    late = models.BooleanField(_("late"), default=False)
    reason = models.CharField(_("reason"), max_length=20, choices=LateReason.choices, blank=True)
    provisional = models.BooleanField(
        _("provisional"), default=False, help_text=_("The day's holiday notice is not known yet.")
    )
    moved_by_hand = models.BooleanField(_("moved by hand"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=PlannedStatus.choices, default=PlannedStatus.PLANNED, db_index=True
    )
    visit = models.OneToOneField(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned",
        verbose_name=_("visit record"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["planned_on", "manager", "district", "due_on", "account__customer_id"]
        indexes = [models.Index(fields=["manager", "planned_on"], name="planned_manager_day_idx")]

    def __str__(self) -> str:
        return f"{self.account.customer_id} {self.planned_on or '—'}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("follow-up status", "Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(Versioned):
    """A customer's need turned into a task with an owner and a due date."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="followups", verbose_name=_("account")
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="followups", verbose_name=_("raised on")
    )
    need = models.TextField(_("need"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="followups", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN, db_index=True
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.need[:60]

    @property
    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret of a manager's iCalendar feed; rotating it invalidates links given out before."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_feed", verbose_name=_("user")
    )
    token = models.CharField(_("secret"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("renewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
