import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "powerkam.visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from powerkam.core.schedule import Job, register
        from powerkam.visits.panels import register_panels

        register_panels()
        from powerkam.visits.overview import register_tiles

        register_tiles()
        from powerkam.visits.worklist import register_tasks

        register_tasks()
        register(Job("visits.weekly_digest", "powerkam.visits.tasks.weekly_digest", at=dt.time(7, 30), weekday=0))
