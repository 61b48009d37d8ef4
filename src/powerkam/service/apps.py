import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "powerkam.service"
    verbose_name = _("Service tickets")

    def ready(self) -> None:
        from powerkam.core.schedule import Job, register
        from powerkam.service.panels import register_panels

        register_panels()
        from powerkam.service.overview import register_tiles

        register_tiles()
        from powerkam.service.worklist import register_tasks

        register_tasks()
        from powerkam.service.inbox import register_inbox

        register_inbox()
        register(Job("service.escalate", "powerkam.service.tasks.escalate", at=dt.time(7, 0)))
