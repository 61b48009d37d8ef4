"""Who may change the tariff and health rules and run survey campaigns (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from powerkam.staff.permissions import Predicate, is_lead


def _lead(user: Any, obj: Any) -> bool:
    return is_lead(user)


RULES: dict[str, Predicate] = {"change_rules": _lead, "run_campaigns": _lead, "send_report": _lead}

MESSAGES = {
    "insights.change_rules": _("Only supervisors and administrators may change these rules."),
    "insights.run_campaigns": _("Only supervisors and administrators may launch or close survey campaigns."),
    "insights.send_report": _("Only supervisors and administrators may mail the monthly report."),
}
