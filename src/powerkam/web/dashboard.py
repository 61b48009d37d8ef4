"""Tiles of the overview (分析 → 经营概览): the marketing head's figures, one tile per area.

An app registers a :class:`Tile` in its ``AppConfig.ready()`` (like the panels of
:mod:`powerkam.web.panels`). A tile's ``figures`` function answers the area's headline figures in
a :class:`~powerkam.staff.scope.Scope` (a supervisor's is the whole base, a manager's their own
accounts; the command line and the monthly report ask for the whole base) as plain, JSON-ready
values; the same figures feed the tile's template, the API
(``GET /api/v1/insights/overview``) and ``powerkam overview --format json``. The page loads each
tile on its own with HTMX, so a slow area never holds up the others. A tile may keep its figures
for a while (``cache_seconds``): the tile then says when they were computed. A tile whose figures cost
seconds on a large base (visits on cadence, churn risk: they replay every key account) is
``prepared``: the morning's preparation (:mod:`powerkam.web.prepare`, 06:45) computes it in every
user's scope and it is kept for the day, so nobody's first look waits; the tile says it shows the morning's
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
from powerkam.staff.scope import Scope, Viewer, scope_of

Figures = dict[str, Any]


@dataclass(frozen=True)
class Tile:
    key: str
    title: str | Promise
    #: rendered with ``figures`` (and ``tile``) in its context
    template: str
    #: (scope, today) → the figures in the scope, or None when the area has nothing for it
    figures: Callable[[Scope, dt.date], Figures | None]
    order: int = 100
    #: half width (two tiles side by side on a desktop) or the page's full width
    wide: bool = False
    #: figures → more template context, e.g. chart options built on the server (web/charts.py)
    extra_context: Callable[[Figures], dict[str, Any]] | None = None
    css: tuple[str, ...] = ()
    #: keep the figures this long per scope and day (for areas whose figures cost seconds on a large
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


@dataclass(frozen=True)
class TileFigures:
    figures: Figures | None
    #: when they were computed (a cached tile shows it)
    computed_at: dt.datetime


def _cache_key(t: Tile, scope: Scope, today: dt.date) -> str:
    return f"dashboard:{t.key}:{scope.key}:{today.isoformat()}"


def tile_figures(t: Tile, viewer: Viewer, today: dt.date, *, fresh: bool = False) -> TileFigures:
    """The tile's figures in ``viewer``'s scope (or in a scope), from the cache when the tile keeps them
    (``fresh``: computed again and kept in their place): everyone who sees the whole base shares them.
    A domain error (data not there yet) propagates: nothing is cached then."""
    scope = scope_of(viewer)
    key = _cache_key(t, scope, today)
    seconds = PREPARED_SECONDS if t.prepared else t.cache_seconds
    if seconds and not fresh:
        cached = cache.get(key)
        if cached is not None:
            return _localized(t, cast(TileFigures, cached))
    found = TileFigures(t.figures(scope, today), timezone.now())
    if seconds:
        cache.set(key, found, seconds)
    return _localized(t, found)


def _localized(t: Tile, found: TileFigures) -> TileFigures:
    if t.localize is None or found.figures is None:
        return found
    return TileFigures(t.localize(found.figures), found.computed_at)


def _prepare_tiles(request: Any, today: dt.date) -> None:
    """The prepared tiles' figures in the scope of the user of ``request``, computed afresh (the
    morning's job): once a run for a scope several people share (the whole base)."""
    from powerkam.web.prepare import run_started

    scope = Scope.of_user(request.user)
    since = run_started()
    for t in tiles():
        if t.prepared:
            if since is not None:  # computed for someone else in the same scope since the run started
                kept = cache.get(_cache_key(t, scope, today))
                if isinstance(kept, TileFigures) and kept.computed_at >= since:
                    continue
            try:
                tile_figures(t, scope, today, fresh=True)
            except ApplicationError:  # its data is not there yet: the tile says so when asked
                continue


def register_preparers() -> None:
    from powerkam.web.prepare import Preparer
    from powerkam.web.prepare import register as register_preparer

    register_preparer(Preparer("web.overview-tiles", _prepare_tiles))


def figures_for(viewer: Viewer, today: dt.date, keys: list[str] | None = None) -> dict[str, Figures]:
    """Every tile's figures in ``viewer``'s scope, or in a scope (those in ``keys`` if given); a tile
    whose data is not there yet answers ``{"problem": message}`` instead of failing the whole
    overview."""
    scope = scope_of(viewer)
    result: dict[str, Figures] = {}
    for t in tiles():
        if keys and t.key not in keys:
            continue
        try:
            figures = tile_figures(t, scope, today).figures
        except ApplicationError as exc:
            figures = {"problem": exc.message}
        if figures is not None:
            result[t.key] = figures
    return result
