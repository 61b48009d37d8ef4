"""Planned outages in the CRM (docs/rules.md §4; paper §3(一)③): a record per outage that moves
draft → scheduled → notified → done (or is cancelled), the accounts it interrupts with their
energy not supplied, the notices to key accounts' contacts and their acknowledgements, and a
follow-up task per affected key account once the work is done.

Nothing is hard-deleted: a cancelled outage keeps its record; every change is kept by
django-simple-history.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from powerkam.core.locking import Versioned
from powerkam.core.models import RulesVersion


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("Planned (7 days' notice)")
    TEMPORARY = "temporary", _("Temporary (24 hours' notice)")


class OutageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    NOTIFIED = "notified", _("Notified")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PlannedOutage(Versioned):
    title = models.CharField(pgettext_lazy("heading", "title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OutageKind.choices, default=OutageKind.PLANNED)
    status = models.CharField(
        _("status"), max_length=20, choices=OutageStatus.choices, default=OutageStatus.DRAFT, db_index=True
    )
    feeders = models.CharField(
        _("feeders out"), max_length=400, help_text=_("Feeder ids separated by ';' — all of them are out together.")
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    crew = models.CharField(_("crew"), max_length=100, blank=True)
    reason = models.TextField(_("work to be done"), blank=True)

    #: The impact as scheduled (recomputed on every scheduling).
    ens_kwh = models.FloatField(_("energy not supplied (kWh)"), null=True, blank=True)
    weighted_ens_kwh = models.FloatField(_("weighted energy not supplied (kWh)"), null=True, blank=True)
    unknown_ens = models.TextField(
        _("accounts with unknown ENS"), blank=True, help_text=_("Interrupted accounts without interval data.")
    )

    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notice_late = models.BooleanField(
        _("notice late"),
        default=False,
        help_text=_("Notified after the deadline (7 days / 24 hours before the start)."),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("planned outage")
        verbose_name_plural = _("planned outages")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="outage_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start:%Y-%m-%d %H:%M})"

    @property
    def feeder_list(self) -> list[str]:
        return [f for f in self.feeders.split(";") if f]

    @property
    def temporary(self) -> bool:
        return self.kind == OutageKind.TEMPORARY

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @property
    def unknown_list(self) -> list[str]:
        return [c for c in self.unknown_ens.split(";") if c]

    @property
    def editable(self) -> bool:
        return self.status in (OutageStatus.DRAFT, OutageStatus.SCHEDULED)


class AffectedAccount(models.Model):
    """An account the outage interrupts (every feeder supplying it is out), as scheduled."""

    outage = models.ForeignKey(
        PlannedOutage, on_delete=models.PROTECT, related_name="affected", verbose_name=_("outage")
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="outages_affecting", verbose_name=_("account")
    )
    key_account = models.BooleanField(_("key account"), default=False)
    ens_kwh = models.FloatField(_("energy not supplied (kWh)"), null=True, blank=True, help_text=_("Empty: unknown."))
    weight = models.FloatField(_("weight"), default=1.0)

    class Meta:
        verbose_name = _("affected account")
        verbose_name_plural = _("affected accounts")
        ordering = ["outage", "-ens_kwh", "account__customer_id"]
        constraints = [models.UniqueConstraint(fields=["outage", "account"], name="affected_once_per_outage")]

    def __str__(self) -> str:
        return f"{self.outage_id} · {self.account_id}"


class NoticeChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Printed letter")


def _token() -> str:
    return secrets.token_urlsafe(24)


class OutageNotice(Versioned):
    """A notice of the outage to one affected key account: an email to a contact, or the printed letter."""

    outage = models.ForeignKey(
        PlannedOutage, on_delete=models.PROTECT, related_name="notices", verbose_name=_("outage")
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="outage_notices", verbose_name=_("account")
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outage_notices",
        verbose_name=_("contact"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=NoticeChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    late = models.BooleanField(_("late"), default=False)
    token = models.CharField(_("acknowledgement code"), max_length=64, unique=True, default=_token, editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outage notice")
        verbose_name_plural = _("outage notices")
        ordering = ["outage", "account__customer_id", "channel", "id"]

    def __str__(self) -> str:
        return f"{self.outage_id} → {self.account_id} ({self.channel})"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("follow-up status", "Open")
    DONE = "done", _("Done")


class OutageFollowUp(Versioned):
    """After the outage: call on the key account (supply back as expected? any damage or complaint?)."""

    outage = models.ForeignKey(
        PlannedOutage, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("outage")
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="outage_follow_ups", verbose_name=_("account")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outage_follow_ups",
        verbose_name=_("assignee"),
    )
    due_on = models.DateField(pgettext_lazy("deadline", "due on"))
    status = models.CharField(_("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    note = models.TextField(_("note"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outage follow-up")
        verbose_name_plural = _("outage follow-ups")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["outage", "account"], name="one_follow_up_per_account")]

    def __str__(self) -> str:
        return f"{self.outage_id} · {self.account_id} · {self.due_on}"


class OutageRulesVersion(RulesVersion):
    """The outage rules an administrator set (TOML, see docs/outages.md); the newest one applies."""

    class Meta(RulesVersion.Meta):
        verbose_name = _("outage rules")
        verbose_name_plural = _("outage rules")
