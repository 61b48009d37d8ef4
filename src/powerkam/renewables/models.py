"""Renewable-energy key accounts (docs/renewables.md): the consumption-responsibility weights, the
party type an account is obliged as, and the rules (TOML versions; the newest applies).

Generation and green power are whole-base data in the analytics store (kinds ``generation`` and
``green``); only what people edit lives here.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from powerkam.core.models import RulesVersion


class PartyType(models.TextChoices):
    """Who a weight is set for (docs/rules.md §7)."""

    MARKET_USER = "market_user", _("Market user (buys directly)")
    RETAIL_SUPPLIED = "retail_supplied", _("Supplied by a retail company")
    CAPTIVE_PLANT = "captive_plant", _("Captive plant owner")


_SHARE = [MinValueValidator(0), MaxValueValidator(1)]


class QuotaWeight(models.Model):
    """A province's consumption-responsibility weight for a year and a party type (NDRC/NEA yearly
    notice and the province's implementing rules). Edited, never deleted: the history keeps each version."""

    province = models.CharField(_("province"), max_length=50)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    party_type = models.CharField(_("party type"), max_length=20, choices=PartyType.choices)
    total_weight = models.DecimalField(
        _("total weight"), max_digits=6, decimal_places=4, validators=_SHARE, help_text=_("A share: 0.158 is 15.8 %.")
    )
    non_hydro_weight = models.DecimalField(
        _("non-hydro weight"), max_digits=6, decimal_places=4, null=True, blank=True, validators=_SHARE
    )
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("The notice the weight comes from."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consumption-responsibility weight")
        verbose_name_plural = _("consumption-responsibility weights")
        ordering = ["province", "-year", "party_type"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year", "party_type"], name="renewables_weight_unique"),
            models.CheckConstraint(
                condition=models.Q(total_weight__gte=0, total_weight__lte=1), name="renewables_weight_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year} {self.party_type}: {self.total_weight}"


class QuotaParty(models.Model):
    """The party type an account is obliged as, where it is not the rules' default."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.PROTECT, related_name="quota_party", verbose_name=_("account")
    )
    party_type = models.CharField(_("party type"), max_length=20, choices=PartyType.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quota party type")
        verbose_name_plural = _("quota party types")

    def __str__(self) -> str:
        return f"{self.account_id}: {self.party_type}"


class RenewableRulesVersion(RulesVersion):
    """Province, self-consumption minimum, spot market, certificate price, price-difference bands."""

    class Meta(RulesVersion.Meta):
        verbose_name = _("renewables rules")
        verbose_name_plural = _("renewables rules")
