"""The survey campaigns' bulk action on the account list: add the selected accounts to a running
campaign (issue 19 part 6), registered in the shell (web/bulk.py) so the account list offers it without
importing the insights (docs/architecture.md, "Layers")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from powerkam.core.errors import ApplicationError
from powerkam.core.stamps import tables_stamp
from powerkam.insights.campaigns import campaigns
from powerkam.insights.models import SurveyCampaign
from powerkam.insights.services import campaign_add_accounts
from powerkam.web.bulk import BulkAction, BulkDone, register


def _choices() -> dict[str, Any] | None:
    """The running campaigns; none running, the bar leaves the action out."""
    running = list(campaigns())
    return {"campaigns": running} if running else None


def _stamp() -> str:
    return tables_stamp(SurveyCampaign)


def _add(accounts: list[Any], by: Any, seen: Mapping[str, int | None], params: Mapping[str, str]) -> BulkDone:
    """``params["campaign"]``: the campaign's id. Those who run campaigns only (the service checks)."""
    campaign = SurveyCampaign.objects.filter(pk=params.get("campaign") or 0).first()
    if campaign is None:
        raise ApplicationError(_("Survey campaign: choose the campaign to add the accounts to."))
    done = campaign_add_accounts(campaign=campaign, accounts=accounts, by=by)
    message = _("%(n)d accounts added to the campaign %(name)s.") % {"n": len(accounts), "name": campaign.name}
    return BulkDone(message, done)


def register_actions() -> None:
    register(
        "accounts",
        BulkAction(
            key="campaign",
            right="insights.run_campaigns",
            template="insights/_bulk_campaign.html",
            choices=_choices,
            run=_add,
            stamp=_stamp,
            order=20,
        ),
    )
