import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "powerkam.service"
    verbose_name = _("Service tickets")

    def ready(self) -> None:
        from powerkam.core.contributions import contribute
        from powerkam.core.schedule import Job, register

        contribute("powerkam.service.panels.register_panels")

        contribute("powerkam.service.overview.register_tiles")

        contribute("powerkam.service.worklist.register_tasks")

        contribute("powerkam.service.inbox.register_inbox")
        register(Job("service.escalate", "powerkam.service.tasks.escalate", at=dt.time(7, 0)))
