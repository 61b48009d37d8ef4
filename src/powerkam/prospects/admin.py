from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from powerkam.prospects.models import Project


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = (
        "project_id",
        "name",
        "stage",
        "district",
        "industry",
        "expected_capacity_kva",
        "expected_energize_on",
    )
    search_fields = ("project_id", "name", "government_contact")
    list_filter = ("stage", "district", "archived")
