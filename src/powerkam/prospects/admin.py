from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from powerkam.prospects.models import ContactEntry, FollowUp, Project, Reservation, StageChange, WeeklyReportRun


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    fields = ("on", "from_stage", "to_stage", "by", "note", "source")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # stage changes are made by moving the project on its page


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = (
        "project_id",
        "name",
        "stage",
        "stage_since",
        "district",
        "industry",
        "expected_capacity_kva",
        "expected_energize_on",
        "green_channel",
        "primary_manager",
        "secondary_manager",
    )
    search_fields = ("project_id", "name", "government_contact", "owner_name")
    list_filter = ("stage", "district", "green_channel", "archived")
    readonly_fields = ("stage", "stage_since", "account", "case")
    inlines = [StageChangeInline]


@admin.register(Reservation)
class ReservationAdmin(SimpleHistoryAdmin):
    list_display = ("project", "feeder", "substation", "kva", "reserved_on", "valid_until", "status")
    list_filter = ("status",)
    search_fields = ("project__project_id", "project__name", "feeder__feeder_id", "substation__substation_id")


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ("project", "title", "due_on", "assignee", "blocker", "status")
    list_filter = ("status", "blocker")


@admin.register(ContactEntry)
class ContactEntryAdmin(SimpleHistoryAdmin):
    list_display = ("project", "on", "party", "organisation", "person", "channel")
    list_filter = ("party", "channel")


@admin.register(WeeklyReportRun)
class WeeklyReportRunAdmin(admin.ModelAdmin):
    list_display = ("week_start", "as_of", "projects", "created_at", "by")
    readonly_fields = ("week_start", "as_of", "projects", "recipients", "by", "created_at")
