"""Administration of the service desk's configuration: time limits and the letter templates.

Tickets themselves change only through the services (the pages, the API), so the admin shows
them read-only with their history.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from powerkam.service.models import (
    Case,
    FaultInterruption,
    HourLimit,
    NoticeDelivery,
    NoticeTemplate,
    Ticket,
    TimeLimit,
)


@admin.register(TimeLimit)
class TimeLimitAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "supply", "green_channel", "working_days")
    list_filter = ("green_channel", "kind")


@admin.register(HourLimit)
class HourLimitAdmin(SimpleHistoryAdmin):
    """Round-the-clock limits (fault repair), one row per milestone and area class; every change is
    kept in the history. Tickets keep the limits they were created with."""

    list_display = ("kind", "milestone", "area_class", "minutes", "warn_percent", "source")
    list_editable = ("minutes", "warn_percent")
    list_filter = ("kind", "milestone", "area_class")


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "title", "updated_at")
    search_fields = ("title", "documents", "steps")


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "kind", "clock", "owner", "status", "accepted_on", "due_on")
    list_filter = ("status", "kind", "clock", "green_channel")
    search_fields = ("title", "account__customer_id", "account__name")


@admin.register(FaultInterruption)
class FaultInterruptionAdmin(ReadOnlyAdmin):
    """The outages of restored fault repairs on the accounts' reliability record (written by the
    service when the restoration is recorded)."""

    list_display = ("ticket", "account", "start", "end")
    search_fields = ("account__customer_id", "account__name")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "account", "status")


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "delivered_on", "delivered_by", "recipient")
