"""The network's figures: the topology, the reliability of the key accounts, the upgrade candidates and
the connection priority for a new source.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from powerkam.accounts.selectors import accounts_visible_to
from powerkam.analytics.reliability import PriorityEntry, Reliability, UpgradeCandidate
from powerkam.api.schemas import mirrors
from powerkam.outages import network

router = Router()


def visible_ids(request: HttpRequest) -> set[str]:
    """The customer ids of the accounts the user may see (docs/permissions.md)."""
    return set(accounts_visible_to(request.user).values_list("customer_id", flat=True))


class GridFeederOut(Schema):
    feeder_id: str
    name: str
    voltage_kv: float
    rated_capacity_kva: float | None
    peak_load_kw: float | None
    headroom_kw: float | None
    accounts: list[str] = Field(description="Customer ids of the (key) accounts it supplies")
    dual_supply: list[str] = Field(description="Those of them with two or more feeders")


class SubstationOut(Schema):
    substation_id: str
    name: str
    district: str
    feeders: list[GridFeederOut]


@router.get(
    "/topology",
    response=list[SubstationOut],
    summary="Substations → feeders → key accounts",
    operation_id="powerkam_grid_api_topology",
)
def topology(request: HttpRequest, all_accounts: bool = False) -> list[dict[str, Any]]:
    visible = visible_ids(request)
    result = []
    for node in network.topology(key_only=not all_accounts):
        feeders = []
        for f in node.feeders:
            accounts = [a for a in f.accounts if a.customer_id in visible]
            feeders.append(
                {
                    "feeder_id": f.feeder.feeder_id,
                    "name": f.feeder.name,
                    "voltage_kv": float(f.feeder.voltage_kv),
                    "rated_capacity_kva": None
                    if f.feeder.rated_capacity_kva is None
                    else float(f.feeder.rated_capacity_kva),
                    "peak_load_kw": None if f.feeder.peak_load_kw is None else float(f.feeder.peak_load_kw),
                    "headroom_kw": None if f.headroom_kw is None else round(f.headroom_kw, 1),
                    "accounts": [a.customer_id for a in accounts],
                    "dual_supply": [a.customer_id for a in accounts if a.multiple_supply],
                }
            )
        result.append(
            {
                "substation_id": node.substation.substation_id,
                "name": node.substation.name,
                "district": node.substation.district,
                "feeders": feeders,
            }
        )
    return result


@mirrors(Reliability, exclude={"events"})
class ReliabilityOut(Schema):
    pass


@router.get(
    "/reliability",
    response=list[ReliabilityOut],
    summary="Interruptions per key account, last 12 months",
    operation_id="powerkam_grid_api_reliability",
)
def reliability(request: HttpRequest) -> list[dict[str, Any]]:
    visible = visible_ids(request)
    return [r.as_dict() for r in network.reliability_table() if r.customer_id in visible]


@mirrors(UpgradeCandidate)
class CandidateOut(Schema):
    kind: str = Field(description="account or feeder")
    reasons: list[list[Any]] = Field(
        description="[interruptions, n, limit], [hours, h, limit], [single_supply, grade, feeders], "
        "[headroom, headroom_kw, needed_kw]"
    )


@router.get(
    "/upgrades",
    response=list[CandidateOut],
    summary="Grid-upgrade candidates with their reasons",
    operation_id="powerkam_grid_api_upgrades",
)
def upgrades(request: HttpRequest) -> list[UpgradeCandidate]:
    visible = visible_ids(request)
    return [c for c in network.upgrade_candidates() if c.kind == "feeder" or c.subject_id in visible]


@mirrors(PriorityEntry)
class PriorityOut(Schema):
    pass


@router.get(
    "/priority",
    response=list[PriorityOut],
    summary="Key accounts to connect first to a new source",
    operation_id="powerkam_grid_api_priority",
)
def priority(
    request: HttpRequest,
    substation_id: str = "",
    district: str = "",
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None,
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None,
    max_distance_km: Annotated[float, Field(ge=0, le=10_000)] | None = None,
) -> list[PriorityEntry]:
    source = network.source_of(substation_id=substation_id) if substation_id else {}
    visible = visible_ids(request)
    ranking = network.connection_priority(
        district=district or source.get("district", ""),
        latitude=latitude if latitude is not None else source.get("latitude"),
        longitude=longitude if longitude is not None else source.get("longitude"),
        max_distance_km=max_distance_km,
        source_id=source.get("source_id", ""),
    )
    return [e for e in ranking if e.customer_id in visible]
