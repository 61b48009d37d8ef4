from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "powerkam.accounts"
    verbose_name = _("Key accounts")

    def ready(self) -> None:
        from powerkam.accounts.overview import register_tiles
        from powerkam.accounts.panels import register_panels

        register_tiles()
        register_panels()
