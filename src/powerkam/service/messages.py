"""The in-app messages of the service area, worded when they are read, in the reader's language.

A notification row keeps what it is about (ticket, kind, milestone, when); its stored ``message`` is the
wording of the moment it was sent (the mail's subject), kept for the record. Pages and the inbox show
:func:`notification_text` instead, so a manager who reads in English sees English even if the job that
sent the message ran in Chinese (docs/service.md, "Messages").
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.service.models import Milestone, Notification, NotificationKind


def _at(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def notification_text(note: Notification) -> str:
    """The message of ``note`` in the active language; the stored wording when its facts are gone."""
    ticket = note.ticket
    values = {"id": ticket.pk, "title": ticket.title}
    if note.kind == NotificationKind.TRANSFER:
        transfer = (
            ticket.transfers.filter(
                to_user_id=note.user_id, requested_at__lte=note.created_at + dt.timedelta(seconds=5)
            )
            .select_related("requested_by")
            .order_by("-requested_at", "-id")
            .first()
        )
        if transfer is None:
            return note.message
        return _("%(who)s asks you to take over ticket #%(id)s: %(title)s") % {
            **values,
            "who": transfer.requested_by.get_username(),
        }
    breached = note.kind == NotificationKind.BREACHED
    if note.milestone in (Milestone.ARRIVAL, Milestone.RESTORATION):
        due_at = ticket.arrival_due_at if note.milestone == Milestone.ARRIVAL else ticket.restoration_due_at
        if due_at is None:
            return note.message
        values |= {"what": Milestone(note.milestone).label, "due": _at(due_at)}
        if breached:
            return _("Breached: ticket #%(id)s %(title)s — %(what)s was due at %(due)s") % values
        return _("Due soon: ticket #%(id)s %(title)s — %(what)s due at %(due)s") % values
    if note.milestone == "contact":
        if ticket.contact_due_on is None:
            return note.message
        values["due"] = ticket.contact_due_on.isoformat()
        if breached:
            return _("Breached: ticket #%(id)s %(title)s — first contact was due on %(due)s") % values
        return _("Due soon: ticket #%(id)s %(title)s — first contact due on %(due)s") % values
    if breached:
        return _("Breached: ticket #%(id)s %(title)s") % values
    return _("Due soon: ticket #%(id)s %(title)s") % values
