import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "powerkam.insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from powerkam.insights.panels import register_panels

        register_panels()
        from powerkam.insights.overview import register_tiles

        register_tiles()
        from powerkam.insights.campaigns import register_tasks
        from powerkam.insights.inbox import register_inbox

        register_tasks()
        register_inbox()
        from powerkam.core.schedule import Job, register

        register(
            Job("insights.monthly_report", "powerkam.insights.tasks.monthly_report", at=dt.time(7, 45), monthday=1)
        )
        register(Job("insights.health_snapshot", "powerkam.insights.tasks.health_snapshot", at=dt.time(6, 15)))
