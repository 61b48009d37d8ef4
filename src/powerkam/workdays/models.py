"""The administrator's part of the working-day calendar.

The official PRC calendar comes from the ``chinese_calendar`` library (see
:mod:`powerkam.analytics.workcal`). What the library does not know yet — next year's State
Council notice, published each November — an administrator enters here: one
:class:`CalendarOverride` per holiday or adjusted working day, and a :class:`CalendarYear`
declaring that a year's notice is complete, which makes the year *known*.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from powerkam.core.locking import Versioned


class CalendarYear(models.Model):
    """A year whose holiday notice an administrator has entered completely."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("complete"),
        default=True,
        help_text=_("The year's holidays and adjusted working days are all entered; the year counts as known."),
    )
    source_note = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Which notice the dates come from, e.g. 国办发明电〔2026〕号"),
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declared by"),
    )
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarOverride(Versioned):
    """One date the administrator states: a holiday (not worked) or an adjusted working day (worked)."""

    date = models.DateField(_("date"), unique=True)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True, editable=False)
    is_workday = models.BooleanField(
        _("working day"), help_text=_("Ticked: an adjusted working day. Not ticked: a day off (holiday).")
    )
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("The holiday, e.g. Spring Festival"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    archived = models.BooleanField(
        _("archived"), default=False, help_text=_("Archived overrides no longer count (kept for the history).")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_workday else '-'} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.year = self.date.year
        super().save(*args, **kwargs)
