"""Supply capacity reserved for projects and the headroom of the feeders that would supply them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from powerkam.analytics.headroom import Headroom
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import MAX_CAPACITY_KVA, ApiDate, digits, length
from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.grid.models import Feeder, Substation
from powerkam.prospects import selectors, services
from powerkam.prospects.api.common import project_of, visible
from powerkam.prospects.models import Reservation

router = Router()


class ReservationOut(Schema):
    id: int
    project_id: str
    feeder_id: str | None
    substation_id: str | None
    kva: Decimal
    reserved_on: dt.date
    valid_until: dt.date
    status: str
    released_on: dt.date | None
    release_reason: str


class ReservationIn(Schema):
    feeder_id: Annotated[str, length(Feeder, "feeder_id")] | None = None
    substation_id: Annotated[str, length(Substation, "substation_id")] | None = None
    kva: Annotated[Decimal, digits(Reservation, "kva", ge=0, le=MAX_CAPACITY_KVA)]
    valid_until: ApiDate


class ReleaseIn(Schema):
    reason: Annotated[str, length(Reservation, "release_reason")] = ""


class HeadroomOut(Schema):
    known: bool
    rated_kva: Decimal | None
    rated_kw: Decimal | None
    peak_kw: Decimal | None
    reserved_kva: Decimal
    available_kw: Decimal | None
    available_kva: Decimal | None


class ProspectsFeederOut(Schema):
    feeder_id: str
    name: str
    substation_id: str
    headroom: HeadroomOut
    projects: list[str]
    expected_unreserved_kva: Decimal
    fits_expected: bool | None


def reservation_out(r: Reservation) -> dict[str, Any]:
    return {
        "id": r.pk,
        "project_id": r.project.project_id,
        "feeder_id": r.feeder.feeder_id if r.feeder else None,
        "substation_id": r.substation.substation_id if r.substation else None,
        "kva": r.kva,
        "reserved_on": r.reserved_on,
        "valid_until": r.valid_until,
        "status": r.status,
        "released_on": r.released_on,
        "release_reason": r.release_reason,
    }


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


def _headroom(h: Headroom) -> dict[str, Any]:
    return {
        "known": h.known,
        "rated_kva": _q(h.rated_kva),
        "rated_kw": _q(h.rated_kw),
        "peak_kw": _q(h.peak_kw),
        "reserved_kva": _q(h.reserved_kva),
        "available_kw": _q(h.available_kw),
        "available_kva": _q(h.available_kva),
    }


@router.post(
    "/projects/{project_id}/reservations",
    response={201: ReservationOut, 400: ErrorOut, 404: ErrorOut},
    summary="Hold capacity on a feeder or a substation (refused beyond headroom, with the numbers)",
)
def reserve(request: HttpRequest, project_id: str, payload: ReservationIn) -> Status[dict[str, Any]]:
    project = project_of(request, project_id)
    feeder = substation = None
    if payload.feeder_id:
        feeder = Feeder.objects.filter(feeder_id=payload.feeder_id).first()
        if feeder is None:
            raise ApplicationError(_("There is no feeder %(id)r.") % {"id": payload.feeder_id})
    if payload.substation_id:
        substation = Substation.objects.filter(substation_id=payload.substation_id).first()
        if substation is None:
            raise ApplicationError(_("There is no substation %(id)r.") % {"id": payload.substation_id})
    reservation = services.reservation_create(
        project=project,
        by=request_user(request),
        kva=payload.kva,
        valid_until=payload.valid_until,
        feeder=feeder,
        substation=substation,
    )
    return Status(201, reservation_out(reservation))


@router.get("/reservations", response=list[ReservationOut], summary="Reservations (active by default)")
def list_reservations(request: HttpRequest, status: str = "active") -> list[dict[str, Any]]:
    visible(request)
    return [reservation_out(r) for r in selectors.reservation_list(status=status)]


@router.post("/reservations/{reservation_id}/release", response={200: ReservationOut, 400: ErrorOut, 404: ErrorOut})
def release(request: HttpRequest, reservation_id: int, payload: ReleaseIn) -> dict[str, Any]:
    visible(request)
    reservation = (
        Reservation.objects.select_related("project", "feeder", "substation").filter(pk=reservation_id).first()
    )
    if reservation is None:
        raise HttpError(404, _("No such reservation."))
    return reservation_out(
        services.reservation_release(reservation=reservation, by=request_user(request), reason=payload.reason)
    )


@router.get("/feeders", response=list[ProspectsFeederOut], summary="Feeders with prospects (or all) and their headroom")
def feeders(request: HttpRequest, all: bool = False) -> list[dict[str, Any]]:
    visible(request)
    return [
        {
            "feeder_id": row.feeder.feeder_id,
            "name": row.feeder.name,
            "substation_id": row.feeder.substation.substation_id,
            "headroom": _headroom(row.headroom),
            "projects": [p.project_id for p in row.projects],
            "expected_unreserved_kva": row.expected_unreserved_kva,
            "fits_expected": row.fits_expected,
        }
        for row in selectors.prospects_by_feeder(all_feeders=all)
    ]
