"""A log of every import: what was loaded, by whom, and what it changed or why it was refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    #: Recorded before anything lands; a run still "running" whose process is gone was interrupted.
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Landed")
    REFUSED = "refused", _("Refused")
    INTERRUPTED = "interrupted", _("Interrupted")
    #: A rollback: the dataset of ``restored_from`` put back in place.
    ROLLED_BACK = "rolled_back", _("Rolled back")


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
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    #: The process that ran it, to tell a run still going from one killed half-way.
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    host = models.CharField(_("host"), max_length=255, blank=True)
    #: Absent columns cleared (the administrator's explicit choice) instead of kept.
    replace_missing = models.BooleanField(_("replace missing columns"), default=False)
    #: The store dataset this run produced, relative to the store ("versions/billing/42.parquet");
    #: empty for CRM kinds and runs that landed nothing. The file may have been pruned since.
    version = models.CharField(_("store version"), max_length=300, blank=True)
    #: The dataset rows in that version.
    dataset_rows = models.PositiveBigIntegerField(_("dataset rows"), null=True, blank=True)
    restored_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restorations",
        verbose_name=_("restored version of"),
    )

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.status}"
