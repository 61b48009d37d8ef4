"""Staff: the people who use PowerKAM, their role and their supervisor.

A staff member is a Django user with a :class:`StaffProfile`. The role is also mirrored as a
Django group of the same name so that permissions can be granted per role.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    MANAGER = "manager", _("Account manager")
    SUPERVISOR = "supervisor", _("Supervisor")
    PLANNER = "planner", _("Outage planner")
    VIEWER = "viewer", _("Viewer")
    ADMIN = "admin", _("Administrator")


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff", verbose_name=_("user")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MANAGER)
    supervisor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team",
        verbose_name=_("supervisor"),
    )
    daily_visit_capacity = models.PositiveSmallIntegerField(
        _("daily visit capacity"), default=3, help_text=_("How many visits this manager can make in one day.")
    )
    archived = models.BooleanField(_("archived"), default=False)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        help_text=_("The language of their mail and messages; empty: the installation's. Set by the language switch."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user.get_username()})"

    @property
    def username(self) -> str:
        return self.user.get_username()
