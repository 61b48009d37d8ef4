"""Reads for the network pages of the /grid/ area: topology (substations → feeders → accounts),
reliability per key account over the last 12 months from the outage history, grid-upgrade
candidates, and the order in which key accounts should be connected to a newly commissioned source.

They live with the outages because the outage history and the outage rules (reliability months,
thresholds, power factor) govern all of them; the grid app below keeps the network itself
(substations, feeders) and its capacity headroom (docs/architecture.md, "Layers")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from powerkam.accounts.models import Account, KeyStatus
from powerkam.analytics import reliability as rel
from powerkam.analytics.outages import parse_feeders
from powerkam.grid import capacity
from powerkam.grid.models import Feeder, Substation
from powerkam.outages.selectors import outage_rules, store_dir, to_aware, to_local_naive


@dataclass
class FeederNode:
    feeder: Feeder
    accounts: list[Account] = field(default_factory=list)
    headroom_kw: float | None = None

    @property
    def key_accounts(self) -> list[Account]:
        return [a for a in self.accounts if a.key_status == KeyStatus.KEY]


@dataclass
class SubstationNode:
    substation: Substation
    feeders: list[FeederNode] = field(default_factory=list)


def _reserved_kva(feeder: Feeder) -> float:
    """Capacity held on the feeder (by active reservations of prospects), kVA."""
    return float(capacity.feeder_headroom(feeder).reserved_kva)


def topology(*, key_only: bool = True) -> list[SubstationNode]:
    """Every active substation with its feeders and the (key) accounts each feeder supplies."""
    rules = outage_rules()
    accounts = Account.objects.active().exclude(feeders="")
    if key_only:
        accounts = accounts.filter(key_status=KeyStatus.KEY)
    by_feeder: dict[str, list[Account]] = {}
    for account in accounts.order_by("customer_id"):
        for feeder_id in parse_feeders(account.feeders):
            by_feeder.setdefault(feeder_id, []).append(account)
    nodes = []
    for substation in Substation.objects.filter(archived=False).prefetch_related("feeders"):
        node = SubstationNode(substation)
        for feeder in substation.feeders.all():
            if feeder.archived:
                continue
            capacity = _capacity(feeder, rules.power_factor)
            node.feeders.append(
                FeederNode(
                    feeder, by_feeder.get(feeder.feeder_id, []), rel.feeder_headroom_kw(capacity, rules.power_factor)
                )
            )
        nodes.append(node)
    return nodes


@dataclass(frozen=True)
class TopologyFilters:
    """What the topology page narrows to: one substation (its id), feeders whose id or name contains
    ``q``, only feeders supplying a key account the user sees, and every account at 10 kV and above
    instead of the key accounts alone."""

    substation: str = ""
    q: str = ""
    with_key_accounts: bool = False
    all_accounts: bool = False


def topology_feeders(*, visible: set[str] | None, filters: TopologyFilters) -> list[FeederNode]:
    """The active feeders of active substations that ``filters`` keep, by substation then feeder id,
    each with the accounts it supplies among ``visible`` customer ids (``None``: all of them).

    Headroom is left out: it reads each feeder's reservations, so the page computes it for the
    feeders it shows only (:func:`fill_headroom`)."""
    accounts = Account.objects.active().exclude(feeders="")
    if not filters.all_accounts:
        accounts = accounts.filter(key_status=KeyStatus.KEY)
    by_feeder: dict[str, list[Account]] = {}
    for account in accounts.order_by("customer_id").only(
        "customer_id", "name", "feeders", "key_status", "grade", "district"
    ):
        if visible is not None and account.customer_id not in visible:
            continue
        for feeder_id in parse_feeders(account.feeders):
            by_feeder.setdefault(feeder_id, []).append(account)
    feeders = Feeder.objects.filter(archived=False, substation__archived=False).select_related("substation")
    if filters.substation:
        feeders = feeders.filter(substation__substation_id=filters.substation)
    if filters.q:
        feeders = feeders.filter(Q(feeder_id__icontains=filters.q) | Q(name__icontains=filters.q))
    nodes = [
        FeederNode(f, by_feeder.get(f.feeder_id, []))
        for f in feeders.order_by("substation__substation_id", "feeder_id")
    ]
    if filters.with_key_accounts:
        nodes = [n for n in nodes if n.key_accounts]
    return nodes


def fill_headroom(nodes: Iterable[FeederNode]) -> None:
    """Set each node's headroom (kW): rated capacity less peak load and reserved prospects."""
    power_factor = outage_rules().power_factor
    for node in nodes:
        node.headroom_kw = rel.feeder_headroom_kw(_capacity(node.feeder, power_factor), power_factor)


def substation_choices() -> list[tuple[str, str]]:
    """(id, name) of the active substations, for the topology page's filter."""
    return list(
        Substation.objects.filter(archived=False).order_by("substation_id").values_list("substation_id", "name")
    )


def _capacity(feeder: Feeder, power_factor: float) -> rel.FeederCapacity:
    return rel.FeederCapacity(
        feeder_id=feeder.feeder_id,
        name=feeder.name,
        rated_capacity_kva=None if feeder.rated_capacity_kva is None else float(feeder.rated_capacity_kva),
        peak_load_kw=None if feeder.peak_load_kw is None else float(feeder.peak_load_kw),
        reserved_kw=_reserved_kva(feeder) * power_factor if feeder.rated_capacity_kva is not None else 0.0,
        substation_id=feeder.substation.substation_id if feeder.substation_id else "",
    )


def _key_supply() -> list[rel.KeyAccountSupply]:
    rows = Account.objects.active().key_accounts().order_by("customer_id")
    return [
        rel.KeyAccountSupply(
            customer_id=a.customer_id,
            name=a.name,
            feeders=tuple(parse_feeders(a.feeders)),
            contract_capacity_kva=float(a.contract_capacity_kva),
            important_grade=a.important_grade,
            district=a.district,
            latitude=None if a.latitude is None else float(a.latitude),
            longitude=None if a.longitude is None else float(a.longitude),
        )
        for a in rows
    ]


def own_interruptions(
    *, since: dt.datetime, until: dt.datetime, accounts: Any = None
) -> dict[str, list[rel.Interruption]]:
    """Interruptions recorded on the accounts themselves in ``[since, until)`` (naive local times):
    the outages of restored fault repairs (service.FaultInterruption, docs/service.md), unplanned,
    named ``ticket:<id>``. ``accounts``: a queryset of accounts to limit them to."""
    from powerkam.service.selectors import fault_interruptions  # the service desk records them

    rows = fault_interruptions(end_after=to_aware(since), start_before=to_aware(until), accounts=accounts)
    out: dict[str, list[rel.Interruption]] = {}
    for row in rows:
        out.setdefault(row.account.customer_id, []).append(
            rel.Interruption(
                to_local_naive(row.start),
                to_local_naive(row.end),
                planned=False,
                outage_ids=(f"ticket:{row.ticket_id}",),
            )
        )
    return out


def recent_fault_interruptions(*, account: Account, limit: int = 10) -> list[Any]:
    """The newest outages of ``account``'s restored fault repairs (service.FaultInterruption), with their
    tickets, newest first: the 360 page's reliability panel lists them beside the planned outages."""
    from powerkam.service.selectors import recent_fault_interruptions as recent  # the service desk records them

    return list(recent(account=account, limit=limit))


def reliability_table(*, until: dt.datetime | None = None, key_only: bool = True) -> list[rel.Reliability]:
    """Reliability of every (key) account with feeders — or with a fault repair's outage on its record —
    over the rules' months (12) ending ``until`` (now)."""
    rules = outage_rules()
    end = to_local_naive(until or timezone.now())
    accounts = Account.objects.active()
    if key_only:
        accounts = accounts.filter(key_status=KeyStatus.KEY)
    supply = {
        a.customer_id: tuple(parse_feeders(a.feeders)) for a in accounts.exclude(feeders="").order_by("customer_id")
    }
    since = rel.months_before(end, rules.reliability_months)
    feeders = {f for fs in supply.values() for f in fs}
    outages = rel.read_feeder_outages(store_dir(), since=since, until=end, feeders=feeders)
    own = own_interruptions(since=since, until=end, accounts=accounts)
    table = rel.account_reliability(supply, outages, until=end, months=rules.reliability_months, own=own)
    return sorted(table.values(), key=lambda r: (-r.hours, -r.interruptions, r.customer_id))


def account_reliability(*, account: Account, until: dt.datetime | None = None) -> rel.Reliability:
    """One account's reliability: its feeders' outages and its fault repairs' (docs/service.md)."""
    rules = outage_rules()
    end = to_local_naive(until or timezone.now())
    feeders = tuple(parse_feeders(account.feeders))
    since = rel.months_before(end, rules.reliability_months)
    outages = rel.read_feeder_outages(store_dir(), since=since, until=end, feeders=feeders)
    own = own_interruptions(since=since, until=end, accounts=Account.objects.filter(pk=account.pk))
    return rel.account_reliability(
        {account.customer_id: feeders}, outages, until=end, months=rules.reliability_months, own=own
    )[account.customer_id]


def _thresholds() -> rel.UpgradeThresholds:
    rules = outage_rules()
    return rel.UpgradeThresholds(
        max_interruptions=rules.max_interruptions,
        max_hours=rules.max_hours,
        growth_fraction=rules.growth_fraction,
        power_factor=rules.power_factor,
    )


def upgrade_candidates(*, until: dt.datetime | None = None) -> list[rel.UpgradeCandidate]:
    rules = outage_rules()
    accounts = _key_supply()
    reliability = {r.customer_id: r for r in reliability_table(until=until)}
    used = {f for a in accounts for f in a.feeders}
    feeders = [
        _capacity(f, rules.power_factor) for f in Feeder.objects.filter(feeder_id__in=used).select_related("substation")
    ]
    return rel.upgrade_candidates(accounts, reliability, feeders, _thresholds())


def connection_priority(
    *,
    district: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    max_distance_km: float | None = None,
    source_id: str = "",
    until: dt.datetime | None = None,
) -> list[rel.PriorityEntry]:
    """Key accounts to connect first to a new source at ``district`` / coordinates (best first)."""
    source = rel.NewSource(source_id, district, latitude, longitude, max_distance_km)
    reliability = {r.customer_id: r for r in reliability_table(until=until)}
    return rel.connection_priority(source, _key_supply(), reliability, _thresholds())


def substations_newest_first() -> list[Substation]:
    """The active substations, the newest commissioned first: the sources the priority list starts from."""
    return list(Substation.objects.filter(archived=False).order_by("-commissioned_on", "substation_id"))


def source_of(*, substation_id: str = "", feeder_id: str = "") -> dict[str, Any]:
    """District and coordinates of a substation (or a feeder's substation) for the priority list."""
    substation = None
    if feeder_id:
        feeder = Feeder.objects.select_related("substation").filter(feeder_id=feeder_id).first()
        substation = feeder.substation if feeder else None
    elif substation_id:
        substation = Substation.objects.filter(substation_id=substation_id).first()
    if substation is None:
        return {}
    return {
        "source_id": feeder_id or substation.substation_id,
        "district": substation.district,
        "latitude": None if substation.latitude is None else float(substation.latitude),
        "longitude": None if substation.longitude is None else float(substation.longitude),
    }
