import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProspectsConfig(AppConfig):
    name = "powerkam.prospects"
    verbose_name = _("Prospects")

    def ready(self) -> None:
        from powerkam.core.schedule import Job, register
        from powerkam.prospects.panels import register_panels

        register_panels()
        from powerkam.prospects.overview import register_tiles

        register_tiles()
        from powerkam.prospects.worklist import register_tasks

        register_tasks()
        from powerkam.prospects.inbox import register_inbox

        register_inbox()
        # Every morning: release reservations past their last valid day and tell the managers.
        register(
            Job("prospects.release_expired", "powerkam.prospects.tasks.release_expired_reservations", at=dt.time(6, 30))
        )
        # Monday morning: the report of the week just finished, for the weekly coordination meeting.
        register(Job("prospects.weekly_report", "powerkam.prospects.tasks.weekly_report", at=dt.time(7, 30), weekday=0))
