from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    name = "powerkam.outages"
    verbose_name = _("Planned outages")
