from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from powerkam.core.admin import RulesVersionForm
from powerkam.outages.models import (
    AffectedAccount,
    OutageFollowUp,
    OutageNotice,
    OutageRulesVersion,
    PlannedOutage,
)


class AffectedInline(admin.TabularInline):
    model = AffectedAccount
    extra = 0
    can_delete = False
    readonly_fields = ("account", "key_account", "ens_kwh", "weight")


@admin.register(PlannedOutage)
class PlannedOutageAdmin(SimpleHistoryAdmin):
    list_display = ("title", "kind", "status", "feeders", "start", "end", "notice_late", "ens_kwh")
    list_filter = ("status", "kind", "notice_late")
    search_fields = ("title", "feeders", "crew")
    date_hierarchy = "start"
    readonly_fields = (
        "ens_kwh",
        "weighted_ens_kwh",
        "unknown_ens",
        "scheduled_at",
        "notified_at",
        "notice_late",
        "done_at",
        "cancelled_at",
    )
    inlines = [AffectedInline]

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: outage records are kept


@admin.register(OutageNotice)
class OutageNoticeAdmin(SimpleHistoryAdmin):
    list_display = ("outage", "account", "channel", "recipient", "sent_at", "late", "acknowledged_at")
    list_filter = ("channel", "late")
    search_fields = ("account__customer_id", "account__name", "recipient")


@admin.register(OutageFollowUp)
class OutageFollowUpAdmin(SimpleHistoryAdmin):
    list_display = ("outage", "account", "assignee", "due_on", "status")
    list_filter = ("status",)


class OutageRulesVersionForm(RulesVersionForm):
    class Meta:
        model = OutageRulesVersion
        fields = ("rules_toml", "note")


@admin.register(OutageRulesVersion)
class OutageRulesVersionAdmin(admin.ModelAdmin):
    """New versions only: the history of the rules stays as it was (docs/api.md, "Rules versions")."""

    form = OutageRulesVersionForm

    list_display = ("created_at", "note", "created_by")
    readonly_fields = ("created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from powerkam.analytics.outages import OutageError, OutageRules

        try:
            OutageRules.from_toml(obj.rules_toml)
        except OutageError as exc:
            from django.contrib import messages

            messages.error(request, exc.message)
            return
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)
