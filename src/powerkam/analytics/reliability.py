"""Supply reliability per account (docs/rules.md §4, first rule), pure Python.

A customer is interrupted only while **every** feeder that supplies it is out: a dual-supply
account rides through the loss of one feeder. Its interruptions are therefore the
*intersection* over its feeders of each feeder's outage intervals (each feeder's own
intervals are united first: two overlapping outages of one feeder are one dead period).

- :func:`merge_intervals`, :func:`intersect_intervals` — the interval arithmetic.
- :func:`supply_interruptions` — one account's interruptions from its feeders' outage history,
  each marked planned (every outage active during it was planned) or unplanned (at least one was not).
- :func:`combine_interruptions` — an account's interruptions from its feeders and those recorded on
  the account itself (a fault repair's outage), each period counted once.
- :func:`account_reliability` — interruptions, hours, planned vs unplanned per account over a period
  (the last 12 months by default), intervals clipped to the period.
- :func:`read_feeder_outages` — the ``outages`` dataset of the analytics store, for a period.
- :func:`upgrade_candidates` and :func:`connection_priority` — the grid-upgrade list and the
  order in which key accounts should be connected to a newly commissioned source.

Timestamps are naive local time (Asia/Shanghai), as in the store. Intervals are half-open
``[start, end)``: a feeder back at 10:00 and another lost at 10:00 never overlap.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from powerkam.analytics import store

Interval = tuple[dt.datetime, dt.datetime]

#: Reliability is judged over this many calendar months ending at ``as_of``.
RELIABILITY_MONTHS = 12


# -- interval arithmetic ----------------------------------------------------------------------


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals`` as sorted, disjoint intervals (touching ones are joined)."""
    result: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def intersect_intervals(per_feeder: Sequence[Iterable[Interval]]) -> list[Interval]:
    """Times at which every member of ``per_feeder`` is inside one of its intervals.

    Each member's intervals are united first; the result is sorted and disjoint. No members → no time.
    """
    if not per_feeder:
        return []
    current = merge_intervals(per_feeder[0])
    for other in per_feeder[1:]:
        merged = merge_intervals(other)
        result: list[Interval] = []
        i = j = 0
        while i < len(current) and j < len(merged):
            start = max(current[i][0], merged[j][0])
            end = min(current[i][1], merged[j][1])
            if start < end:
                result.append((start, end))
            if current[i][1] < merged[j][1]:
                i += 1
            else:
                j += 1
        current = result
        if not current:
            break
    return current


# -- outages and interruptions ------------------------------------------------------------------


@dataclass(frozen=True)
class FeederOutage:
    """One row of the ``outages`` dataset: a feeder out of service over ``[start, end)``."""

    feeder_id: str
    start: dt.datetime
    end: dt.datetime
    planned: bool
    outage_id: str = ""
    cause: str = ""


@dataclass(frozen=True)
class Interruption:
    """A maximal period during which every feeder of an account was out."""

    start: dt.datetime
    end: dt.datetime
    #: True when every outage active during the interruption was planned.
    planned: bool
    outage_ids: tuple[str, ...] = ()

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def supply_interruptions(outages: Iterable[FeederOutage], feeders: Sequence[str]) -> list[Interruption]:
    """The interruptions of an account supplied by ``feeders`` (all must be out at the same time).

    A sweep over the start and end times of the feeders' outages: after each instant the account
    is interrupted if every feeder has at least one active outage. Touching pieces join into one
    interruption, which is unplanned if any outage active during it was unplanned.
    """
    wanted = list(dict.fromkeys(feeders))
    if not wanted:
        return []
    mine = [o for o in outages if o.feeder_id in wanted and o.end > o.start]
    events: dict[dt.datetime, list[tuple[int, FeederOutage]]] = {}
    for outage in mine:
        events.setdefault(outage.start, []).append((+1, outage))
        events.setdefault(outage.end, []).append((-1, outage))
    active: dict[str, int] = dict.fromkeys(wanted, 0)
    active_outages: dict[int, FeederOutage] = {}
    pieces: list[tuple[dt.datetime, dt.datetime, bool, set[str]]] = []
    times = sorted(events)
    for index, instant in enumerate(times):
        for delta, outage in events[instant]:
            active[outage.feeder_id] += delta
            if delta > 0:
                active_outages[id(outage)] = outage
            else:
                active_outages.pop(id(outage), None)
        if index + 1 < len(times) and all(count > 0 for count in active.values()):
            unplanned = any(not o.planned for o in active_outages.values())
            ids = {o.outage_id for o in active_outages.values() if o.outage_id}
            pieces.append((instant, times[index + 1], unplanned, ids))
    result: list[Interruption] = []
    current: list = []
    for start, end, unplanned, ids in pieces:
        if current and current[1] == start:
            current[1] = end
            current[2] = current[2] or unplanned
            current[3] |= ids
        else:
            if current:
                result.append(Interruption(current[0], current[1], not current[2], tuple(sorted(current[3]))))
            current = [start, end, unplanned, set(ids)]
    if current:
        result.append(Interruption(current[0], current[1], not current[2], tuple(sorted(current[3]))))
    return result


def combine_interruptions(*records: Iterable[Interruption]) -> list[Interruption]:
    """One account's interruptions from several records — those of its feeders' outage history and
    those recorded on the account itself (the outage of a fault repair, docs/service.md) — as maximal
    periods: overlapping or touching interruptions are one, unplanned if any part of it was, with
    every record's ids. So an outage that two records both know is counted once."""
    result: list[Interruption] = []
    for event in sorted((e for r in records for e in r if e.end > e.start), key=lambda e: (e.start, e.end)):
        if result and event.start <= result[-1].end:
            last = result[-1]
            result[-1] = Interruption(
                last.start,
                max(last.end, event.end),
                last.planned and event.planned,
                tuple(sorted(set(last.outage_ids) | set(event.outage_ids))),
            )
        else:
            result.append(event)
    return result


# -- reliability --------------------------------------------------------------------------------


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` minus ``months`` calendar months (the 31st becomes the last day of a shorter month)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


@dataclass(frozen=True)
class Reliability:
    customer_id: str
    feeders: tuple[str, ...]
    since: dt.datetime
    until: dt.datetime
    interruptions: int
    hours: float
    planned_interruptions: int
    planned_hours: float
    unplanned_interruptions: int
    unplanned_hours: float
    events: tuple[Interruption, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict:
        return {
            "customer_id": self.customer_id,
            "feeders": list(self.feeders),
            "since": self.since,
            "until": self.until,
            "interruptions": self.interruptions,
            "hours": round(self.hours, 2),
            "planned_interruptions": self.planned_interruptions,
            "planned_hours": round(self.planned_hours, 2),
            "unplanned_interruptions": self.unplanned_interruptions,
            "unplanned_hours": round(self.unplanned_hours, 2),
        }


def account_reliability(
    supply: Mapping[str, Sequence[str]],
    outages: Sequence[FeederOutage],
    *,
    until: dt.datetime,
    months: int = RELIABILITY_MONTHS,
    own: Mapping[str, Sequence[Interruption]] | None = None,
) -> dict[str, Reliability]:
    """Reliability of every account in ``supply`` (customer id → its feeders) over the ``months``
    calendar months ending at ``until``.

    ``own``: interruptions recorded on an account itself (customer id → interruptions; fault repairs),
    joined with those of its feeders by :func:`combine_interruptions`; an account found only there is
    reported too. An interruption that began before the period counts, with only its hours inside the
    period. An account without feeders has no interruptions but its own.
    """
    since = months_before(until, months)
    own = own or {}
    by_feeder: dict[str, list[FeederOutage]] = {}
    for outage in outages:
        if outage.end > since and outage.start < until:
            by_feeder.setdefault(outage.feeder_id, []).append(outage)
    result: dict[str, Reliability] = {}
    accounts: dict[str, Sequence[str]] = {**dict.fromkeys(own, ()), **supply}
    for customer_id, feeders in accounts.items():
        relevant = [o for f in dict.fromkeys(feeders) for o in by_feeder.get(f, ())]
        events = []
        from_feeders = supply_interruptions(relevant, list(feeders)) if feeders else []
        for event in combine_interruptions(from_feeders, own.get(customer_id, ())):
            start, end = max(event.start, since), min(event.end, until)
            if start < end:
                events.append(Interruption(start, end, event.planned, event.outage_ids))
        planned = [e for e in events if e.planned]
        unplanned = [e for e in events if not e.planned]
        result[customer_id] = Reliability(
            customer_id=customer_id,
            feeders=tuple(feeders),
            since=since,
            until=until,
            interruptions=len(events),
            hours=sum(e.hours for e in events),
            planned_interruptions=len(planned),
            planned_hours=sum(e.hours for e in planned),
            unplanned_interruptions=len(unplanned),
            unplanned_hours=sum(e.hours for e in unplanned),
            events=tuple(events),
        )
    return result


def read_feeder_outages(
    store_dir: Path,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    feeders: Iterable[str] | None = None,
) -> list[FeederOutage]:
    """Rows of the store's ``outages`` dataset overlapping ``[since, until)`` (empty if there is none)."""
    path = store.dataset_path(store_dir, "outages")
    if not path.exists():
        return []
    sql = 'SELECT outage_id, feeder_id, start, "end", planned, cause FROM read_parquet(?) WHERE TRUE'
    params: list = [str(path)]
    if since is not None:
        sql += ' AND "end" > ?'
        params.append(since)
    if until is not None:
        sql += " AND start < ?"
        params.append(until)
    wanted = None if feeders is None else sorted(set(feeders))
    if wanted is not None:
        if not wanted:
            return []
        sql += " AND feeder_id IN (SELECT unnest(?::VARCHAR[]))"
        params.append(wanted)
    sql += " ORDER BY start, feeder_id, outage_id"
    with duckdb.connect(":memory:") as con:
        rows = con.execute(sql, params).fetchall()
    return [
        FeederOutage(
            feeder_id=feeder_id, start=start, end=end, planned=bool(planned), outage_id=outage_id, cause=cause or ""
        )
        for outage_id, feeder_id, start, end, planned, cause in rows
    ]


# -- grid-upgrade candidates and connection priority --------------------------------------------


@dataclass(frozen=True)
class KeyAccountSupply:
    """What the upgrade and priority lists need to know about one key account."""

    customer_id: str
    name: str
    feeders: tuple[str, ...]
    contract_capacity_kva: float
    important_grade: str = ""
    district: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class FeederCapacity:
    feeder_id: str
    name: str
    rated_capacity_kva: float | None
    peak_load_kw: float | None
    #: Capacity already promised to prospects (kW), subtracted from the headroom.
    reserved_kw: float = 0.0
    substation_id: str = ""


@dataclass(frozen=True)
class UpgradeThresholds:
    #: A key account with more interruptions than this in the period is a candidate …
    max_interruptions: int = 3
    #: … or with more interrupted hours than this (8.76 h = 99.9 % availability, RS-3).
    max_hours: float = 8.76
    #: Important-user grades that need at least two independent feeders.
    multi_supply_grades: tuple[str, ...] = ("special", "first")
    #: Growth of its key accounts a feeder must be able to take, as a share of their contract capacity.
    growth_fraction: float = 0.2
    #: Power factor that turns kVA into kW for the headroom.
    power_factor: float = 0.9


@dataclass(frozen=True)
class UpgradeCandidate:
    kind: str  # "account" or "feeder"
    subject_id: str
    name: str
    #: Machine-readable reasons: ("interruptions", n, limit), ("hours", h, limit),
    #: ("single_supply", grade, feeders), ("headroom", headroom_kw, needed_kw).
    reasons: tuple[tuple, ...]


def feeder_headroom_kw(feeder: FeederCapacity, power_factor: float = 0.9) -> float | None:
    """Rated capacity as kW at ``power_factor`` − peak load − reservations (None without a rating)."""
    if feeder.rated_capacity_kva is None:
        return None
    return feeder.rated_capacity_kva * power_factor - (feeder.peak_load_kw or 0.0) - feeder.reserved_kw


def upgrade_candidates(
    accounts: Sequence[KeyAccountSupply],
    reliability: Mapping[str, Reliability],
    feeders: Sequence[FeederCapacity],
    thresholds: UpgradeThresholds = UpgradeThresholds(),
) -> list[UpgradeCandidate]:
    """Key accounts and feeders that need grid work, each with the reasons that put it on the list.

    - a key account above the interruption count or hours threshold;
    - a special/first-grade important user supplied by fewer than two distinct feeders;
    - a feeder whose headroom cannot take ``growth_fraction`` of its key accounts' contract capacity
      (every feeder of a dual-supply account must be able to carry it alone).
    """
    result: list[UpgradeCandidate] = []
    for account in accounts:
        reasons: list[tuple] = []
        rel = reliability.get(account.customer_id)
        if rel is not None:
            if rel.interruptions > thresholds.max_interruptions:
                reasons.append(("interruptions", rel.interruptions, thresholds.max_interruptions))
            if rel.hours > thresholds.max_hours:
                reasons.append(("hours", round(rel.hours, 2), thresholds.max_hours))
        distinct = len(set(account.feeders))
        if account.important_grade in thresholds.multi_supply_grades and distinct < 2:
            reasons.append(("single_supply", account.important_grade, distinct))
        if reasons:
            result.append(UpgradeCandidate("account", account.customer_id, account.name, tuple(reasons)))
    needed: dict[str, float] = {}
    for account in accounts:
        for feeder_id in set(account.feeders):
            needed[feeder_id] = needed.get(feeder_id, 0.0) + (
                account.contract_capacity_kva * thresholds.power_factor * thresholds.growth_fraction
            )
    for feeder in feeders:
        if feeder.feeder_id not in needed:
            continue
        headroom = feeder_headroom_kw(feeder, thresholds.power_factor)
        if headroom is not None and headroom < needed[feeder.feeder_id]:
            result.append(
                UpgradeCandidate(
                    "feeder",
                    feeder.feeder_id,
                    feeder.name,
                    (("headroom", round(headroom, 1), round(needed[feeder.feeder_id], 1)),),
                )
            )
    return result


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, WGS-84 mean radius)."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class NewSource:
    """A substation or feeder being commissioned: where it is."""

    source_id: str
    district: str = ""
    latitude: float | None = None
    longitude: float | None = None
    #: Accounts farther than this (when both have coordinates) are left off the list.
    max_distance_km: float | None = None


@dataclass(frozen=True)
class PriorityEntry:
    rank: int
    customer_id: str
    name: str
    district: str
    same_district: bool
    distance_km: float | None
    #: Important user without the multiple supply its grade requires.
    needs_second_supply: bool
    interruptions: int
    hours: float
    feeders: tuple[str, ...]


def connection_priority(
    source: NewSource,
    accounts: Sequence[KeyAccountSupply],
    reliability: Mapping[str, Reliability],
    thresholds: UpgradeThresholds = UpgradeThresholds(),
) -> list[PriorityEntry]:
    """Key accounts to connect first to a new source, best first.

    Considered: accounts in the source's district, and — when both have coordinates — any account
    within ``max_distance_km``. Order: important users lacking required multiple supply first, then
    the least reliable (most interrupted hours, then most interruptions), then the nearest
    (distance when known, else same district before others), then the customer id.
    """
    entries = []
    for account in accounts:
        same = bool(source.district) and account.district == source.district
        distance = None
        if None not in (source.latitude, source.longitude, account.latitude, account.longitude):
            distance = distance_km(source.latitude, source.longitude, account.latitude, account.longitude)  # type: ignore[arg-type]
        if distance is not None and source.max_distance_km is not None:
            if distance > source.max_distance_km:
                continue
        elif not same:
            continue
        rel = reliability.get(account.customer_id)
        needs = account.important_grade in thresholds.multi_supply_grades and len(set(account.feeders)) < 2
        entries.append(
            (
                (
                    not needs,
                    -(rel.hours if rel else 0.0),
                    -(rel.interruptions if rel else 0),
                    distance if distance is not None else math.inf,
                    not same,
                    account.customer_id,
                ),
                account,
                same,
                distance,
                needs,
                rel,
            )
        )
    entries.sort(key=lambda e: e[0])
    return [
        PriorityEntry(
            rank=i + 1,
            customer_id=account.customer_id,
            name=account.name,
            district=account.district,
            same_district=same,
            distance_km=None if distance is None else round(distance, 2),
            needs_second_supply=needs,
            interruptions=rel.interruptions if rel else 0,
            hours=round(rel.hours, 2) if rel else 0.0,
            feeders=account.feeders,
        )
        for i, (_key, account, same, distance, needs, rel) in enumerate(entries)
    ]
