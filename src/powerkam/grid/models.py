"""Supply topology from GIS: substations and their feeders."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Substation(models.Model):
    substation_id = models.CharField(_("substation id"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    district = models.CharField(_("district"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    commissioned_on = models.DateField(
        _("commissioned on"),
        null=True,
        blank=True,
        help_text=_("When the substation went (or goes) into service; a new one gets a connection priority list."),
    )
    archived = models.BooleanField(_("archived"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("substation")
        verbose_name_plural = _("substations")
        ordering = ["substation_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.substation_id})"


class Feeder(models.Model):
    feeder_id = models.CharField(_("feeder id"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    substation = models.ForeignKey(
        Substation, on_delete=models.PROTECT, related_name="feeders", verbose_name=_("substation")
    )
    voltage_kv = models.DecimalField(_("voltage (kV)"), max_digits=8, decimal_places=2)
    rated_capacity_kva = models.DecimalField(
        _("rated capacity (kVA)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    peak_load_kw = models.DecimalField(_("peak load (kW)"), max_digits=12, decimal_places=2, null=True, blank=True)
    commissioned_on = models.DateField(_("commissioned on"), null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("feeder")
        verbose_name_plural = _("feeders")
        ordering = ["feeder_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.feeder_id})"
