import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "powerkam.web"
    verbose_name = _("Web")

    def ready(self) -> None:
        from powerkam.core.contributions import contribute
        from powerkam.core.schedule import Job, register

        contribute("powerkam.web.dashboard.register_preparers")
        contribute("powerkam.web.worklist.register_preparers")
        contribute("powerkam.web.panels.register_preparers")
        # After the health check (06:15), before the working day (docs/deployment.md, "Scheduled jobs").
        register(Job("web.prepare_my_work", "powerkam.web.tasks.prepare_my_work", at=dt.time(6, 45)))
