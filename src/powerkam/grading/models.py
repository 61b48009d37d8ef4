"""Grading runs and the grade history of every account (docs/rules.md §1).

A :class:`GradingRun` keeps what was graded and how (period, as_of, the complete rules as TOML
with their hash, the backend), who started it and when, and how far it got. Each run records one
:class:`AccountGrade` per CRM account it evaluated, with the figures and the reasons, and how the
account changed since the previous run (joined, left, up, down). Runs and grades are history:
they are never edited after the run finished, and never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Grade


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class Backend(models.TextChoices):
    DUCKDB = "duckdb", _("DuckDB (embedded)")
    PYSPARK = "pyspark", _("PySpark")


class Change(models.TextChoices):
    JOINED = "joined", _("Joined")
    LEFT = "left", _("Left")
    UP = "up", _("Up a grade")
    DOWN = "down", _("Down a grade")
    SAME = "same", _("Unchanged")
    NONE = "none", _("Not a key account")


class Baseline(models.TextChoices):
    """What a run's changes (joined, left, up, down) compare with — docs/grading.md."""

    PREVIOUS_PERIOD = "previous_period", _("the run of the previous period")
    ACCOUNTS = "accounts", _("the accounts as they stood before the run")
    NOTHING = "nothing", _("nothing: no earlier period was graded")


class GradingRunQuerySet(models.QuerySet["GradingRun"]):
    def succeeded(self) -> GradingRunQuerySet:
        return self.filter(status=RunStatus.SUCCEEDED)

    def published(self) -> GradingRunQuerySet:
        """Succeeded runs whose result became the accounts' grades (not what-ifs)."""
        return self.filter(status=RunStatus.SUCCEEDED, what_if=False)


class GradingRun(models.Model):
    period = models.CharField(_("period"), max_length=7, help_text=_("Billing period graded, YYYY-MM."))
    as_of = models.DateField(_("as of"), help_text=_("Last day of the period: payments after it are not known."))
    rules_toml = models.TextField(_("rules used"), help_text=_("The complete effective rules, as TOML."))
    rules_sha256 = models.CharField(_("rules hash"), max_length=64)
    rules_source = models.CharField(
        _("rules source"), max_length=300, blank=True, help_text=_("The rules file given, or empty for the defaults.")
    )
    backend = models.CharField(_("engine"), max_length=20, choices=Backend.choices, default=Backend.DUCKDB)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_note = models.CharField(_("step"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("background task"), max_length=64, blank=True)
    publish = models.BooleanField(
        _("publish even if older"),
        default=False,
        help_text=_(
            "The supervisor asked for this run to replace the current grades even though its period is older "
            "than the roster's."
        ),
    )
    what_if = models.BooleanField(
        _("what-if"),
        default=False,
        db_index=True,
        help_text=_(
            "Its period was older than the roster's and it was not published: the result is kept and compared, "
            "the accounts' grades did not change."
        ),
    )
    compared_with = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compared with"),
        help_text=_("The run of the previous period its changes compare with."),
    )
    baseline = models.CharField(
        _("changes compare with"), max_length=20, choices=Baseline.choices, default=Baseline.ACCOUNTS
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grading_runs",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    # Counts, filled when the run finishes.
    customers_evaluated = models.PositiveIntegerField(_("customers evaluated"), default=0)
    key_accounts = models.PositiveIntegerField(_("key accounts"), default=0)
    grade_a = models.PositiveIntegerField(_("grade A"), default=0)
    grade_b = models.PositiveIntegerField(_("grade B"), default=0)
    grade_c = models.PositiveIntegerField(_("grade C"), default=0)
    joined = models.PositiveIntegerField(_("joined"), default=0)
    left = models.PositiveIntegerField(_("left"), default=0)
    went_up = models.PositiveIntegerField(_("went up"), default=0)
    went_down = models.PositiveIntegerField(_("went down"), default=0)
    accounts_created = models.PositiveIntegerField(_("accounts created"), default=0)
    # The whole customer base and its key accounts, for the shares on the roster.
    base_kwh = models.FloatField(_("consumption of the whole base (kWh)"), default=0)
    base_revenue_yuan = models.DecimalField(
        _("revenue of the whole base (yuan)"), max_digits=20, decimal_places=2, default=0
    )
    key_kwh = models.FloatField(_("consumption of the key accounts (kWh)"), default=0)
    key_revenue_yuan = models.DecimalField(
        _("revenue of the key accounts (yuan)"), max_digits=20, decimal_places=2, default=0
    )

    objects = GradingRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("grading run")
        verbose_name_plural = _("grading runs")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.period} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    @property
    def key_kwh_share(self) -> float | None:
        return self.key_kwh / self.base_kwh if self.base_kwh else None

    @property
    def key_revenue_share(self) -> float | None:
        return float(self.key_revenue_yuan / self.base_revenue_yuan) if self.base_revenue_yuan else None


class AccountGrade(models.Model):
    """One account's result in one run."""

    run = models.ForeignKey(GradingRun, on_delete=models.PROTECT, related_name="grades", verbose_name=_("run"))
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="grades", verbose_name=_("account")
    )
    key_account = models.BooleanField(_("key account"), default=False, db_index=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True, db_index=True)
    credit_score = models.PositiveSmallIntegerField(_("credit score"))
    value_rank = models.FloatField(_("value rank"), null=True, blank=True)
    annual_kwh = models.FloatField(_("consumption in the window (kWh)"))
    annual_revenue_yuan = models.DecimalField(_("revenue in the window (yuan)"), max_digits=18, decimal_places=2)
    active_months = models.PositiveSmallIntegerField(_("active months"))
    late_payments = models.PositiveSmallIntegerField(_("late payments"))
    max_days_late = models.PositiveIntegerField(_("most days late"))
    overdue_yuan = models.DecimalField(_("arrears (yuan)"), max_digits=18, decimal_places=2)
    reasons = models.JSONField(_("reasons"), default=list, help_text=_("Reason codes with their figures."))
    change = models.CharField(_("change since the previous run"), max_length=10, choices=Change.choices, db_index=True)
    previous_grade = models.CharField(_("previous grade"), max_length=1, blank=True)

    class Meta:
        verbose_name = _("account grade")
        verbose_name_plural = _("account grades")
        ordering = ["run", "account__customer_id"]
        constraints = [models.UniqueConstraint(fields=["run", "account"], name="one_grade_per_account_and_run")]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.account_id} · {self.grade or '—'}"
