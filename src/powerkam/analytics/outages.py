"""Planned outages that hurt key accounts least (docs/rules.md §4), pure Python + numpy.

The rules, exactly:

- A customer is interrupted only if **every** feeder that supplies it is out at the same time
  (:func:`interrupted_by`; dual-supply accounts ride through the loss of one feeder).
- Typical load of a customer: the mean kW per (day type, 15-minute slot of day) over its last 28
  days of interval data; day type = working / non-working day on the official calendar
  (:func:`typical_loads`, a :class:`~powerkam.analytics.workcal.WorkCalendar` passed in). The 28
  days are the calendar days ending with the day of the customer's latest reading (before
  ``before`` when given).
- Energy not supplied of a window = Σ over interrupted customers Σ over its 15-minute slots of
  typical kW × 0.25 h (:func:`outage_impact`). Each slot takes the profile of its own day's type.
  A window whose ends are not on the 15-minute grid counts the part of a slot it covers
  (kW × covered hours), which is the same sum for a window on the grid.
- Suggested window (:func:`suggest_windows`): the start on the 15-minute grid, inside the allowed
  dates and hours, with the least ENS weighted by account weight (default 1); ties → earliest.
- Notice (:func:`notice_deadline`): planned outages at least 7 days ahead, temporary ones 24 hours.

A month of outage jobs is planned with OR-Tools CP-SAT (:func:`plan_month`): one start per job
among its allowed windows, a crew does one job at a time, jobs that together would interrupt a
multiple-supply account that neither interrupts alone never overlap, and the total weighted
ENS is minimised; :func:`naive_plan` is the earliest-feasible-start baseline.

Refusals are :class:`OutageError` subclasses carrying a ``code`` and ``params`` so the CRM can say
them in the user's language; an interrupted account without interval data is never counted as
zero: its ENS is ``None`` and its id is listed in ``unknown``.

Timestamps are naive local time (Asia/Shanghai) as in the analytics store.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from powerkam.analytics.outage_bound import lagrangian_bound

# The typical loads live in their own module (with their derived dataset); re-exported here.
from powerkam.analytics.typical import NON_WORKING as NON_WORKING
from powerkam.analytics.typical import (
    SLOTS_PER_DAY,
    TYPICAL_DAYS,
    DayTypes,
    TypicalLoads,
    typical_loads,
)
from powerkam.analytics.typical import WORKING as WORKING
from powerkam.analytics.workcal import WorkCalendar

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


# -- rules ----------------------------------------------------------------------------------------


#: Priority of grade-A key accounts and of important users when no rules version says otherwise
#: (docs/rules.md §4 "weighted by each account's weight"; the values are PowerKAM's defaults,
#: docs/outages.md "Weights"): an hour of a grade-A account counts three ordinary hours, an
#: important user's by the harm its grade stands for (special > first > second); a temporary
#: important user keeps the default weight. A rules version that sets ``[weights.grade]`` or
#: ``[weights.important_grade]`` replaces the whole mapping (an empty table means "no weights").
DEFAULT_GRADE_WEIGHTS: Mapping[str, float] = {"A": 3.0}
DEFAULT_IMPORTANT_WEIGHTS: Mapping[str, float] = {"special": 10.0, "first": 5.0, "second": 2.0}


@dataclass(frozen=True)
class OutageRules:
    """Every default of docs/rules.md §4 (and the reliability thresholds of issue 7), overridable by TOML::

    [weights]
    default = 1.0
    [weights.grade]          # by key-account grade
    A = 3.0
    [weights.important_grade]
    special = 10.0
    first = 5.0

    [notice]
    planned_days = 7
    temporary_hours = 24

    [load]
    days = 28

    [reliability]
    months = 12
    max_interruptions = 3
    max_hours = 8.76
    growth_fraction = 0.2
    power_factor = 0.9
    """

    default_weight: float = 1.0
    grade_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_GRADE_WEIGHTS))
    important_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_IMPORTANT_WEIGHTS))
    planned_notice_days: int = 7
    temporary_notice_hours: int = 24
    typical_days: int = TYPICAL_DAYS
    reliability_months: int = 12
    max_interruptions: int = 3
    max_hours: float = 8.76
    growth_fraction: float = 0.2
    power_factor: float = 0.9

    _TOML = {
        ("weights", "default"): "default_weight",
        ("notice", "planned_days"): "planned_notice_days",
        ("notice", "temporary_hours"): "temporary_notice_hours",
        ("load", "days"): "typical_days",
        ("reliability", "months"): "reliability_months",
        ("reliability", "max_interruptions"): "max_interruptions",
        ("reliability", "max_hours"): "max_hours",
        ("reliability", "growth_fraction"): "growth_fraction",
        ("reliability", "power_factor"): "power_factor",
    }

    def weight(self, *, grade: str = "", important_grade: str = "") -> float:
        """The largest of the weights configured for the account's grade and important-user grade;
        the default weight when neither is configured."""
        specific = [
            w
            for w in (self.grade_weights.get(grade or "\0"), self.important_weights.get(important_grade or "\0"))
            if w is not None
        ]
        return max(specific) if specific else self.default_weight

    @classmethod
    def from_toml(cls, text: str, *, source: str = "rules file") -> OutageRules:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise OutageError(f"{source} is not valid TOML: {exc}", source=source) from exc
        defaults = cls()
        changes: dict[str, Any] = {}
        for section, values in data.items():
            if not isinstance(values, dict):
                raise OutageError(f"{source}: '{section}' must be a section [{section}]", source=source)
            for key, raw in values.items():
                name = f"{section}.{key}"
                if section == "weights" and key in ("grade", "important_grade"):
                    if not isinstance(raw, dict) or not all(_is_number(v) and v >= 0 for v in raw.values()):
                        raise OutageError(f"{source}: [{name}] must map names to non-negative numbers", source=source)
                    changes["grade_weights" if key == "grade" else "important_weights"] = {
                        str(k): float(v) for k, v in raw.items()
                    }
                    continue
                attr = cls._TOML.get((section, key))
                if attr is None:
                    known = ", ".join(
                        sorted({f"{s}.{k}" for s, k in cls._TOML} | {"weights.grade", "weights.important_grade"})
                    )
                    raise OutageError(f"{source}: unknown key '{name}' (known keys: {known})", source=source)
                default = getattr(defaults, attr)
                if not _is_number(raw) or raw < 0 or (isinstance(default, int) and not isinstance(raw, int)):
                    kind = "a whole number" if isinstance(default, int) else "a number"
                    raise OutageError(f"{source}: '{name}' must be {kind} ≥ 0, got {raw!r}", source=source)
                changes[attr] = type(default)(raw)
        rules = replace(defaults, **changes)
        if rules.typical_days < 1 or rules.reliability_months < 1 or not 0 < rules.power_factor <= 1:
            raise OutageError(
                f"{source}: load.days and reliability.months must be at least 1 and power_factor in (0, 1]",
                source=source,
            )
        return rules

    def to_toml(self) -> str:
        sections: dict[str, list[str]] = {}
        for (section, key), attr in self._TOML.items():
            sections.setdefault(section, []).append(f"{key} = {getattr(self, attr)!r}")
        lines = []
        for section, entries in sections.items():
            lines += [f"[{section}]", *entries, ""]
        for key, mapping in (("grade", self.grade_weights), ("important_grade", self.important_weights)):
            lines.append(f"[weights.{key}]")
            lines += [f"{k} = {float(v)!r}" for k, v in sorted(mapping.items())]
            lines.append("")
        return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


DEFAULT_RULES = OutageRules()


# -- notice --------------------------------------------------------------------------------------


def notice_deadline(start: dt.datetime, *, temporary: bool, rules: OutageRules = DEFAULT_RULES) -> dt.datetime:
    """The latest moment customers may be notified: 7 days (planned) or 24 hours (temporary) before the start."""
    if temporary:
        return start - dt.timedelta(hours=rules.temporary_notice_hours)
    return start - dt.timedelta(days=rules.planned_notice_days)


def notice_is_late(
    start: dt.datetime, notified_at: dt.datetime, *, temporary: bool, rules: OutageRules = DEFAULT_RULES
) -> bool:
    """True when ``notified_at`` is after the deadline (a notice exactly at the deadline is in time)."""
    return notified_at > notice_deadline(start, temporary=temporary, rules=rules)


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


# -- typical load --------------------------------------------------------------------------------


# -- energy not supplied ------------------------------------------------------------------------


def _window_slots(start: dt.datetime, end: dt.datetime, types: DayTypes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day type, slot of day, covered hours) of every 15-minute slot that ``[start, end)`` touches."""
    origin = dt.datetime.combine(start.date(), dt.time())
    first = int((start - origin) // SLOT)
    last = math.ceil((end - origin) / SLOT)
    index = np.arange(first, last)
    slot_start = [origin + SLOT * int(i) for i in index]
    covered = np.array(
        [(min(end, s + SLOT) - max(start, s)).total_seconds() / 3600 for s in slot_start], dtype=np.float64
    )
    day_types = np.array([types.of(s.date()) for s in slot_start], dtype=np.int64)
    return day_types, index % SLOTS_PER_DAY, covered


def window_ens(
    loads: TypicalLoads, customer_ids: Sequence[str], start: dt.datetime, end: dt.datetime, calendar: WorkCalendar
) -> dict[str, float | None]:
    """ENS (kWh) of each customer over ``[start, end)``: Σ typical kW × covered hours per slot.

    ``None`` for a customer without a typical value in some slot of the window (never a silent zero).
    """
    if end <= start:
        raise BadWindowError("The outage must end after it starts.", reason="end_before_start", start=start, end=end)
    types = DayTypes(calendar)
    day_types, slots, covered = _window_slots(start, end, types)
    result: dict[str, float | None] = {}
    for cid in customer_ids:
        profile = loads.profile(cid)
        if profile is None:
            result[cid] = None
            continue
        values = profile[day_types, slots]
        result[cid] = None if np.isnan(values).any() else float(values @ covered)
    return result


@dataclass(frozen=True)
class AccountImpact:
    customer_id: str
    name: str
    feeders: tuple[str, ...]
    weight: float
    #: None: no interval data for the window's slots (ENS unknown).
    ens_kwh: float | None

    @property
    def weighted_ens_kwh(self) -> float | None:
        return None if self.ens_kwh is None else self.ens_kwh * self.weight

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "feeders": list(self.feeders),
            "dual_supply": len(set(self.feeders)) >= 2,
            "weight": self.weight,
            "ens_kwh": None if self.ens_kwh is None else round(self.ens_kwh, 3),
            "weighted_ens_kwh": None if self.ens_kwh is None else round(self.ens_kwh * self.weight, 3),
        }


@dataclass(frozen=True)
class Impact:
    feeders: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    interrupted: tuple[AccountImpact, ...]
    #: Accounts that lose a feeder but stay supplied by another.
    riding_through: tuple[str, ...]
    #: Interrupted accounts whose ENS is unknown (no interval data for the window).
    unknown: tuple[str, ...]
    provisional: bool = False

    @property
    def ens_kwh(self) -> float:
        """Sum over the accounts whose ENS is known (see :attr:`unknown` for the others)."""
        return sum(a.ens_kwh for a in self.interrupted if a.ens_kwh is not None)

    @property
    def weighted_ens_kwh(self) -> float:
        return sum(a.ens_kwh * a.weight for a in self.interrupted if a.ens_kwh is not None)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def outage_impact(
    *,
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    feeders: str | Iterable[str],
    start: dt.datetime,
    end: dt.datetime,
    calendar: WorkCalendar,
    loads: TypicalLoads | None = None,
    store_dir: Path | None = None,
    typical_days: int = TYPICAL_DAYS,
) -> Impact:
    """Who a window with ``feeders`` out interrupts, and the energy each would not get.

    Give either ``loads`` (covering the interrupted accounts) or ``store_dir`` to read them.
    """
    out = check_feeders(feeders, known_feeders)
    if end <= start:
        raise BadWindowError("The outage must end after it starts.", reason="end_before_start", start=start, end=end)
    hit = interrupted_by(points, out)
    if loads is None:
        if store_dir is None:
            raise ValueError("outage_impact needs loads or store_dir")
        loads = typical_loads(store_dir, [p.customer_id for p in hit], calendar, days=typical_days)
    ens = window_ens(loads, [p.customer_id for p in hit], start, end, calendar)
    impacts = tuple(
        AccountImpact(p.customer_id, p.name, p.feeders, p.weight, ens[p.customer_id])
        for p in sorted(hit, key=lambda p: (-(ens[p.customer_id] or 0.0), p.customer_id))
    )
    types = DayTypes(calendar)
    types.of(start.date())
    types.of((end - dt.timedelta(microseconds=1)).date())
    return Impact(
        feeders=out,
        start=start,
        end=end,
        interrupted=impacts,
        riding_through=tuple(p.customer_id for p in riding_through(points, out)),
        unknown=tuple(a.customer_id for a in impacts if a.ens_kwh is None),
        provisional=loads.provisional or types.provisional,
    )


# -- window search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursOfDay:
    """Allowed hours each day, e.g. 08:00–18:00; an end at or before the start runs past midnight
    (22:00–06:00: the night that starts on each allowed date)."""

    start_minute: int
    end_minute: int

    @classmethod
    def parse(cls, text: str) -> HoursOfDay:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*", text or "")
        if not match:
            raise BadWindowError(f"Hours {text!r} are not in the form HH:MM-HH:MM.", reason="hours", hours=text)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise BadWindowError(f"Hours {text!r} are not times of day.", reason="hours", hours=text)
        start, end = h1 * 60 + m1, h2 * 60 + m2
        return cls(start, end + 1440 if end <= start else end)

    def __str__(self) -> str:
        end = self.end_minute % 1440 if self.end_minute != 1440 else 1440
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def duration_minutes(hours: float | str) -> int:
    try:
        value = float(hours)
    except (TypeError, ValueError):
        raise BadWindowError(
            f"Duration {hours!r} is not a number of hours.", reason="duration", duration=hours
        ) from None
    minutes = round(value * 60)
    if not math.isfinite(value) or minutes <= 0:
        raise BadWindowError(
            f"The duration must be more than zero hours, not {hours!r}.", reason="duration", duration=hours
        )
    return minutes


def candidate_starts(first: dt.date, last: dt.date, minutes: int, hours: HoursOfDay | None) -> np.ndarray:
    """Starts (in 15-minute slots from ``first`` 00:00) of every window of ``minutes`` that fits
    inside the allowed dates and hours; sorted, each once."""
    if last < first:
        raise BadWindowError(
            f"The period ends ({last}) before it starts ({first}).", reason="dates", first=first, last=last
        )
    days = (last - first).days + 1
    if hours is None:
        intervals = [(0, days * 1440)]
    else:
        intervals = [(d * 1440 + hours.start_minute, d * 1440 + hours.end_minute) for d in range(days)]
    chunks = []
    for lo, hi in intervals:
        k0 = -(-lo // SLOT_MINUTES)
        k1 = (hi - minutes) // SLOT_MINUTES
        if k1 >= k0:
            chunks.append(np.arange(k0, k1 + 1, dtype=np.int64))
    if not chunks:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(chunks))


def _series(profile: np.ndarray, day_types: np.ndarray) -> np.ndarray:
    """A (2, 96) profile laid out over consecutive days of the given types, slot by slot."""
    return profile[day_types].reshape(-1)


def window_sums(series: np.ndarray, starts: np.ndarray, minutes: int) -> np.ndarray:
    """ENS (kWh) of windows of ``minutes`` starting at each slot of ``starts`` over a kW ``series``.

    Every window is summed in the same order, so windows over identical loads tie exactly.
    """
    full, part = divmod(minutes, SLOT_MINUTES)
    if full:
        windows = sliding_window_view(series, full)[starts]
        total = windows.sum(axis=1) * SLOT_HOURS
    else:
        total = np.zeros(len(starts))
    if part:
        total = total + series[starts + full] * (part / 60)
    return total


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    ens_kwh: float
    weighted_ens_kwh: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "ens_kwh": round(self.ens_kwh, 3),
            "weighted_ens_kwh": round(self.weighted_ens_kwh, 3),
        }


@dataclass(frozen=True)
class Suggestion:
    feeders: tuple[str, ...]
    windows: tuple[Window, ...]
    interrupted: tuple[SupplyPoint, ...]
    #: Interrupted accounts left out of the ranking because their typical load is incomplete.
    unknown: tuple[str, ...]
    candidates: int
    provisional: bool = False


def _profile_sum(loads: TypicalLoads, points: Sequence[SupplyPoint]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(Σ kW, Σ weight × kW) over the points with a complete typical load, and the others' ids."""
    plain = np.zeros((2, SLOTS_PER_DAY))
    weighted = np.zeros((2, SLOTS_PER_DAY))
    unknown = []
    rows, weights = [], []
    for p in points:
        i = loads.row(p.customer_id)
        if i is None or np.isnan(loads.kw[i]).any():
            unknown.append(p.customer_id)
        else:
            rows.append(i)
            weights.append(p.weight)
    if rows:
        block = loads.kw[np.array(rows)]
        plain = block.sum(axis=0)
        weighted = np.tensordot(np.array(weights), block, axes=1)
    return plain, weighted, unknown


def suggest_windows(
    *,
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    feeders: str | Iterable[str],
    duration_hours: float | str,
    first: dt.date,
    last: dt.date,
    calendar: WorkCalendar,
    hours: HoursOfDay | str | None = None,
    loads: TypicalLoads | None = None,
    store_dir: Path | None = None,
    typical_days: int = TYPICAL_DAYS,
    limit: int = 5,
) -> Suggestion:
    """The ``limit`` least harmful windows (least weighted ENS, earliest on ties), best first."""
    out = check_feeders(feeders, known_feeders)
    minutes = duration_minutes(duration_hours)
    allowed = HoursOfDay.parse(hours) if isinstance(hours, str) else hours
    starts = candidate_starts(first, last, minutes, allowed)
    if len(starts) == 0:
        where = f" between {allowed}" if allowed else ""
        raise NoWindowError(
            f"A {minutes / 60:g}-hour outage fits nowhere from {first} to {last}{where}.",
            duration_hours=minutes / 60,
            first=first,
            last=last,
            hours=str(allowed) if allowed else "",
        )
    hit = interrupted_by(points, out)
    if loads is None:
        if store_dir is None:
            raise ValueError("suggest_windows needs loads or store_dir")
        loads = typical_loads(store_dir, [p.customer_id for p in hit], calendar, days=typical_days)
    plain, weighted, unknown = _profile_sum(loads, hit)
    span_days = int((starts[-1] * SLOT_MINUTES + minutes) // 1440) + 1
    types = DayTypes(calendar)
    day_types = types.span(first, span_days)
    ens = window_sums(_series(plain, day_types), starts, minutes)
    wens = window_sums(_series(weighted, day_types), starts, minutes)
    order = np.lexsort((starts, np.round(wens / TIE_KWH)))[: max(limit, 0)]
    origin = dt.datetime.combine(first, dt.time())
    windows = tuple(
        Window(
            start=origin + SLOT * int(starts[i]),
            end=origin + SLOT * int(starts[i]) + dt.timedelta(minutes=minutes),
            ens_kwh=float(ens[i]),
            weighted_ens_kwh=float(wens[i]),
        )
        for i in order
    )
    return Suggestion(
        feeders=out,
        windows=windows,
        interrupted=tuple(hit),
        unknown=tuple(unknown),
        candidates=len(starts),
        provisional=types.provisional or loads.provisional,
    )


# -- month plan (OR-Tools CP-SAT) ------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One outage job of a month plan: which feeders go out, for how long, when it may happen, who does it."""

    job_id: str
    feeders: tuple[str, ...]
    duration_hours: float
    first: dt.date
    last: dt.date
    crew: str
    hours: HoursOfDay | None = None


@dataclass(frozen=True)
class PlannedJob:
    job_id: str
    crew: str
    feeders: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    ens_kwh: float
    weighted_ens_kwh: float
    interrupted: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "crew": self.crew,
            "feeders": list(self.feeders),
            "start": self.start,
            "end": self.end,
            "ens_kwh": round(self.ens_kwh, 3),
            "weighted_ens_kwh": round(self.weighted_ens_kwh, 3),
            "interrupted": list(self.interrupted),
        }


@dataclass(frozen=True)
class Plan:
    #: "optimal", "feasible" (time limit reached with a plan), "naive" (the baseline) or "incomplete"
    #: (the baseline could not place every job).
    status: str
    jobs: tuple[PlannedJob, ...]
    weighted_ens_kwh: float
    ens_kwh: float
    #: Proven lower bound on the weighted ENS of any plan (the solver's; for the baseline, the
    #: sum of each job's best window, which ignores crews and conflicts).
    bound_weighted_ens_kwh: float
    #: Pairs of jobs that must not overlap because of dual supply.
    conflicts: tuple[tuple[str, str], ...]
    #: Interrupted accounts left out of the ENS because their typical load is incomplete.
    unknown: tuple[str, ...]
    unplaced: tuple[str, ...] = ()
    seconds: float = 0.0
    provisional: bool = False

    @property
    def gap(self) -> float:
        """(plan − bound) ÷ plan; 0 for a proven optimum or a plan without ENS."""
        if self.weighted_ens_kwh <= 0:
            return 0.0
        return max(0.0, (self.weighted_ens_kwh - self.bound_weighted_ens_kwh) / self.weighted_ens_kwh)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "weighted_ens_kwh": round(self.weighted_ens_kwh, 3),
            "ens_kwh": round(self.ens_kwh, 3),
            "bound_weighted_ens_kwh": round(self.bound_weighted_ens_kwh, 3),
            "gap": round(self.gap, 6),
            "seconds": round(self.seconds, 3),
            "jobs": [j.as_dict() for j in self.jobs],
            "conflicts": [list(c) for c in self.conflicts],
            "unknown": list(self.unknown),
            "unplaced": list(self.unplaced),
        }


@dataclass
class _Prepared:
    origin: dt.datetime
    jobs: list[Job]
    minutes: list[int]
    slots: list[int]  # occupied 15-minute slots (duration rounded up)
    starts: list[np.ndarray]
    ens: list[np.ndarray]
    wens: list[np.ndarray]
    interrupted: list[tuple[str, ...]]
    conflicts: list[tuple[int, int]]
    unknown: list[str]
    provisional: bool


def dual_supply_conflicts(
    jobs_feeders: Sequence[Iterable[str]], points: Iterable[SupplyPoint]
) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of jobs that must not overlap: together they take out every feeder of
    some account that neither takes out alone.

    When an account's feeders are covered only by three or more jobs together, every pair of
    those jobs that takes out more of them than either job alone is kept apart (stricter than
    needed, but never an interruption the rules forbid).
    """
    sets = [set(f) for f in jobs_feeders]
    pairs: set[tuple[int, int]] = set()
    for point in points:
        need = set(point.feeders)
        if len(need) < 2:
            continue
        touching = [i for i, s in enumerate(sets) if s & need and not need <= s]
        if len(touching) < 2 or not need <= set().union(*(sets[i] for i in touching)):
            continue
        found = False
        for a_index, a in enumerate(touching):
            for b in touching[a_index + 1 :]:
                if need <= sets[a] | sets[b]:
                    pairs.add((a, b))
                    found = True
        if not found:
            # Only pairs that together take out more of the account's feeders than either alone.
            pairs.update(
                (a, b)
                for k, a in enumerate(touching)
                for b in touching[k + 1 :]
                if not (sets[b] & need) <= sets[a] and not (sets[a] & need) <= sets[b]
            )
    return sorted(pairs)


def _prepare(
    jobs: Sequence[Job],
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    calendar: WorkCalendar,
    loads: TypicalLoads | None,
    store_dir: Path | None,
    typical_days: int,
) -> _Prepared:
    if not jobs:
        raise BadWindowError("The plan has no jobs.", reason="no_jobs")
    ids = [j.job_id for j in jobs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise BadWindowError(
            f"Job id(s) used twice: {', '.join(duplicates)}.", reason="duplicate_jobs", jobs=duplicates
        )
    known = set(known_feeders)
    origin_day = min(j.first for j in jobs)
    feeders, minutes, starts, hit = [], [], [], []
    for job in jobs:
        try:
            out = check_feeders(job.feeders, known)
            m = duration_minutes(job.duration_hours)
            cands = candidate_starts(job.first, job.last, m, job.hours)
        except OutageError as exc:
            exc.params["job"] = job.job_id
            raise type(exc)(f"Job {job.job_id}: {exc.message}", **exc.params) from exc
        if len(cands) == 0:
            raise NoWindowError(
                f"Job {job.job_id}: a {m / 60:g}-hour outage fits nowhere from {job.first} to {job.last}"
                + (f" between {job.hours}." if job.hours else "."),
                job=job.job_id,
                duration_hours=m / 60,
                first=job.first,
                last=job.last,
                hours=str(job.hours) if job.hours else "",
            )
        feeders.append(out)
        minutes.append(m)
        starts.append(cands + (job.first - origin_day).days * SLOTS_PER_DAY)
        hit.append(interrupted_by(points, out))
    everyone = list(dict.fromkeys(p.customer_id for h in hit for p in h))
    if loads is None:
        if store_dir is None:
            raise ValueError("plan_month needs loads or store_dir")
        loads = typical_loads(store_dir, everyone, calendar, days=typical_days)
    span_days = max(int((s[-1] * SLOT_MINUTES + m) // 1440) + 1 for s, m in zip(starts, minutes, strict=True))
    types = DayTypes(calendar)
    day_types = types.span(origin_day, span_days)
    ens, wens, unknown = [], [], []
    for points_hit, cands, m in zip(hit, starts, minutes, strict=True):
        plain, weighted, missing = _profile_sum(loads, points_hit)
        unknown += missing
        ens.append(window_sums(_series(plain, day_types), cands, m))
        wens.append(window_sums(_series(weighted, day_types), cands, m))
    return _Prepared(
        origin=dt.datetime.combine(origin_day, dt.time()),
        jobs=list(jobs),
        minutes=minutes,
        slots=[-(-m // SLOT_MINUTES) for m in minutes],
        starts=starts,
        ens=ens,
        wens=wens,
        interrupted=[tuple(p.customer_id for p in h) for h in hit],
        conflicts=dual_supply_conflicts(feeders, points),
        unknown=list(dict.fromkeys(unknown)),
        provisional=types.provisional or loads.provisional,
    )


def _plan_from_choice(
    prep: _Prepared, choice: Sequence[int | None], *, status: str, bound: float, seconds: float
) -> Plan:
    planned = []
    unplaced = []
    for j, k in enumerate(choice):
        job = prep.jobs[j]
        if k is None:
            unplaced.append(job.job_id)
            continue
        start = prep.origin + SLOT * int(prep.starts[j][k])
        planned.append(
            PlannedJob(
                job_id=job.job_id,
                crew=job.crew,
                feeders=tuple(parse_feeders(job.feeders)),
                start=start,
                end=start + dt.timedelta(minutes=prep.minutes[j]),
                ens_kwh=float(prep.ens[j][k]),
                weighted_ens_kwh=float(prep.wens[j][k]),
                interrupted=prep.interrupted[j],
            )
        )
    planned.sort(key=lambda p: (p.start, p.job_id))
    return Plan(
        status=status,
        jobs=tuple(planned),
        weighted_ens_kwh=sum(p.weighted_ens_kwh for p in planned),
        ens_kwh=sum(p.ens_kwh for p in planned),
        bound_weighted_ens_kwh=bound,
        conflicts=tuple((prep.jobs[a].job_id, prep.jobs[b].job_id) for a, b in prep.conflicts),
        unknown=tuple(prep.unknown),
        unplaced=tuple(unplaced),
        seconds=seconds,
        provisional=prep.provisional,
    )


def _greedy_choice(prep: _Prepared, order: Sequence[int], pick: str) -> list[int | None]:
    """Place the jobs in ``order``, each at the earliest (``pick="earliest"``) or the cheapest
    (``pick="cheapest"``, ties → earliest) start that clashes with nothing placed before it."""
    apart: dict[int, set[int]] = {j: set() for j in range(len(prep.jobs))}
    for a, b in prep.conflicts:
        apart[a].add(b)
        apart[b].add(a)
    placed: dict[int, tuple[int, int]] = {}
    choice: list[int | None] = [None] * len(prep.jobs)
    for j in order:
        busy = [placed[o] for o in placed if o in apart[j] or prep.jobs[o].crew == prep.jobs[j].crew]
        starts = prep.starts[j]
        ends = starts + prep.slots[j]
        free = np.ones(len(starts), dtype=bool)
        for bs, be in busy:
            free &= (ends <= bs) | (starts >= be)
        candidates = np.flatnonzero(free)
        if len(candidates) == 0:
            continue
        if pick == "cheapest":
            costs = np.rint(prep.wens[j][candidates] * _WH)
            k = int(candidates[np.flatnonzero(costs == costs.min())[0]])
        else:
            k = int(candidates[0])
        choice[j] = k
        placed[j] = (int(starts[k]), int(ends[k]))
    return choice


def _naive_choice(prep: _Prepared) -> list[int | None]:
    """Each job (by first allowed date, then id) at its earliest start clashing with nothing placed."""
    order = sorted(range(len(prep.jobs)), key=lambda j: (prep.jobs[j].first, prep.jobs[j].job_id))
    return _greedy_choice(prep, order, "earliest")


def _cheapest_choice(prep: _Prepared) -> list[int | None]:
    """The most harmful jobs first, each at its least harmful free start."""
    order = sorted(
        range(len(prep.jobs)),
        key=lambda j: (-float(prep.wens[j].min()), len(prep.starts[j]), prep.jobs[j].job_id),
    )
    return _greedy_choice(prep, order, "cheapest")


def _cost_wh(prep: _Prepared, choice: Sequence[int | None]) -> int | None:
    if any(k is None for k in choice):
        return None
    return int(sum(int(np.rint(prep.wens[j][k] * _WH)) for j, k in enumerate(choice) if k is not None))


def _best_bound(prep: _Prepared) -> float:
    return float(sum(w.min() for w in prep.wens))


def naive_plan(
    *,
    jobs: Sequence[Job],
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    calendar: WorkCalendar,
    loads: TypicalLoads | None = None,
    store_dir: Path | None = None,
    typical_days: int = TYPICAL_DAYS,
) -> Plan:
    """The baseline a planner would make by hand: every job as early as it can go."""
    import time

    began = time.perf_counter()
    prep = _prepare(jobs, points, known_feeders, calendar, loads, store_dir, typical_days)
    choice = _naive_choice(prep)
    status = "naive" if all(c is not None for c in choice) else "incomplete"
    return _plan_from_choice(prep, choice, status=status, bound=_best_bound(prep), seconds=time.perf_counter() - began)


#: ENS is optimised in whole watt-hours (CP-SAT works in integers).
_WH = 1000


def plan_month(
    *,
    jobs: Sequence[Job],
    points: Sequence[SupplyPoint],
    known_feeders: Iterable[str],
    calendar: WorkCalendar,
    loads: TypicalLoads | None = None,
    store_dir: Path | None = None,
    typical_days: int = TYPICAL_DAYS,
    time_limit_s: float = 30.0,
    workers: int = 2,
    relative_gap: float = 0.0,
    max_model_starts: int = 20_000,
    max_starts_per_job: int = 24,
    bound_iterations: int = 400,
    bound_share: float = 0.4,
) -> Plan:
    """The plan with the least total weighted ENS (OR-Tools CP-SAT), within ``time_limit_s``.

    Each job takes one start among its allowed windows (15-minute grid); jobs of one crew never
    overlap; jobs in :func:`dual_supply_conflicts` never overlap. The naive plan seeds the search.
    Stops at the time limit with the best plan found and the solver's bound (``status`` "feasible").

    Exactness: the best of two greedy plans (cheapest-first, earliest-first) is the incumbent *U*;
    starts that no plan as good as it can use are dropped (exact). If more than
    ``max_model_starts`` starts remain, a Lagrangian relaxation of the crew and dual-supply
    constraints (:func:`~powerkam.analytics.outage_bound.lagrangian_bound`: ``bound_iterations``
    steps or fewer on convergence — the same bound on every run, whatever the machine's load;
    ``bound_share`` of the time is only a safety net) gives a lower bound *L* of the full problem
    (every 15-minute start), reduced costs, and plans placed at its prices, the best of which
    becomes *U* when cheaper. If *U* is then within ``relative_gap`` of *L*, that plan is returned
    at once (no search: the same plan on every run). Otherwise starts no plan as good as *U* can
    use are dropped by reduced cost (still exact); if the model is still too big, each job keeps
    its ``max_starts_per_job`` cheapest starts, as many of the cheapest at the relaxation's prices,
    and the incumbent's, and CP-SAT (hinted with *U*) searches those: the plan is then never worse
    than *U* and the reported bound is *L* (or the per-job sum, if larger) — never the restricted
    model's own bound.
    """
    import time

    began = time.perf_counter()
    prep = _prepare(jobs, points, known_feeders, calendar, loads, store_dir, typical_days)
    costs = [np.rint(w * _WH).astype(np.int64) for w in prep.wens]
    lower = int(sum(int(c.min()) for c in costs))
    # The best of two greedy plans is the incumbent U. Any plan costing at most U gives job j at
    # most U − Σ_{i≠j} min_i, so every start dearer than that is dropped: the model stays exact
    # (it holds every plan as good as U, the optimum among them) and becomes small.
    incumbent: list[int | None] | None = None
    upper: int | None = None
    for greedy in (_cheapest_choice(prep), _naive_choice(prep)):
        cost = _cost_wh(prep, greedy)
        if cost is not None and (upper is None or cost < upper):
            incumbent, upper = greedy, cost
    if incumbent is not None and upper == lower:
        return _plan_from_choice(
            prep, incumbent, status="optimal", bound=_best_bound(prep), seconds=time.perf_counter() - began
        )
    keep = [
        np.flatnonzero(c <= int(c.min()) + (upper - lower)) if upper is not None else np.arange(len(c)) for c in costs
    ]
    exact = sum(len(k) for k in keep) <= max_model_starts
    if not exact:
        # Too big for an exact model as it stands: a Lagrangian relaxation of the crew and pair
        # constraints (powerkam.analytics.outage_bound) gives a much better bound L of the full
        # problem, and with it reduced costs: a plan with job j at start s costs at least
        # L + reduced_j(s), so starts above U are dropped — still exact.
        crew_numbers: dict[str, int] = {}
        crew_of = [crew_numbers.setdefault(job.crew, len(crew_numbers)) for job in prep.jobs]
        relaxed = lagrangian_bound(
            starts=prep.starts,
            slots=prep.slots,
            costs=[c.astype(np.float64) for c in costs],
            crews=crew_of,
            pairs=[(a, b) for a, b in prep.conflicts if crew_of[a] != crew_of[b]],
            upper=float(upper) if upper is not None else None,
            time_limit_s=bound_share * time_limit_s,
            max_iterations=bound_iterations,
        )
        # Integer costs: any plan costs a whole number of Wh ≥ L.
        lower = max(lower, math.ceil(relaxed.bound - 1e-6 * max(1.0, abs(relaxed.bound))))
        # The plans the prices lead to are usually far better than the greedy ones.
        if relaxed.plan is not None:
            cost = _cost_wh(prep, relaxed.plan)
            if cost is not None and (upper is None or cost < upper):
                incumbent, upper = list(relaxed.plan), cost
        if incumbent is not None and upper is not None and upper - lower <= relative_gap * upper:
            # Already within the asked gap of the bound: no search needed (and the same plan every run).
            return _plan_from_choice(
                prep,
                incumbent,
                status="optimal" if upper <= lower else "feasible",
                bound=min(lower, upper) / _WH,
                seconds=time.perf_counter() - began,
            )
        if upper is not None:
            keep = [k[relaxed.bound + r[k] <= upper + 1e-6 * upper] for k, r in zip(keep, relaxed.reduced, strict=True)]
        exact = sum(len(k) for k in keep) <= max_model_starts
        if not exact:
            # Still too many: each job keeps its cheapest ``max_starts_per_job`` starts, as many
            # of the cheapest at the relaxation's prices (those that fit with the others), and
            # the incumbent's. The plan is the best among those; the bound stays L (never the
            # restricted model's, which is not a bound of the full problem).
            keep = [
                np.unique(
                    np.concatenate(
                        [
                            k[np.lexsort((k, c[k]))[:max_starts_per_job]],
                            k[np.lexsort((k, r[k]))[:max_starts_per_job]],
                            [incumbent[j]] if incumbent is not None and incumbent[j] is not None else [],
                        ]
                    ).astype(np.int64)
                )
                for j, (k, c, r) in enumerate(zip(keep, costs, relaxed.reduced, strict=True))
            ]
    from ortools.sat.python import cp_model  # imported only when a search is needed (slow to load)

    # Time-indexed model: x[j][k] = job j starts at its k-th kept start. Two windows overlap
    # exactly when they share a 15-minute slot, so "one job at a time" is an at-most-one per slot
    # over the starts that cover it — per crew, and per pair of dual-supply conflicting jobs.
    # These cliques give a far tighter LP bound than interval no-overlap constraints.
    model = cp_model.CpModel()
    chosen: list[list[Any]] = []
    objective_vars: list[Any] = []
    objective_coeffs: list[int] = []
    for j in range(len(prep.jobs)):
        x = [model.new_bool_var(f"x{j}_{k}") for k in range(len(keep[j]))]
        model.add_exactly_one(x)
        chosen.append(x)
        objective_vars += x
        objective_coeffs += costs[j][keep[j]].tolist()

    def covering(members: Sequence[int]) -> dict[int, list[Any]]:
        by_slot: dict[int, list[Any]] = {}
        for j in members:
            for var, s0 in zip(chosen[j], prep.starts[j][keep[j]].tolist(), strict=True):
                for t in range(s0, s0 + prep.slots[j]):
                    by_slot.setdefault(t, []).append((j, var))
        return {t: [v for _j, v in entries] for t, entries in by_slot.items() if len({e[0] for e in entries}) > 1}

    crews: dict[str, list[int]] = {}
    for j, job in enumerate(prep.jobs):
        crews.setdefault(job.crew, []).append(j)
    for members in crews.values():
        if len(members) > 1:
            for group in covering(members).values():
                model.add_at_most_one(group)
    for a, b in prep.conflicts:
        if prep.jobs[a].crew != prep.jobs[b].crew:
            for group in covering([a, b]).values():
                model.add_at_most_one(group)
    model.minimize(cp_model.LinearExpr.weighted_sum(objective_vars, objective_coeffs))
    if incumbent is not None:
        for j, k in enumerate(incumbent):
            position = int(np.searchsorted(keep[j], k if k is not None else -1))
            for kk, var in enumerate(chosen[j]):
                model.add_hint(var, kk == position)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, int(workers))
    if relative_gap:
        solver.parameters.relative_gap_limit = float(relative_gap)
    # The clock runs from the call: the model's own building counts against the limit.
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - began))

    class _CloseEnough(cp_model.CpSolverSolutionCallback):
        """Stop once a plan is within ``relative_gap`` of the bound proven before the search."""

        def on_solution_callback(self) -> None:
            if self.objective_value - lower <= relative_gap * self.objective_value:
                self.stop_search()

    status = solver.solve(model, _CloseEnough() if relative_gap and not exact else None)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status == cp_model.INFEASIBLE and exact:
            raise NoWindowError(
                "No plan fits every job into its allowed dates and hours with one job per crew at a time "
                "and dual-supply jobs apart.",
                infeasible=True,
            )
        if incumbent is None:
            raise NoWindowError(
                f"No plan was found within {time_limit_s:g} seconds; allow more time or wider windows.",
                time_limit_s=time_limit_s,
            )
        return _plan_from_choice(
            prep, incumbent, status="feasible", bound=lower / _WH, seconds=time.perf_counter() - began
        )
    choice: list[int | None] = [
        int(keep[j][next(k for k, var in enumerate(x) if solver.value(var))]) for j, x in enumerate(chosen)
    ]
    chosen_cost = _cost_wh(prep, choice) or 0
    if incumbent is not None and upper is not None and chosen_cost > upper:
        choice, chosen_cost = list(incumbent), upper  # the solver stopped before matching its hint
    optimal = exact and status == cp_model.OPTIMAL
    if optimal:
        bound_wh = chosen_cost
    elif exact:
        bound_wh = max(lower, int(solver.best_objective_bound))
    else:
        bound_wh = lower
    return _plan_from_choice(
        prep,
        choice,
        status="optimal" if optimal else "feasible",
        bound=min(bound_wh / _WH, sum(float(prep.wens[j][k]) for j, k in enumerate(choice) if k is not None)),
        seconds=time.perf_counter() - began,
    )


def window_curves(
    loads: TypicalLoads,
    customer_ids: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
    calendar: WorkCalendar,
    *,
    margin: dt.timedelta = dt.timedelta(hours=2),
) -> tuple[list[dt.datetime], dict[str, list[float | None]]]:
    """Typical kW of each customer, slot by slot, from ``margin`` before the window to ``margin`` after
    (each slot on its own day's type) — what the impact view draws."""
    origin = dt.datetime.combine(start.date(), dt.time())
    first = int((start - margin - origin) // SLOT)
    last = math.ceil((end + margin - origin) / SLOT)
    types = DayTypes(calendar)
    times = [origin + SLOT * i for i in range(first, last)]
    day_types = np.array([types.of(t.date()) for t in times], dtype=np.int64)
    slots = np.array([(t.hour * 60 + t.minute) // SLOT_MINUTES for t in times], dtype=np.int64)
    curves: dict[str, list[float | None]] = {}
    for cid in customer_ids:
        profile = loads.profile(cid)
        if profile is None:
            continue
        values = profile[day_types, slots]
        curves[cid] = [None if np.isnan(v) else round(float(v), 2) for v in values]
    return times, curves
