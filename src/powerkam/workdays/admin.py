from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from powerkam.workdays.models import CalendarOverride, CalendarYear


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):
    list_display = ("date", "is_workday", "name", "archived")
    list_filter = ("year", "is_workday", "archived")
    search_fields = ("name", "note")
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ("year", "complete", "source_note", "declared_by", "declared_at")
    readonly_fields = ("declared_by", "declared_at")

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        obj.declared_by = request.user if isinstance(request.user, User) else None
        obj.declared_at = timezone.now()
        super().save_model(request, obj, form, change)
