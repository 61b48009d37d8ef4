from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewablesConfig(AppConfig):
    name = "powerkam.renewables"
    verbose_name = _("Renewables")

    def ready(self) -> None:
        from powerkam.core import rules
        from powerkam.core.contributions import contribute

        contribute("powerkam.renewables.panels.register_panels")
        contribute("powerkam.renewables.overview.register_tiles")
        rules.register(
            "renewables",
            model="renewables.RenewableRulesVersion",
            save="powerkam.renewables.services.rules_set",
            action="renewables.change_settings",
        )
