from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "powerkam.grid"
    verbose_name = _("Grid")

    def ready(self) -> None:
        from powerkam.core.contributions import contribute

        contribute("powerkam.grid.panels.register_panels")
