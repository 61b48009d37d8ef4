from django.contrib import admin
from django.http import HttpRequest

from powerkam.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with ``powerkam api token USERNAME``; here they can only be seen or revoked."""

    list_display = ["user", "prefix", "created_at", "last_used_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "digest", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
