"""Panels other apps contribute to shared pages: the account 360 page and "My work".

An app names the function that registers its :class:`Panel` in its ``AppConfig.ready()``
(:func:`powerkam.core.contributions.contribute`: imported when a page first asks); the page asks each registered
panel for its context and includes the panel's template with ``panel`` in the context. This
keeps the accounts and web apps free of imports from the apps that extend them.

A "My work" panel that names a ``stamp`` (a cheap query whose answer changes whenever the panel's
inputs for the user may change) is kept as HTML in the shared cache under that stamp, the user, the
day and the language: asked again it costs the stamp. A panel whose context says ``live`` (a countdown
moving with the clock) is kept only for the minute it was made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language

from powerkam.core.contributions import load

Page = Literal["account", "home"]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    template: str
    #: (request, subject) → the panel's context, or None to leave the panel out for this subject
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100
    #: static stylesheets the panel's template needs
    css: tuple[str, ...] = ()
    #: loaded after the page (HTMX) from the page's panel endpoint, so it never slows the page
    lazy: bool = False
    #: (user, today) → a stamp of everything the panel shows that user; a panel with one is kept as HTML
    stamp: Callable[[Any, dt.date], str] | None = None


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    title: str | Promise
    template: str
    data: dict[str, Any] | None  # None for a lazy panel not loaded yet
    css: tuple[str, ...] = ()
    lazy: bool = False


_PANELS: dict[Page, dict[str, Panel]] = {"account": {}, "home": {}}


def register(page: Page, panel: Panel) -> None:
    _PANELS[page][panel.key] = panel


def panel_stylesheets(panels: list[RenderedPanel]) -> list[str]:
    return list(dict.fromkeys(css for panel in panels for css in panel.css))


def panels_for(page: Page, request: HttpRequest, subject: Any, *, defer: bool = False) -> list[RenderedPanel]:
    """The page's panels in order; a lazy one is a placeholder the page loads with :func:`panel_for`.
    ``defer`` makes every panel such a placeholder ("My work": the page is the frame, each panel its
    own request, loaded side by side after it)."""
    rendered = []
    load()
    for panel in sorted(_PANELS[page].values(), key=lambda p: (p.order, p.key)):
        if panel.lazy or defer:
            rendered.append(RenderedPanel(panel.key, panel.title, panel.template, None, panel.css, lazy=True))
            continue
        data = panel.context(request, subject)
        if data is not None:
            rendered.append(RenderedPanel(panel.key, panel.title, panel.template, data, panel.css))
    return rendered


def panel_for(page: Page, key: str, request: HttpRequest, subject: Any) -> RenderedPanel | None:
    """One panel with its context (None when there is no such panel or it has nothing for ``subject``)."""
    load()
    panel = _PANELS[page].get(key)
    if panel is None:
        return None
    data = panel.context(request, subject)
    return None if data is None else RenderedPanel(panel.key, panel.title, panel.template, data, panel.css)


def register_preparers() -> None:
    """The morning's preparation of "My work" (:mod:`powerkam.web.prepare`) renders each user's panels
    that are kept as HTML, in each language."""
    from powerkam.web.prepare import Preparer
    from powerkam.web.prepare import register as register_preparer

    def prepare(request: HttpRequest, today: dt.date) -> None:
        load()
        for key, panel in _PANELS["home"].items():
            if panel.stamp is not None:
                panel_html("home", key, request, request.user, HOME_PANEL_TEMPLATE)

    register_preparer(Preparer("web.home-panels", prepare, per_language=True))


#: The frame of a "My work" panel (web.views.home_panel).
HOME_PANEL_TEMPLATE = "web/_home_panel.html"

#: How long a panel's HTML is kept (its key holds the day and the stamp of its inputs).
PANEL_CACHE_SECONDS = 12 * 3600


def _minute() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def panel_html(page: Page, key: str, request: HttpRequest, subject: Any, template: str) -> str | None:
    """One panel rendered in ``template`` (with ``panel`` in its context), from the shared cache when the
    panel names a stamp and it has not moved; None when there is no such panel or it has nothing."""
    load()
    found = _PANELS[page].get(key)
    if found is None:
        return None
    cache_key = None
    if found.stamp is not None:
        today = timezone.localdate()
        stamp = found.stamp(request.user, today)
        cache_key = f"panel:{page}:{key}:{request.user.pk}:{today.isoformat()}:{get_language()}:{stamp}"
        kept = cache.get(cache_key)
        if isinstance(kept, tuple) and len(kept) == 2 and (kept[1] is None or kept[1] == _minute()):
            return str(kept[0])
    data = found.context(request, subject)
    html = (
        ""
        if data is None
        else render_to_string(
            template, {"panel": RenderedPanel(found.key, found.title, found.template, data, found.css)}, request=request
        )
    )
    if cache_key is not None:
        cache.set(cache_key, (html, _minute() if data and data.get("live") else None), PANEL_CACHE_SECONDS)
    return html or None
