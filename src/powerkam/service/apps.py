import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: How often the round-the-clock escalation runs (the worker checks the schedule once a minute).
ROUND_THE_CLOCK_ESCALATION_EVERY = dt.timedelta(minutes=5)


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
        # Working-day tickets change state at midnight: one run each morning is enough. Round-the-clock
        # tickets (fault repair) have limits of 45 minutes and up and escalate at 80 % of them: a run
        # every 5 minutes tells the owner at most 5 minutes late (docs/service.md).
        register(Job("service.escalate", "powerkam.service.tasks.escalate", at=dt.time(7, 0)))
        register(
            Job(
                "service.escalate_round_the_clock",
                "powerkam.service.tasks.escalate_round_the_clock",
                every=ROUND_THE_CLOCK_ESCALATION_EVERY,
            )
        )
