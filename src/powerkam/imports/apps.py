from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "powerkam.imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from powerkam.imports import signals  # noqa: F401  (records each import run in the audit log)
