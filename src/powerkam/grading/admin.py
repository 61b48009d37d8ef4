"""Grading runs and grades in the admin: read-only history (runs are started from the CLI or the grading page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from powerkam.grading.models import AccountGrade, GradingRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GradingRun)
class GradingRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "period", "status", "progress", "backend", "key_accounts", "by", "created_at", "finished_at")
    list_filter = ("status", "backend", "period")
    search_fields = ("period", "rules_sha256")


@admin.register(AccountGrade)
class AccountGradeAdmin(ReadOnlyAdmin):
    list_display = ("run", "account", "key_account", "grade", "credit_score", "value_rank", "change")
    list_filter = ("key_account", "grade", "change")
    search_fields = ("account__customer_id", "account__name")
    list_select_related = ("run", "account")
