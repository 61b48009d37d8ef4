"""The main menu: one entry per area, each linking to the fixed URL prefix its app is mounted on.

Areas that are not built yet answer with a tidy "coming soon" page (see :mod:`powerkam.web.views`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str | Promise
    url: str
    icon: str

    def is_active(self, path: str) -> bool:
        if self.url == "/":
            return path == "/"
        return path.startswith(self.url)


MENU: tuple[MenuItem, ...] = (
    MenuItem("home", _("My work"), "/", "home"),
    MenuItem("accounts", _("Key accounts"), "/accounts/", "building"),
    MenuItem("grading", _("Grading"), "/grading/", "layers"),
    MenuItem("visits", _("Visits"), "/visits/", "calendar"),
    MenuItem("service", _("Service"), "/service/", "ticket"),
    MenuItem("grid", _("Grid & outages"), "/grid/", "bolt"),
    MenuItem("prospects", _("Prospects"), "/prospects/", "flag"),
    MenuItem("insights", _("Insights"), "/insights/", "chart"),
    MenuItem("renewables", _("Renewables"), "/renewables/", "sun"),
    MenuItem("settings", _("Settings"), "/settings/", "gear"),
)


def menu_item(key: str) -> MenuItem:
    return next(item for item in MENU if item.key == key)
