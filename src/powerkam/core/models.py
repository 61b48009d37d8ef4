from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """When each periodic job was last queued: one row per job, so several workers queue it once."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    last_run_on = models.DateField(_("last queued for"), null=True, blank=True)
    last_queued_at = models.DateTimeField(_("last queued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return f"{self.name} ({self.last_run_on})"


class RulesVersion(models.Model):
    """A version of a rules document (TOML) an administrator saved; the newest applies, none is edited."""

    rules_toml = models.TextField(_("rules (TOML)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class MailedReport(models.Model):
    """A report as it was produced on ``as_of`` and to whom it was mailed (a record, never edited)."""

    as_of = models.DateField(_("as of"))
    recipients = models.JSONField(_("mailed to"), default=list, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.as_of} → {len(self.recipients)}"
