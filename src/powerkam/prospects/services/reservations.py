"""Supply capacity reserved for a project (the green channel): reserve, release, extend, and the
nightly release of reservations past their date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from powerkam.analytics.headroom import Headroom
from powerkam.core.errors import ApplicationError
from powerkam.grid.models import Feeder, Substation
from powerkam.prospects import selectors
from powerkam.prospects.models import (
    IN_PROGRESS,
    NoteKind,
    Project,
    ProspectNote,
    Reservation,
    ReservationStatus,
)
from powerkam.prospects.services.common import (
    NO_HEADROOM,
    RESERVE_STAGE,
    UNKNOWN_CAPACITY,
    fmt_number,
    local_today,
    require_editor,
    save_with_history,
)
from powerkam.staff.selectors import language_of

# -- supply channel reservation ------------------------------------------------------------------------


def _refusal(place: str, headroom: Headroom, kva: Decimal) -> ApplicationError:
    if not headroom.known:
        return ApplicationError(str(UNKNOWN_CAPACITY) % {"place": place})
    numbers = {
        "place": place,
        "pf": fmt_number(headroom.power_factor),
        "rated_kva": fmt_number(headroom.rated_kva),
        "rated_kw": fmt_number(headroom.rated_kw),
        "peak_kw": fmt_number(headroom.peak_kw),
        "reserved_kva": fmt_number(headroom.reserved_kva),
        "reserved_kw": fmt_number(headroom.reserved_kw),
        "available_kw": fmt_number(headroom.available_kw),
        "available_kva": fmt_number(headroom.available_kva),
        "kva": fmt_number(kva),
        "kw": fmt_number(kva * headroom.power_factor),
    }
    extra = {
        "place": place,
        "rated_kva": headroom.rated_kva,
        "rated_kw": headroom.rated_kw,
        "peak_kw": headroom.peak_kw,
        "reserved_kva": headroom.reserved_kva,
        "available_kw": headroom.available_kw,
        "available_kva": headroom.available_kva,
        "requested_kva": kva,
    }
    return ApplicationError(
        str(NO_HEADROOM) % numbers,
        {k: str(v.quantize(Decimal("0.01"))) if isinstance(v, Decimal) else v for k, v in extra.items()},
    )


@transaction.atomic
def reservation_create(
    *,
    project: Project,
    by: User,
    kva: Decimal,
    valid_until: dt.date,
    feeder: Feeder | None = None,
    substation: Substation | None = None,
    on: dt.date | None = None,
) -> Reservation:
    """Hold ``kva`` on a feeder (or a whole substation) for the project until ``valid_until``.

    Refused, with the numbers, when the headroom left is smaller. A feeder reservation must also
    fit its substation's headroom (other reservations may hold the substation as a whole)."""
    require_editor(by)
    if (feeder is None) == (substation is None):
        raise ApplicationError(_("Reserve on one feeder or on one substation."))
    if project.archived or project.stage not in IN_PROGRESS:
        raise ApplicationError(str(RESERVE_STAGE))
    kva = Decimal(kva)
    if kva <= 0:
        raise ApplicationError(_("The capacity to reserve must be more than 0 kVA."))
    on = on or local_today()
    if valid_until < on:
        raise ApplicationError(
            _("A reservation valid until %(until)s would already have expired (%(on)s).")
            % {"until": valid_until.isoformat(), "on": on.isoformat()}
        )
    # Lock the place so two reservations cannot both take the last of the headroom.
    if feeder is not None:
        feeder = Feeder.objects.select_for_update().select_related("substation").get(pk=feeder.pk)
        substation_row = Substation.objects.select_for_update().get(pk=feeder.substation_id)
        if feeder.archived:
            raise ApplicationError(_("%(place)s is archived.") % {"place": feeder})
        checks = [(str(feeder), selectors.feeder_headroom(feeder, as_of=on))]
        checks.append((str(substation_row), selectors.substation_headroom(substation_row, as_of=on)))
    else:
        assert substation is not None
        substation_row = Substation.objects.select_for_update().get(pk=substation.pk)
        if substation_row.archived:
            raise ApplicationError(_("%(place)s is archived.") % {"place": substation_row})
        checks = [(str(substation_row), selectors.substation_headroom(substation_row, as_of=on))]
    for place, headroom in checks:
        if not headroom.fits(kva):
            raise _refusal(place, headroom, kva)
    reservation = Reservation(
        project=project,
        feeder=feeder,
        substation=None if feeder is not None else substation_row,
        kva=kva,
        reserved_on=on,
        valid_until=valid_until,
        created_by=by,
    )
    save_with_history(reservation, by)
    if feeder is not None and project.feeder_id is None:
        project.feeder = feeder
        save_with_history(project, by)
    return reservation


@transaction.atomic
def reservation_release(
    *, reservation: Reservation, by: User, reason: str = "", on: dt.date | None = None
) -> Reservation:
    """Give held capacity back before it expires."""
    require_editor(by)
    current = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if current.status != ReservationStatus.ACTIVE:
        raise ApplicationError(_("This reservation is already %(status)s.") % {"status": current.get_status_display()})
    current.status = ReservationStatus.RELEASED
    current.released_on = on or local_today()
    current.release_reason = reason.strip()[:300]
    save_with_history(current, by)
    reservation.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


@transaction.atomic
def reservation_extend(*, reservation: Reservation, by: User, valid_until: dt.date) -> Reservation:
    """Keep held capacity longer (no new headroom is taken: the same kVA stays reserved)."""
    require_editor(by)
    current = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if current.status != ReservationStatus.ACTIVE or current.valid_until < local_today():
        raise ApplicationError(_("Only a reservation that is still active can be extended."))
    if valid_until <= current.valid_until:
        raise ApplicationError(_("The new date must be later than %(until)s.") % {"until": current.valid_until})
    current.valid_until = valid_until
    save_with_history(current, by)
    return current


@dataclass
class ReleaseReport:
    released: int = 0
    notified: int = 0
    emails: int = 0
    reservations: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "released": self.released,
            "notified": self.notified,
            "emails": self.emails,
            "reservations": self.reservations,
        }


def _reservation_expired_text(reservation: Reservation, today: dt.date) -> tuple[str, str]:
    """The subject and body telling a manager their project's reservation expired (active language)."""
    project = reservation.project
    subject = _("Reservation expired: %(kva)s kVA on %(place)s for %(project)s") % {
        "kva": fmt_number(reservation.kva),
        "place": reservation.place,
        "project": project.name,
    }
    body = _(
        "The capacity reservation of %(kva)s kVA on %(place)s for project %(project)s (%(id)s) was valid "
        "until %(until)s and has been released on %(today)s. Reserve again if the project still needs it."
    ) % {
        "kva": fmt_number(reservation.kva),
        "place": reservation.place,
        "project": project.name,
        "id": project.project_id,
        "until": reservation.valid_until.isoformat(),
        "today": today.isoformat(),
    }
    return subject, body


def reservations_release_expired(*, today: dt.date | None = None) -> ReleaseReport:
    """Release every active reservation whose last valid day has passed, and tell the project's
    managers in the app and by email (each person once per reservation)."""
    from django.conf import settings

    today = today or local_today()
    report = ReleaseReport()
    outbox: list[tuple[ProspectNote, EmailMessage]] = []
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        expired = (
            Reservation.objects.select_for_update(of=("self",))
            .filter(status=ReservationStatus.ACTIVE, valid_until__lt=today)
            .select_related("project", "feeder", "substation", "project__primary_manager", "project__secondary_manager")
        )
        for reservation in expired:
            reservation.status = ReservationStatus.EXPIRED
            reservation.released_on = today
            reservation.release_reason = _("Expired after %(until)s.") % {"until": reservation.valid_until.isoformat()}
            reservation.save()
            report.released += 1
            report.reservations.append(reservation.pk)
            project = reservation.project
            people = {p.pk: p for p in (project.primary_manager, project.secondary_manager) if p is not None}
            for person in people.values():
                with translation.override(language_of(person)):  # their mail: in their language
                    person_subject, person_body = _reservation_expired_text(reservation, today)
                try:
                    with transaction.atomic():
                        note = ProspectNote.objects.create(
                            user=person,
                            project=project,
                            reservation=reservation,
                            kind=NoteKind.RESERVATION_EXPIRED,
                            message=person_subject[:500],
                        )
                except IntegrityError:  # pragma: no cover - told already
                    continue
                report.notified += 1
                if person.email:
                    outbox.append((note, EmailMessage(person_subject, person_body, to=[person.email])))
    if outbox:
        # Sent after the release is committed; a mail failure leaves the notes with emailed=False.
        with get_connection() as connection:
            report.emails = connection.send_messages([message for _note, message in outbox]) or 0
        ProspectNote.objects.filter(pk__in=[note.pk for note, _message in outbox]).update(emailed=True)
    return report
