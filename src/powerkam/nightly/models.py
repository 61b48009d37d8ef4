"""The record of each nightly run (``powerkam nightly`` or the worker's job): its steps' reports."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    PROBLEMS = "problems", _("Finished with problems")
    FAILED = "failed", _("Failed")


class NightlyRun(models.Model):
    """One nightly run: when, how it was started, how it ended and each step's report (a record:
    written while it runs, never edited afterwards, never deleted)."""

    day = models.DateField(_("day"), help_text=_("The day the run worked for (grading, health, backups)."))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    trigger = models.CharField(_("started from"), max_length=20, help_text=_("command or schedule"))
    seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    peak_mib = models.FloatField(_("peak memory (MiB)"), null=True, blank=True)
    steps = models.JSONField(
        _("step reports"), default=list, help_text=_("Each step's status, duration, counts and problems.")
    )
    host = models.CharField(_("host"), max_length=200, blank=True)
    pid = models.PositiveIntegerField(_("process"), null=True, blank=True)

    class Meta:
        verbose_name = _("nightly run")
        verbose_name_plural = _("nightly runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.day} {self.status}"
