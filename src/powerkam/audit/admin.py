"""The audit log in the Django admin: read-only, filterable by action and day, searchable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from powerkam.audit.models import AuditEvent
from powerkam.staff import permissions


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "username", "ip_address", "path", "detail"]
    list_filter = ["action", "at"]
    search_fields = ["username", "ip_address", "path", "detail"]
    date_hierarchy = "at"
    list_per_page = 100
    readonly_fields = ["at", "action", "user", "username", "ip_address", "path", "detail", "extra"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return permissions.can(request.user, "audit.view_log")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can(request.user, "audit.view_log")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
