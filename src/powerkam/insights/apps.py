from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "powerkam.insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from powerkam.insights.panels import register_panels

        register_panels()
        from powerkam.insights.overview import register_tiles

        register_tiles()
