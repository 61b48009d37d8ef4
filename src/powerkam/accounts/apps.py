from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "powerkam.accounts"
    verbose_name = _("Key accounts")

    def ready(self) -> None:
        from powerkam.core.contributions import contribute

        contribute("powerkam.accounts.overview.register_tiles")
        contribute("powerkam.accounts.panels.register_panels")
        contribute("powerkam.accounts.prepare.register_preparers")
        contribute("powerkam.accounts.home.register_home")
