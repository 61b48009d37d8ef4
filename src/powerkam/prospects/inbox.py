"""Notes on government key projects (stage changes, reservations released …) in the shared inbox."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from powerkam.prospects.selectors import notes_for
from powerkam.web.inbox import register, table_source


def note_text(note: Any) -> str:
    """A note worded when it is read, in the reader's language; the stored wording when its facts are gone."""
    from django.utils.translation import gettext

    from powerkam.prospects.models import NoteKind
    from powerkam.prospects.services import fmt_number

    reservation = note.reservation
    if note.kind == NoteKind.RESERVATION_EXPIRED and reservation is not None:
        return gettext("Reservation expired: %(kva)s kVA on %(place)s for %(project)s") % {
            "kva": fmt_number(reservation.kva),
            "place": reservation.place,
            "project": note.project.name,
        }
    return str(note.message)


def register_inbox() -> None:
    register(
        table_source(
            "prospects",
            _("Prospects"),
            lambda user, unread_only: notes_for(user=user, unread_only=unread_only),
            text=note_text,
            url=lambda n: reverse("prospects:detail", args=[n.project.project_id]),
        )
    )
