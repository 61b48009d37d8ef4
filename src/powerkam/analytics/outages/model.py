"""The shared vocabulary of the outage engine: the 15-minute grid, refusals, and supply points.

Refusals are :class:`OutageError` subclasses carrying a ``code`` and ``params`` so the CRM can say
them in the user's language. A customer is interrupted only if **every** feeder that supplies it
is out at the same time (:func:`interrupted_by`; dual-supply accounts ride through the loss of one
feeder).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SLOT_MINUTES = 15
SLOT = dt.timedelta(minutes=SLOT_MINUTES)
SLOT_HOURS = 0.25
DAY_TYPES = ("working", "non-working")
#: ENS values closer than this (kWh) are a tie; the earlier start wins.
TIE_KWH = 1e-6


# -- errors ------------------------------------------------------------------------------------


class OutageError(ValueError):
    """A request the outage rules cannot answer; ``code`` and ``params`` let callers translate it."""

    code = "outage"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class UnknownFeedersError(OutageError):
    code = "unknown_feeders"


class BadWindowError(OutageError):
    """An end at or before the start, a duration that is not positive, dates the wrong way round …"""

    code = "bad_window"


class NoWindowError(OutageError):
    """The duration fits nowhere in the allowed dates and hours."""

    code = "no_window"


# -- topology ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplyPoint:
    """An account and the feeders that supply it, with its weight for the window search."""

    customer_id: str
    feeders: tuple[str, ...]
    name: str = ""
    weight: float = 1.0


def parse_feeders(text: str | Iterable[str]) -> list[str]:
    """Feeder ids from ``"F1;F2"`` (also commas or spaces), in order, each once."""
    parts = re.split(r"[;,\s；，]+", text) if isinstance(text, str) else [str(p) for p in text]
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def check_feeders(feeders: str | Iterable[str], known: Iterable[str]) -> tuple[str, ...]:
    wanted = parse_feeders(feeders)
    if not wanted:
        raise BadWindowError("Name at least one feeder that goes out.", reason="no_feeders", feeders=[])
    known_set = set(known)
    unknown = [f for f in wanted if f not in known_set]
    if unknown:
        raise UnknownFeedersError(f"Unknown feeder(s): {', '.join(unknown)}.", feeders=unknown)
    return tuple(wanted)


def interrupted_by(points: Iterable[SupplyPoint], out: Iterable[str]) -> list[SupplyPoint]:
    """The points every one of whose feeders is in ``out`` (a point without feeders is never interrupted)."""
    out_set = set(out)
    return [p for p in points if p.feeders and set(p.feeders) <= out_set]


def riding_through(points: Iterable[SupplyPoint], out: Iterable[str]) -> list[SupplyPoint]:
    """Points that lose at least one feeder but keep supply from another (dual supply at work)."""
    out_set = set(out)
    return [p for p in points if set(p.feeders) & out_set and not set(p.feeders) <= out_set]
