"""Prospects: government key construction projects, tomorrow's key accounts (paper §3(三))."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Stage(models.TextChoices):
    PLANNED = "planned", _("Planned")
    APPROVED = "approved", _("Approved")
    APPLIED = "applied", _("Applied for connection")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    ENERGISED = "energised", _("Energised")
    LOST = "lost", _("Lost")


class Project(models.Model):
    project_id = models.CharField(_("project id"), max_length=40, unique=True)
    name = models.CharField(_("project name"), max_length=300)
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, default=Stage.PLANNED)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    expected_capacity_kva = models.DecimalField(
        _("expected capacity (kVA)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    expected_annual_kwh = models.DecimalField(
        _("expected annual consumption (kWh)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    expected_energize_on = models.DateField(_("expected energise date"), null=True, blank=True)
    government_contact = models.CharField(_("government contact"), max_length=200, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("prospect project")
        verbose_name_plural = _("prospect projects")
        ordering = ["project_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.project_id})"
