from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from powerkam.visits.models import Visit


@admin.register(Visit)
class VisitAdmin(SimpleHistoryAdmin):
    list_display = ("account", "visited_on", "staff", "source", "archived")
    search_fields = ("account__customer_id", "account__name", "summary")
    list_filter = ("source", "archived")
    date_hierarchy = "visited_on"
    raw_id_fields = ("account",)
