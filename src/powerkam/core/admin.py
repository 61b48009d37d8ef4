from django.contrib import admin

from powerkam.core.models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ("name", "last_run_on", "last_queued_at")
    readonly_fields = ("name", "last_run_on", "last_queued_at")
