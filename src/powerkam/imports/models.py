"""A log of every import: what was loaded, by whom, and what it changed or why it was refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    REFUSED = "refused", _("Refused")


class ImportRun(models.Model):
    kind = models.CharField(_("kind"), max_length=20)
    file_name = models.CharField(_("file"), max_length=500)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices)
    rows = models.PositiveBigIntegerField(_("rows"), default=0)
    inserted = models.PositiveBigIntegerField(_("inserted"), default=0)
    updated = models.PositiveBigIntegerField(_("updated"), default=0)
    unchanged = models.PositiveBigIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.status}"
