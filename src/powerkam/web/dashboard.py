"""Tiles of the overview (分析 → 经营概览): the marketing head's figures, one tile per area.

An app registers a :class:`Tile` in its ``AppConfig.ready()`` (like the panels of
:mod:`powerkam.web.panels`). A tile's ``figures`` function answers the area's headline figures in
the scope of a user (a supervisor sees the whole base, a manager their own accounts) as plain,
JSON-ready values; the same figures feed the tile's template, the API
(``GET /api/v1/insights/overview``) and ``powerkam overview --format json``. The page loads each
tile on its own with HTMX, so a slow area never holds up the others. A tile may keep its figures
for a while (``cache_seconds``): the tile then says when they were computed. A tile whose figures cost
seconds on a large base (visits on cadence, churn risk: they replay every key account) is
``prepared``: the morning's preparation (:mod:`powerkam.web.prepare`, 06:45) computes it for every
user and it is kept for the day, so nobody's first look waits; the tile says it shows the morning's
figures and offers to recompute them.
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
    #: computed for every user by the morning's preparation and kept for the day (see the module)
    prepared: bool = False
    #: figures → the same figures with their labels in the reader's language, applied after the cache
    #: (cached figures were computed in whichever language asked first; issue 19, one language a page)
    localize: Callable[[Figures], Figures] | None = None


#: How long a prepared tile's figures are kept (the day is in the key: never past the day's end).
PREPARED_SECONDS = 24 * 3600

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


def tile_figures(t: Tile, user: Any, today: dt.date, *, fresh: bool = False) -> TileFigures:
    """The tile's figures for ``user``, from the cache when the tile keeps them (``fresh``: computed
    again and kept in their place). A domain error (data not there yet) propagates: nothing is cached
    then."""
    key = f"dashboard:{t.key}:{user.pk or 'base'}:{today.isoformat()}"
    seconds = PREPARED_SECONDS if t.prepared else t.cache_seconds
    if seconds and not fresh:
        cached = cache.get(key)
        if cached is not None:
            return _localized(t, cast(TileFigures, cached))
    found = TileFigures(t.figures(user, today), timezone.now())
    if seconds:
        cache.set(key, found, seconds)
    return _localized(t, found)


def _localized(t: Tile, found: TileFigures) -> TileFigures:
    if t.localize is None or found.figures is None:
        return found
    return TileFigures(t.localize(found.figures), found.computed_at)


def _prepare_tiles(request: Any, today: dt.date) -> None:
    """The prepared tiles' figures for the user of ``request``, computed afresh (the morning's job)."""
    for t in tiles():
        if t.prepared:
            try:
                tile_figures(t, request.user, today, fresh=True)
            except ApplicationError:  # its data is not there yet: the tile says so when asked
                continue


def register_preparers() -> None:
    from powerkam.web.prepare import Preparer
    from powerkam.web.prepare import register as register_preparer

    register_preparer(Preparer("web.overview-tiles", _prepare_tiles))


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
