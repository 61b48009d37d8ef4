import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProspectsConfig(AppConfig):
    name = "powerkam.prospects"
    verbose_name = _("Prospects")

    def ready(self) -> None:
        from powerkam.core.contributions import contribute
        from powerkam.core.schedule import Job, register
        from powerkam.grid.capacity import register_holder

        # Reservations hold capacity on the grid: its headroom counts them (grid/capacity.py).
        register_holder("powerkam.prospects.selectors.reservations_held")
        contribute("powerkam.prospects.panels.register_panels")

        contribute("powerkam.prospects.overview.register_tiles")

        contribute("powerkam.prospects.worklist.register_tasks")

        contribute("powerkam.prospects.inbox.register_inbox")
        # Every morning: release reservations past their last valid day and tell the managers.
        register(
            Job("prospects.release_expired", "powerkam.prospects.tasks.release_expired_reservations", at=dt.time(6, 30))
        )
        # Monday morning: the report of the week just finished, for the weekly coordination meeting.
        register(Job("prospects.weekly_report", "powerkam.prospects.tasks.weekly_report", at=dt.time(7, 30), weekday=0))
