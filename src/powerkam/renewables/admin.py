from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from powerkam.core.admin import RulesVersionForm
from powerkam.renewables.models import QuotaParty, QuotaWeight, RenewableRulesVersion


@admin.register(QuotaWeight)
class QuotaWeightAdmin(SimpleHistoryAdmin):
    """The weights table: edited by the data administrator, each change kept in the history."""

    list_display = ("province", "year", "party_type", "total_weight", "non_hydro_weight", "source", "updated_at")
    list_filter = ("province", "year", "party_type")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(QuotaParty)
class QuotaPartyAdmin(SimpleHistoryAdmin):
    list_display = ("account", "party_type", "updated_at")
    list_filter = ("party_type",)
    raw_id_fields = ("account",)
    search_fields = ("account__customer_id", "account__name")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RenewableRulesForm(RulesVersionForm):
    class Meta:
        model = RenewableRulesVersion
        fields = ("rules_toml", "note")

    def clean_rules_toml(self) -> str:
        from powerkam.analytics.renewables import RenewableRules, RenewableRulesError

        text = str(self.cleaned_data["rules_toml"])
        try:
            RenewableRules.from_toml(text)
        except RenewableRulesError as exc:
            raise ValidationError(str(exc)) from exc
        return text


@admin.register(RenewableRulesVersion)
class RenewableRulesAdmin(admin.ModelAdmin):
    """New versions only: the history of the rules stays as it was."""

    form = RenewableRulesForm
    list_display = ("created_at", "note", "created_by")
    readonly_fields = ("created_by", "created_at")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RenewableRulesVersion, form: ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
