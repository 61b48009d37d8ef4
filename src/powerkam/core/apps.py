import datetime as dt

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "powerkam.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        register_backup_job()


def register_backup_job() -> None:
    """The nightly backup (powerkam.core.backup.nightly_backup), only when POWERKAM_BACKUP_DIR is set."""
    from powerkam.core.schedule import Job, register

    if settings.BACKUP_DIR:
        register(Job("core.nightly_backup", "powerkam.core.tasks.nightly_backup", at=dt.time(1, 30)))
