"""Panels other apps contribute to shared pages: the account 360 page and "My work".

An app names the function that registers its :class:`Panel` in its ``AppConfig.ready()``
(:func:`powerkam.core.contributions.contribute`: imported when a page first asks); the page asks each registered
panel for its context and includes the panel's template with ``panel`` in the context. This
keeps the accounts and web apps free of imports from the apps that extend them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.functional import Promise

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
