from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from powerkam.visits.models import CalendarFeed, FollowUp, PlannedVisit, Visit, VisitAttachment, VisitPlan


class AttachmentInline(admin.TabularInline):
    model = VisitAttachment
    extra = 0
    fields = ("file", "name", "content_type", "size_bytes", "uploaded_by", "archived")
    readonly_fields = ("content_type", "size_bytes", "uploaded_by")


@admin.register(Visit)
class VisitAdmin(SimpleHistoryAdmin):
    list_display = ("account", "visited_on", "staff", "source", "status", "satisfaction", "archived")
    search_fields = ("account__customer_id", "account__name", "summary", "topics")
    list_filter = ("source", "status", "archived")
    date_hierarchy = "visited_on"
    raw_id_fields = ("account",)
    filter_horizontal = ("attendees",)
    inlines = [AttachmentInline]


@admin.register(VisitPlan)
class VisitPlanAdmin(SimpleHistoryAdmin):
    list_display = ("pk", "first_day", "last_day", "status", "created_by", "created_at")
    list_filter = ("status",)


@admin.register(PlannedVisit)
class PlannedVisitAdmin(SimpleHistoryAdmin):
    list_display = ("account", "manager", "planned_on", "due_on", "late", "reason", "moved_by_hand", "status")
    list_filter = ("status", "late", "reason", "moved_by_hand")
    search_fields = ("account__customer_id", "account__name")
    raw_id_fields = ("account", "plan", "visit")


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ("need", "account", "owner", "due_on", "status")
    list_filter = ("status",)
    search_fields = ("need", "account__customer_id", "account__name")
    raw_id_fields = ("account", "visit")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "rotated_at")
    exclude = ("token",)
