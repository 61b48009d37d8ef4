"""The insights area's own records: tariff and health rules (TOML versions; the newest applies)
and satisfaction surveys of key accounts (a part of their health, docs/health.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from powerkam.core.locking import Versioned
from powerkam.core.models import MailedReport, RulesVersion


class TariffRulesVersion(RulesVersion):
    """Provincial prices and limits of the tariff advice (docs/tariff.md)."""

    class Meta(RulesVersion.Meta):
        verbose_name = _("tariff rules")
        verbose_name_plural = _("tariff rules")


class HealthRulesVersion(RulesVersion):
    """Weights and thresholds of the health score and churn risk (docs/health.md)."""

    class Meta(RulesVersion.Meta):
        verbose_name = _("health rules")
        verbose_name_plural = _("health rules")


class SurveyChannel(models.TextChoices):
    VISIT = "visit", _("On a visit")
    PHONE = "phone", _("By phone")
    ONLINE = "online", _("Online")
    LETTER = "letter", _("By letter")


class SatisfactionSurvey(models.Model):
    """A key account's answer to "how satisfied are you with our service?" (1 very dissatisfied … 5 very satisfied)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("account")
    )
    surveyed_on = models.DateField(_("surveyed on"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=SurveyChannel.choices, default=SurveyChannel.VISIT)
    score = models.PositiveSmallIntegerField(_("satisfaction"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    respondent = models.CharField(_("respondent"), max_length=100, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-surveyed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.surveyed_on} {self.score}"


class HealthSnapshot(models.Model):
    """An account's health score as it was on a day (taken every morning for every key account): the
    trend on the 360 page and the accounts whose risk is rising. Derived data: taking the day again
    replaces that day's row."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    taken_on = models.DateField(_("day"), db_index=True)
    score = models.FloatField(_("health score"))
    risk = models.CharField(_("churn risk"), max_length=10)
    #: the code of the reason that cost the most points ("" when none), its figures and its action
    reason = models.CharField(_("main reason"), max_length=40, blank=True)
    reason_figures = models.JSONField(_("figures of the reason"), default=dict, blank=True)
    reason_action = models.CharField(_("what to do"), max_length=40, blank=True)
    #: the churn model's probability of loss within its horizon that morning (None: no model trained)
    probability = models.FloatField(_("probability of loss"), null=True, blank=True)
    #: the version of the model that gave it (docs/health.md, "Versions"), so a score can be traced
    model_version = models.CharField(_("model version"), max_length=60, blank=True)
    #: every reason of the day, most points first: ``[{"code", "points", "figures", "action"}, …]``
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    #: the reason codes as " code code " (the health page's reason filter: a substring on every database)
    reason_codes = models.CharField(_("reason codes"), max_length=600, blank=True)
    #: the best-ranked service strategy that morning ("" none), the yuan a year it is expected to keep
    strategy = models.CharField(_("recommended strategy"), max_length=40, blank=True)
    strategy_yuan = models.FloatField(_("revenue kept a year (expected)"), null=True, blank=True)
    #: the day that strategy was first recommended without a break (its retention task is due
    #: RETENTION_TASK_DAYS later; an offer of it on or after this day closes the task)
    strategy_since = models.DateField(_("recommended since"), null=True, blank=True)

    class Meta:
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")
        constraints = [models.UniqueConstraint(fields=["account", "taken_on"], name="health_snapshot_once_a_day")]
        # the health list: a day's snapshots, lowest score first
        indexes = [models.Index(fields=["taken_on", "score"], name="health_snapshot_day_score")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.taken_on} {self.score:.0f}"


class RiskAlert(models.Model):
    """A manager told that one of their key accounts moved to a higher churn risk since the day before
    (raised when the morning's health snapshot is taken; shown in the inbox)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("manager")
    )
    raised_on = models.DateField(_("day"))
    risk_before = models.CharField(_("risk before"), max_length=10)
    risk_now = models.CharField(_("risk now"), max_length=10)
    score_before = models.FloatField(_("score before"))
    score_now = models.FloatField(_("score now"))
    reason = models.CharField(_("main reason"), max_length=40, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        constraints = [models.UniqueConstraint(fields=["account", "user", "raised_on"], name="risk_alert_once_a_day")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.risk_before}→{self.risk_now} {self.raised_on}"


class SurveyCampaign(Versioned):
    """A satisfaction survey of a set of key accounts in a window (e.g. every grade-A account this
    quarter). The accounts are fixed when it is launched, each with the manager who asks it; an account
    is surveyed when a survey of it is dated within the window, however it was recorded."""

    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("from"))
    due_on = models.DateField(pgettext_lazy("deadline", "due"))
    #: grades surveyed ("A", "B", "C"); empty: every key account
    grades = models.JSONField(_("grades"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("launched by")
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


class CampaignAccount(models.Model):
    """An account of a campaign and the manager who asks it (the primary manager at launch)."""

    campaign = models.ForeignKey(
        SurveyCampaign, on_delete=models.PROTECT, related_name="targets", verbose_name=_("campaign")
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account of a campaign")
        verbose_name_plural = _("accounts of a campaign")
        constraints = [models.UniqueConstraint(fields=["campaign", "account"], name="campaign_account_once")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.account_id}"


class OverviewReportRun(MailedReport):
    """A monthly overview report as it was produced (and to whom it was mailed)."""

    class Meta(MailedReport.Meta):
        verbose_name = _("monthly report sent")
        verbose_name_plural = _("monthly reports sent")


class OfferOutcome(models.TextChoices):
    # A context of their own: "Accepted" is also a ticket's state (受理) in another app's catalog.
    PENDING = "pending", pgettext_lazy("retention offer answer", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("retention offer answer", "Accepted")
    DECLINED = "declined", pgettext_lazy("retention offer answer", "Declined")


class RetentionOffer(Versioned):
    """A service strategy offered to a key account at risk (docs/health.md, "Service strategies"):
    who offered what when and the yuan expected to be kept; the customer's answer, due by the
    follow-up day. Whether the account was then kept follows from the data (its loss month in the
    store's history)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="retention_offers", verbose_name=_("account")
    )
    strategy = models.CharField(_("strategy"), max_length=40)
    offered_on = models.DateField(_("offered on"), db_index=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("offered by")
    )
    #: what exactly was offered (e.g. "three instalments of the overdue bills, first on 12-20")
    offered_what = models.CharField(_("what was offered"), max_length=300, blank=True)
    expected_yuan = models.DecimalField(_("revenue expected to be kept (yuan a year)"), max_digits=16, decimal_places=2)
    #: the day the customer's answer is due: after it, an offer still pending is a task on "My work"
    follow_up_on = models.DateField(_("answer due"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=OfferOutcome.choices, default=OfferOutcome.PENDING)
    outcome_on = models.DateField(_("answered on"), null=True, blank=True)
    saved_yuan = models.DecimalField(
        _("yuan saved for the customer"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("retention offer")
        verbose_name_plural = _("retention offers")
        ordering = ["-offered_on", "-id"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.strategy} {self.offered_on}"
