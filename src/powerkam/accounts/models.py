"""Accounts in the CRM: every customer at 10 kV and above (the key-account candidates),
their contacts and their managers.

The whole customer base stays in the analytics store; the CRM holds the accounts people work.
Nothing here is hard-deleted: accounts and contacts are archived, assignments ended, and
every change is kept by django-simple-history.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from powerkam.core.locking import Versioned

#: Customers at or above this supply voltage are kept in the CRM as key-account candidates.
CRM_MIN_VOLTAGE_KV = Decimal("10")


class Tariff(models.TextChoices):
    LARGE_INDUSTRIAL = "large_industrial", _("Large industrial")
    GENERAL_COMMERCIAL = "general_commercial", _("General commercial and industrial")
    RESIDENTIAL = "residential", _("Residential")
    AGRICULTURAL = "agricultural", _("Agricultural")


class BasicChargeMode(models.TextChoices):
    CAPACITY = "capacity", _("By capacity")
    DEMAND = "demand", _("By maximum demand")


class ImportantGrade(models.TextChoices):
    SPECIAL = "special", _("Special-grade important user")
    FIRST = "first", _("First-grade important user")
    SECOND = "second", _("Second-grade important user")
    TEMPORARY = "temporary", _("Temporary important user")


class KeyStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    KEY = "key", _("Key account")
    FORMER = "former", _("Former key account")


class Grade(models.TextChoices):
    A = "A", _("A · premium")
    B = "B", _("B · medium")
    C = "C", _("C · low credit")


#: The accounts the list shows (archived ones are kept but not listed).
LISTED = models.Q(archived=False)


class AccountQuerySet(models.QuerySet["Account"]):
    def active(self) -> AccountQuerySet:
        return self.filter(archived=False)

    def key_accounts(self) -> AccountQuerySet:
        return self.filter(key_status=KeyStatus.KEY)

    def managed_by(self, user: User) -> AccountQuerySet:
        return self.filter(assignments__staff=user, assignments__active=True).distinct()


class AreaClass(models.TextChoices):
    """Where the account takes supply, for the round-the-clock repair limits (供电服务"十项承诺")."""

    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")
    REMOTE = "remote", _("Remote area")


class HistoricalValueRank(models.Model):
    """The value rank an account's history rows carried while the account held it (until issue 21):
    kept, never dropped; rows written since leave it empty."""

    value_rank = models.FloatField(_("value rank"), null=True, blank=True)

    class Meta:
        abstract = True


class Account(models.Model):
    customer_id = models.CharField(_("customer id"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name=_("group company"),
    )
    industry = models.CharField(
        _("industry"), max_length=1, blank=True, help_text=_("GB/T 4754-2017 section letter A–T")
    )
    voltage_kv = models.DecimalField(_("voltage (kV)"), max_digits=8, decimal_places=2)
    contract_capacity_kva = models.DecimalField(_("contract capacity (kVA)"), max_digits=12, decimal_places=2)
    tariff = models.CharField(_("tariff"), max_length=30, choices=Tariff.choices)
    basic_charge_mode = models.CharField(
        _("basic charge mode"), max_length=20, choices=BasicChargeMode.choices, blank=True
    )
    feeders = models.CharField(
        _("supply feeders"),
        max_length=200,
        blank=True,
        help_text=_("Feeder ids separated by ';' — two or more means multiple supply"),
    )
    important_grade = models.CharField(
        _("important-user grade"), max_length=20, choices=ImportantGrade.choices, blank=True
    )
    district = models.CharField(_("district"), max_length=100, blank=True, db_index=True)
    area_class = models.CharField(
        _("area class"),
        max_length=10,
        choices=AreaClass.choices,
        default=AreaClass.URBAN,
        help_text=_("Urban, rural or remote: sets the fault-repair arrival and restoration limits."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    connected_on = models.DateField(_("connected on"), null=True, blank=True)

    key_status = models.CharField(
        _("key-account status"), max_length=20, choices=KeyStatus.choices, default=KeyStatus.CANDIDATE, db_index=True
    )
    key_since = models.DateField(_("key account since"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True, db_index=True)
    credit_score = models.PositiveSmallIntegerField(_("credit score"), null=True, blank=True)
    # The value rank is not kept here: it is a percentile of the key accounts of one grading run,
    # moving for every one of them every month, so each run's grade row holds it (the grading panel
    # and GET /accounts give it from there). History rows written before kept it (HistoricalValueRank).

    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(bases=[HistoricalValueRank])

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["customer_id"]
        # The account list sorts by each of these with customer_id as the tie-breaker (stable pages).
        # Over the listed (not archived) accounts and ending with the id, they give a page's ids from
        # the index alone, even 50,000 rows deep. On PostgreSQL, migration 0004 adds credit_score
        # descending (NULLS LAST: not graded yet comes last either way) and trigram indexes for search.
        indexes = [
            models.Index(fields=["customer_id", "id"], name="account_sort_customer_idx", condition=LISTED),
            models.Index(fields=["name", "customer_id", "id"], name="account_sort_name_idx", condition=LISTED),
            models.Index(fields=["grade", "customer_id", "id"], name="account_sort_grade_idx", condition=LISTED),
            models.Index(
                fields=["credit_score", "customer_id", "id"], name="account_sort_credit_idx", condition=LISTED
            ),
            models.Index(fields=["voltage_kv", "customer_id", "id"], name="account_sort_voltage_idx", condition=LISTED),
            models.Index(
                fields=["contract_capacity_kva", "customer_id", "id"],
                name="account_sort_capacity_idx",
                condition=LISTED,
            ),
            models.Index(fields=["district", "customer_id", "id"], name="account_sort_district_idx", condition=LISTED),
            models.Index(fields=["industry", "customer_id", "id"], name="account_sort_industry_idx", condition=LISTED),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_id})"

    @property
    def feeder_list(self) -> list[str]:
        return [f for f in self.feeders.split(";") if f]

    @property
    def multiple_supply(self) -> bool:
        return len(self.feeder_list) >= 2


class InfluenceLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ENERGY_MANAGER = "energy_manager", _("Energy / electrical manager")
    FINANCE = "finance", _("Finance")
    ELECTRICIAN = "electrician", _("Electrician on duty")
    OTHER = "other", _("Other")


class Contact(Versioned):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("account"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)
    influence = models.CharField(
        _("influence"), max_length=10, choices=InfluenceLevel.choices, default=InfluenceLevel.MEDIUM
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["account", "name"]

    def __str__(self) -> str:
        return self.name


class AssignmentRole(models.TextChoices):
    PRIMARY = "primary", _("Primary manager")
    SECONDARY = "secondary", _("Secondary manager")


class Assignment(Versioned):
    """Who manages an account: at most one active primary and one active secondary ("1+1")."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("account")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("manager")
    )
    role = models.CharField(_("role"), max_length=20, choices=AssignmentRole.choices)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["staff", "active", "account"], name="assignment_staff_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "role"],
                condition=models.Q(active=True),
                name="one_active_manager_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account.customer_id} · {self.role} · {self.staff}"
