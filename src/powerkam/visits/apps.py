from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "powerkam.visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from powerkam.visits.panels import register_panels

        register_panels()
