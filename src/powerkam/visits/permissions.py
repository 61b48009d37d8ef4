"""Who may record and plan visits and close their follow-ups (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.accounts.models import Account
from powerkam.staff.permissions import Predicate, can, is_editor, is_lead
from powerkam.visits.models import FollowUp


def _change_visits(user: Any, account: Account | None) -> bool:
    """Visits, planned visits and follow-ups: a manager on their own accounts, supervisors and
    administrators on any (planners and viewers read)."""
    return can(user, "accounts.change_account", account)


def _change_followup(user: Any, followup: FollowUp) -> bool:
    """The follow-up's owner, or whoever may change the visits of its account."""
    if followup.owner_id == user.pk and is_editor(user):
        return True
    return can(user, "accounts.change_account", followup.account)


def _make_plan(user: Any, obj: Any) -> bool:
    return is_lead(user)


RULES: dict[str, Predicate] = {
    "change_visits": _change_visits,
    "change_followup": _change_followup,
    "make_plan": _make_plan,
}

MESSAGES = {
    "visits.change_visits": _("You do not manage this account."),
    "visits.change_followup": _("Only the owner or a manager of the account may change this follow-up."),
    "visits.make_plan": _("Only a supervisor may make the team's visit plan."),
}
