from django.contrib import admin

from powerkam.imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """The import log is a record of what happened: read-only."""

    list_display = ("started_at", "kind", "file_name", "status", "rows", "inserted", "updated", "unchanged", "by")
    list_filter = ("kind", "status")
    search_fields = ("file_name", "sha256")
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
