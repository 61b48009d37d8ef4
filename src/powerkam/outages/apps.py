import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    name = "powerkam.outages"
    verbose_name = _("Planned outages")

    def ready(self) -> None:
        from powerkam.core import rules
        from powerkam.core.contributions import contribute
        from powerkam.core.schedule import Job, register
        from powerkam.outages import signals

        # A calendar or rules change queues a rebuild of the typical loads at once …
        signals.connect()

        contribute("powerkam.outages.worklist.register_tasks")
        contribute("powerkam.outages.panels.register_panels")
        rules.register(
            "outage",
            model="outages.OutageRulesVersion",
            save="powerkam.outages.services.outage_rules_set",
            action="outages.plan_outages",
        )
        # … and every night they are checked (rebuilt only when stale), in case a change was missed.
        register(Job("outages.typical_loads", "powerkam.outages.tasks.refresh_typical_loads", at=dt.time(5, 0)))
