"""Capacity headroom of the network: what a feeder or a substation can still take (docs/prospects.md,
"Reservations"; the arithmetic is :mod:`powerkam.analytics.headroom`).

The grid knows the rated capacity and peak load of its feeders; what *holds* capacity on them —
today the prospects' reservations — lives in apps above it. Such an app declares a *holder* here
(:func:`register_holder`, from its ``AppConfig.ready()``, by dotted path so nothing is imported at
start-up): a function ``holder(*, feeder=None, substation=None, as_of=None) -> Iterable[Decimal]``
answering the kVA held on that feeder, or on that substation and any of its feeders, on ``as_of``
(today). So the grid imports none of the apps that reserve capacity on it (docs/architecture.md,
"Layers").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.utils.module_loading import import_string

from powerkam.analytics.headroom import Headroom
from powerkam.analytics.headroom import feeder_headroom as _feeder_headroom
from powerkam.analytics.headroom import substation_headroom as _substation_headroom
from powerkam.grid.models import Feeder, Substation

Holder = Callable[..., Iterable[Decimal]]

_holders: list[str] = []


def register_holder(path: str) -> None:
    """Count the capacity held by the function at dotted ``path`` (see the module's doc)."""
    if path not in _holders:
        _holders.append(path)


def held_kva(
    *, feeder: Feeder | None = None, substation: Substation | None = None, as_of: dt.date | None = None
) -> list[Decimal]:
    """The kVA every holder holds on ``feeder`` (or on ``substation`` and its feeders) on ``as_of``."""
    held: list[Decimal] = []
    for path in _holders:
        holder: Holder = import_string(path)
        held.extend(holder(feeder=feeder, substation=substation, as_of=as_of))
    return held


def feeder_headroom(feeder: Feeder, *, as_of: dt.date | None = None) -> Headroom:
    """A feeder's headroom: rated capacity less peak load and the capacity held on it."""
    return _feeder_headroom(
        rated_kva=feeder.rated_capacity_kva,
        peak_kw=feeder.peak_load_kw,
        reservations_kva=held_kva(feeder=feeder, as_of=as_of),
    )


def substation_headroom(substation: Substation, *, as_of: dt.date | None = None) -> Headroom:
    """A substation's headroom: its feeders with known figures less what is held on it and on them."""
    feeders = substation.feeders.filter(archived=False).values_list("rated_capacity_kva", "peak_load_kw")
    return _substation_headroom(feeders=list(feeders), reservations_kva=held_kva(substation=substation, as_of=as_of))
