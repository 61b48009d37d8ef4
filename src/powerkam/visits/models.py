"""Visits to key accounts (paper §3(一)①): every completed visit counts for the cadence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class VisitSource(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    RECORDED = "recorded", _("Recorded in PowerKAM")


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
    archived = models.BooleanField(_("archived"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on"]

    def __str__(self) -> str:
        return f"{self.account.customer_id} {self.visited_on}"
