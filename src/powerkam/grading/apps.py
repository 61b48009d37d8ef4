from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "powerkam.grading"
    verbose_name = _("Grading")

    def ready(self) -> None:
        from powerkam.core.contributions import contribute

        contribute("powerkam.grading.panels.register_panels")
        contribute("powerkam.grading.selectors.register_ranks")
