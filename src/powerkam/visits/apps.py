import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "powerkam.visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from powerkam.core.contributions import contribute
        from powerkam.core.schedule import Job, register

        contribute("powerkam.visits.panels.register_panels")
        contribute("powerkam.visits.actions.register_actions")

        contribute("powerkam.visits.overview.register_tiles")

        contribute("powerkam.visits.worklist.register_tasks")
        contribute("powerkam.visits.prepare.register_preparers")
        register(Job("visits.weekly_digest", "powerkam.visits.tasks.weekly_digest", at=dt.time(7, 30), weekday=0))
