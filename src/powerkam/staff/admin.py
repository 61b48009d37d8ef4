from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from powerkam.staff.models import StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    list_display = ["name", "user", "role", "district", "supervisor", "daily_visit_capacity", "archived"]
    list_filter = ["role", "district", "archived"]
    search_fields = ["name", "user__username", "phone"]
    raw_id_fields = ["user", "supervisor"]
