"""Who may record, read and change service requests — first inquiry included (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.service.models import Ticket
from powerkam.staff.permissions import Predicate, is_editor, is_lead


def _record_request(user: Any, obj: Any) -> bool:
    """First inquiry: every role that may change data records the requests it receives, on any
    active account (viewers and people without a role do not)."""
    return is_editor(user)


def _view_ticket(user: Any, ticket: Ticket) -> bool:
    from powerkam.service.selectors import tickets_visible_to

    return tickets_visible_to(user).filter(pk=ticket.pk).exists()


def _change_ticket(user: Any, ticket: Ticket) -> bool:
    """The owner, a supervisor or an administrator (and only a role that may change data)."""
    if not is_editor(user):
        return False
    return bool(user.pk == ticket.owner_id or is_lead(user))


RULES: dict[str, Predicate] = {
    "record_request": _record_request,
    "view_ticket": _view_ticket,
    "change_ticket": _change_ticket,
}

MESSAGES = {
    "service.record_request": _("Your role can view tickets but not change them."),
    "service.view_ticket": _("No such ticket (or you may not see it)."),
    "service.change_ticket": _("Only the ticket's owner or a supervisor can do this."),
}
