import datetime as dt

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class NightlyConfig(AppConfig):
    name = "powerkam.nightly"
    verbose_name = _("Nightly run")

    def ready(self) -> None:
        register_nightly_job()


#: The periodic jobs whose work the nightly run does (its health, overview and backup steps).
REPLACES = ("core.nightly_backup", "insights.health_snapshot", "web.prepare_my_work")


def nightly_at() -> dt.time | None:
    """``POWERKAM_NIGHTLY_AT`` (HH:MM, local time) as a time; None when unset (not scheduled)."""
    raw = str(getattr(settings, "NIGHTLY_AT", "") or "").strip()
    if not raw:
        return None
    try:
        return dt.time.fromisoformat(raw)
    except ValueError as exc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"POWERKAM_NIGHTLY_AT must be a time of day, HH:MM (not {raw!r}).") from exc


def register_nightly_job() -> None:
    """The nightly run (powerkam.nightly.tasks.nightly) at POWERKAM_NIGHTLY_AT, when it is set. It then
    replaces the separate backup, health snapshot and "My work" jobs: it runs them as its steps."""
    from powerkam.core.schedule import Job, register

    at = nightly_at()
    if at is not None:
        register(Job("nightly.run", "powerkam.nightly.tasks.nightly", at=at, replaces=REPLACES))
