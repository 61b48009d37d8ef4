"""Write side of the insights area: new tariff or health rules (checked first; the newest apply)
and satisfaction surveys."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from powerkam.accounts.models import Account, Assignment
from powerkam.analytics.health import HealthRules, HealthRulesError
from powerkam.analytics.tariff import TariffRules, TariffRulesError
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.insights.models import (
    CampaignAccount,
    HealthRulesVersion,
    SatisfactionSurvey,
    SurveyCampaign,
    SurveyChannel,
    TariffRulesVersion,
)
from powerkam.staff import permissions


def _require_supervisor(by: User | None) -> None:
    if by is not None:  # None: the command line, as the installation's administrator
        permissions.require(by, "insights.change_rules")


def tariff_rules_set(*, rules_toml: str, note: str = "", by: User | None = None) -> TariffRulesVersion:
    _require_supervisor(by)
    try:
        TariffRules.from_toml(rules_toml)
    except TariffRulesError as exc:
        raise ApplicationError(str(exc), {"field": "rules_toml"}) from exc
    return TariffRulesVersion.objects.create(rules_toml=rules_toml, note=note, created_by=by)


def health_rules_set(*, rules_toml: str, note: str = "", by: User | None = None) -> HealthRulesVersion:
    _require_supervisor(by)
    try:
        HealthRules.from_toml(rules_toml)
    except HealthRulesError as exc:
        raise ApplicationError(str(exc), {"field": "rules_toml"}) from exc
    return HealthRulesVersion.objects.create(rules_toml=rules_toml, note=note, created_by=by)


SCORES = range(1, 6)


def survey_record(
    *,
    account: Account,
    by: User,
    surveyed_on: dt.date,
    score: int,
    channel: str = SurveyChannel.VISIT,
    respondent: str = "",
    comments: str = "",
    today: dt.date | None = None,
) -> SatisfactionSurvey:
    """Record a customer's satisfaction (1–5). Managers on their own accounts, supervisors on any;
    viewers may not. A survey dated in the future, or a score outside 1–5, is refused."""
    if not permissions.is_editor(by):
        raise NotAllowed(_("Your role is read-only: you cannot record surveys."))
    permissions.require(by, "accounts.change_account", account, _("You do not manage this account."))
    if score not in SCORES:
        raise ApplicationError(_("The satisfaction must be 1 to 5, not %(v)s.") % {"v": score}, {"field": "score"})
    if surveyed_on > (today or timezone.localdate()):
        raise ApplicationError(_("A survey cannot be dated in the future."), {"field": "surveyed_on"})
    if channel not in SurveyChannel.values:
        raise ApplicationError(_("Unknown channel %(v)r.") % {"v": channel}, {"field": "channel"})
    return SatisfactionSurvey.objects.create(
        account=account,
        recorded_by=by,
        surveyed_on=surveyed_on,
        score=score,
        channel=channel,
        respondent=respondent.strip(),
        comments=comments.strip(),
    )


def survey_archive(*, survey: SatisfactionSurvey, by: User) -> SatisfactionSurvey:
    """Take a survey recorded in error out of the health score (it is kept, never deleted)."""
    permissions.require(by, "accounts.change_account", survey.account, _("You do not manage this account."))
    survey.archived = True
    survey.save(update_fields=["archived"])
    return survey


# ---- survey campaigns ----------------------------------------------------------------------------

GRADES = ("A", "B", "C")


def _require_campaign_owner(by: User) -> None:
    permissions.require(by, "insights.run_campaigns")


@transaction.atomic
def campaign_launch(*, name: str, starts_on: dt.date, due_on: dt.date, grades: list[str], by: User) -> SurveyCampaign:
    """Launch a survey of the key accounts of ``grades`` (all key accounts when empty) between
    ``starts_on`` and ``due_on``: each account is given to its primary manager (the secondary one when
    it has no primary; nobody when it has neither, shown as such)."""
    _require_campaign_owner(by)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the campaign a name."), {"field": "name"})
    if due_on < starts_on:
        raise ApplicationError(_("The campaign cannot end before it starts."), {"field": "due_on"})
    unknown = sorted(set(grades) - set(GRADES))
    if unknown:
        raise ApplicationError(_("Unknown grade %(g)s.") % {"g": ", ".join(unknown)}, {"field": "grades"})
    accounts = Account.objects.active().key_accounts()
    if grades:
        accounts = accounts.filter(grade__in=grades)
    account_ids = list(accounts.order_by("customer_id").values_list("pk", flat=True))
    if not account_ids:
        raise ApplicationError(_("No key account of these grades to survey."), {"field": "grades"})
    askers: dict[int, int] = {}
    for account_id, staff_id in (
        Assignment.objects.filter(account_id__in=account_ids, active=True)
        .order_by("account_id", "role")  # "primary" before "secondary"
        .values_list("account_id", "staff_id")
    ):
        askers.setdefault(account_id, staff_id)
    campaign = SurveyCampaign.objects.create(
        name=name, starts_on=starts_on, due_on=due_on, grades=sorted(set(grades)), created_by=by
    )
    bulk_create_with_history(
        [CampaignAccount(campaign=campaign, account_id=a, assigned_to_id=askers.get(a)) for a in account_ids],
        CampaignAccount,
        batch_size=2000,
        default_user=by,
    )
    return campaign


def campaign_archive(*, campaign: SurveyCampaign, by: User) -> SurveyCampaign:
    """Close a campaign: it leaves the work lists; its accounts and surveys are kept."""
    _require_campaign_owner(by)
    campaign.archived = True
    campaign.save(update_fields=["archived"])
    return campaign
