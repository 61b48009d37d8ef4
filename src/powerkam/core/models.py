from __future__ import annotations

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
