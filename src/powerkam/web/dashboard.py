"""Tiles of the overview (分析 → 经营概览): the marketing head's figures, one tile per area.

An app registers a :class:`Tile` in its ``AppConfig.ready()`` (like the panels of
:mod:`powerkam.web.panels`). A tile's ``figures`` function answers the area's headline figures in
the scope of a user (a supervisor sees the whole base, a manager their own accounts) as plain,
JSON-ready values; the same figures feed the tile's template, the API
(``GET /api/v1/insights/overview``) and ``powerkam overview --format json``. The page loads each
tile on its own with HTMX, so a slow area never holds up the others. A tile may keep its figures
for a while (``cache_seconds``): the tile then says when they were computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise

from powerkam.core.contributions import load
from powerkam.core.errors import ApplicationError

Figures = dict[str, Any]


@dataclass(frozen=True)
class Tile:
    key: str
    title: str | Promise
    #: rendered with ``figures`` (and ``tile``) in its context
    template: str
    #: (user, today) → the figures in the user's scope, or None when the area has nothing for this user
    figures: Callable[[Any, dt.date], Figures | None]
    order: int = 100
    #: half width (two tiles side by side on a desktop) or the page's full width
    wide: bool = False
    #: figures → more template context, e.g. chart options built on the server (web/charts.py)
    extra_context: Callable[[Figures], dict[str, Any]] | None = None
    css: tuple[str, ...] = ()
    #: keep the figures this long per user and day (for areas whose figures cost seconds on a large
    #: base and move slowly: visit compliance, health); 0: computed on every request
    cache_seconds: int = 0


_TILES: dict[str, Tile] = {}


def register(tile: Tile) -> None:
    _TILES[tile.key] = tile


def tiles() -> list[Tile]:
    load()
    return sorted(_TILES.values(), key=lambda t: (t.order, t.key))


def tile(key: str) -> Tile | None:
    load()
    return _TILES.get(key)


def stylesheets() -> list[str]:
    return list(dict.fromkeys(css for t in tiles() for css in t.css))


def whole_base_user() -> Any:
    """A user who sees the whole base, for the figures of the command line and the monthly report (an
    unsaved superuser: it can read everything and is never stored or logged in)."""
    from django.contrib.auth.models import User

    return User(username="powerkam-report", is_superuser=True, is_active=True)


@dataclass(frozen=True)
class TileFigures:
    figures: Figures | None
    #: when they were computed (a cached tile shows it)
    computed_at: dt.datetime


def tile_figures(t: Tile, user: Any, today: dt.date) -> TileFigures:
    """The tile's figures for ``user``, from the cache when the tile keeps them. A domain error
    (data not there yet) propagates: nothing is cached then."""
    key = f"dashboard:{t.key}:{user.pk or 'base'}:{today.isoformat()}"
    if t.cache_seconds:
        cached = cache.get(key)
        if cached is not None:
            return cast(TileFigures, cached)
    found = TileFigures(t.figures(user, today), timezone.now())
    if t.cache_seconds:
        cache.set(key, found, t.cache_seconds)
    return found


def figures_for(user: Any, today: dt.date, keys: list[str] | None = None) -> dict[str, Figures]:
    """Every tile's figures for ``user`` (those in ``keys`` if given); a tile whose data is not there
    yet answers ``{"problem": message}`` instead of failing the whole overview."""
    result: dict[str, Figures] = {}
    for t in tiles():
        if keys and t.key not in keys:
            continue
        try:
            figures = tile_figures(t, user, today).figures
        except ApplicationError as exc:
            figures = {"problem": exc.message}
        if figures is not None:
            result[t.key] = figures
    return result
