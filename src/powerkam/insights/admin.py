from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from powerkam.core.admin import RulesVersionForm
from powerkam.insights.models import (
    CampaignAccount,
    HealthRulesVersion,
    OverviewReportRun,
    RetentionOffer,
    SatisfactionSurvey,
    SurveyCampaign,
    TariffRulesVersion,
)


class TariffRulesForm(RulesVersionForm):
    class Meta:
        model = TariffRulesVersion
        fields = ("rules_toml", "note")

    def clean_rules_toml(self) -> str:
        # The rules' modules import DuckDB: only when a version is saved, not at every start-up.
        from powerkam.analytics.tariff import TariffRules, TariffRulesError

        text = str(self.cleaned_data["rules_toml"])
        try:
            TariffRules.from_toml(text)
        except TariffRulesError as exc:
            raise ValidationError(str(exc)) from exc
        return text


@admin.register(TariffRulesVersion)
class TariffRulesAdmin(admin.ModelAdmin):
    """New versions only: the history of the rules stays as it was."""

    form = TariffRulesForm
    list_display = ("created_at", "note", "created_by")
    readonly_fields = ("created_by", "created_at")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TariffRulesVersion, form: ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class HealthRulesForm(RulesVersionForm):
    class Meta:
        model = HealthRulesVersion
        fields = ("rules_toml", "note")

    def clean_rules_toml(self) -> str:
        from powerkam.analytics.health import HealthRules, HealthRulesError

        text = str(self.cleaned_data["rules_toml"])
        try:
            HealthRules.from_toml(text)
        except HealthRulesError as exc:
            raise ValidationError(str(exc)) from exc
        return text


@admin.register(HealthRulesVersion)
class HealthRulesAdmin(TariffRulesAdmin):
    form = HealthRulesForm  # type: ignore[assignment]


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(SimpleHistoryAdmin):
    list_display = ("account", "surveyed_on", "score", "channel", "recorded_by", "archived")
    list_filter = ("score", "channel", "archived")
    search_fields = ("account__customer_id", "account__name", "respondent")
    date_hierarchy = "surveyed_on"
    raw_id_fields = ("account", "recorded_by")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # archive instead: a survey is business data


@admin.register(OverviewReportRun)
class OverviewReportRunAdmin(admin.ModelAdmin):
    list_display = ("as_of", "created_at", "by")
    readonly_fields = ("as_of", "recipients", "by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports are sent from the overview page, `powerkam overview --send` or the schedule


class CampaignAccountInline(admin.TabularInline):
    model = CampaignAccount
    extra = 0
    can_delete = False
    fields = ("account", "assigned_to")
    raw_id_fields = ("account", "assigned_to")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the accounts are fixed at launch; a manager who leaves is replaced here


@admin.register(SurveyCampaign)
class SurveyCampaignAdmin(SimpleHistoryAdmin):
    list_display = ("name", "starts_on", "due_on", "archived", "created_by")
    list_filter = ("archived",)
    readonly_fields = ("grades", "created_by", "created_at")
    inlines = [CampaignAccountInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # launched from Insights → Satisfaction surveys, which fixes the accounts

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # close it instead (archived): its accounts and surveys are kept


@admin.register(RetentionOffer)
class RetentionOfferAdmin(SimpleHistoryAdmin):
    list_display = ("account", "strategy", "offered_on", "offered_by", "expected_yuan", "outcome", "archived")
    list_filter = ("strategy", "outcome", "archived")
    search_fields = ("account__customer_id", "account__name", "notes")
    date_hierarchy = "offered_on"
    raw_id_fields = ("account", "offered_by")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # archive instead: an offer and its outcome are business data
