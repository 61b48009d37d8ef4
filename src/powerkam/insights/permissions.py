"""Who may change the tariff and health rules, run survey campaigns, record retention offers and read
what worked (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.accounts.permissions import RULES as ACCOUNT_RULES
from powerkam.staff.models import Role
from powerkam.staff.permissions import Predicate, has_role, is_lead


def _lead(user: Any, obj: Any) -> bool:
    return is_lead(user)


def _record_offer(user: Any, account: Any) -> bool:
    """Retention offers: the account's managers, supervisors and administrators (as other account
    data, ``accounts.change_account``); planners and viewers read."""
    return ACCOUNT_RULES["change_account"](user, account)


def _view_what_worked(user: Any, obj: Any) -> bool:
    """The "what worked" report covers the whole base: supervisors, administrators and viewers."""
    return is_lead(user) or has_role(user, frozenset({Role.VIEWER}))


RULES: dict[str, Predicate] = {
    "change_rules": _lead,
    "run_campaigns": _lead,
    "send_report": _lead,
    "record_offer": _record_offer,
    "view_what_worked": _view_what_worked,
    "view_model": _lead,
}

MESSAGES = {
    "insights.change_rules": _("Only supervisors and administrators may change these rules."),
    "insights.run_campaigns": _("Only supervisors and administrators may launch or close survey campaigns."),
    "insights.send_report": _("Only supervisors and administrators may mail the monthly report."),
    "insights.record_offer": _("Only the account's managers and supervisors may record retention offers."),
    "insights.view_what_worked": _("Only supervisors, administrators and viewers may read what worked."),
    "insights.view_model": _("Only supervisors and administrators may read the churn model's card."),
}
