"""The administrator's view of the last nights' runs (Settings → Nightly runs): read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from powerkam.nightly.models import NightlyRun
from powerkam.nightly.services import LABELS, STATUS_WORDS


@admin.register(NightlyRun)
class NightlyRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "day", "status", "trigger", "seconds", "peak_mib", "step_summary")
    list_filter = ("status", "trigger")
    date_hierarchy = "started_at"
    fields = ("day", "started_at", "finished_at", "status", "trigger", "seconds", "peak_mib", "host", "pid", "report")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a record of what ran: never deleted

    @admin.display(description=_("step reports"))
    def step_summary(self, obj: NightlyRun) -> str:
        return " · ".join(
            f"{LABELS.get(s['step'], s['step'])}: {STATUS_WORDS.get(s['status'], s['status'])}" for s in obj.steps
        )

    @admin.display(description=_("report"))
    def report(self, obj: NightlyRun) -> SafeString:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    LABELS.get(s["step"], s["step"]),
                    STATUS_WORDS.get(s["status"], s["status"]),
                    s.get("seconds", ""),
                    s.get("peak_mib") or "",
                    ", ".join(f"{k}: {v}" for k, v in (s.get("counts") or {}).items()),
                    "; ".join([*s.get("problems", []), *s.get("notes", [])]),
                )
                for s in obj.steps
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("step"),
            _("status"),
            _("seconds"),
            _("peak MiB"),
            _("counts"),
            _("problems and notes"),
            rows,
        )
