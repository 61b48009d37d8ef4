"""Write side of the insights area: new tariff or health rules (checked first; the newest apply)
and satisfaction surveys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from powerkam.accounts.models import Account, Assignment
from powerkam.analytics.health import HealthRules, HealthRulesError
from powerkam.analytics.strategies import StrategyRules
from powerkam.analytics.tariff import TariffRules, TariffRulesError
from powerkam.core.bulk import all_or_nothing
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.core.locking import check_newest, lock, refresh
from powerkam.insights.models import (
    CampaignAccount,
    HealthRulesVersion,
    OfferOutcome,
    RetentionOffer,
    SatisfactionSurvey,
    SurveyCampaign,
    SurveyChannel,
    TariffRulesVersion,
)
from powerkam.staff import permissions


def _require_supervisor(by: User | None) -> None:
    if by is not None:  # None: the command line, as the installation's administrator
        permissions.require(by, "insights.change_rules")


@transaction.atomic
def tariff_rules_set(
    *, rules_toml: str, note: str = "", by: User | None = None, based_on: int | None = None
) -> TariffRulesVersion:
    """Save new tariff rules; ``based_on`` (the id of the version edited) refuses a stale edit."""
    _require_supervisor(by)
    check_newest(TariffRulesVersion, based_on)
    try:
        TariffRules.from_toml(rules_toml)
    except TariffRulesError as exc:
        raise ApplicationError(str(exc), {"field": "rules_toml"}) from exc
    return TariffRulesVersion.objects.create(rules_toml=rules_toml, note=note, created_by=by)


@transaction.atomic
def health_rules_set(
    *, rules_toml: str, note: str = "", by: User | None = None, based_on: int | None = None
) -> HealthRulesVersion:
    """Save new health rules; ``based_on`` (the id of the version edited) refuses a stale edit."""
    _require_supervisor(by)
    check_newest(HealthRulesVersion, based_on)
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


@transaction.atomic
def campaign_add_account(*, campaign: SurveyCampaign, account: Account, by: User) -> CampaignAccount:
    """Add one account to a running campaign, given to its primary manager (the secondary one when it
    has no primary), as at launch. Refused for a closed campaign or an account already in it."""
    _require_campaign_owner(by)
    if campaign.archived:
        raise ApplicationError(_("The campaign %(name)s is closed.") % {"name": campaign.name})
    if CampaignAccount.objects.filter(campaign=campaign, account=account).exists():
        raise ApplicationError(_("Already in the campaign %(name)s.") % {"name": campaign.name})
    asker = (
        Assignment.objects.filter(account=account, active=True)
        .order_by("role")  # "primary" before "secondary"
        .values_list("staff_id", flat=True)
        .first()
    )
    target = CampaignAccount(campaign=campaign, account=account, assigned_to_id=asker)
    target._history_user = by  # type: ignore[attr-defined]
    target.save()
    return target


def campaign_add_accounts(*, campaign: SurveyCampaign, accounts: list[Account], by: User) -> list[CampaignAccount]:
    """The account list's bulk action (issue 19 part 6): :func:`campaign_add_account` for each selected
    account, all or none (:class:`~powerkam.core.bulk.BulkRefused` names each refused account)."""
    _require_campaign_owner(by)
    return all_or_nothing(
        accounts,
        lambda account: campaign_add_account(campaign=campaign, account=account, by=by),
        lambda account: f"{account.customer_id} {account.name}",
    )


@transaction.atomic
def campaign_archive(*, campaign: SurveyCampaign, by: User, version: int | None = None) -> SurveyCampaign:
    """Close a campaign: it leaves the work lists; its accounts and surveys are kept.

    ``version``: the one the person saw; if someone changed the campaign since, nothing happens.
    """
    _require_campaign_owner(by)
    current = lock(campaign, version)
    if current.archived:
        raise ApplicationError(_("This campaign is already closed."))
    current.archived = True
    current._history_user = by  # type: ignore[attr-defined]
    current.save(update_fields=["archived"])
    refresh(campaign, current)
    return current


# ---- retention offers (service strategies and their outcomes) ----------------------------------------


#: Days after an offer by which the customer's answer is due, when the person gives no day.
FOLLOW_UP_DAYS = 30


def _offer_maker(account: Account, by: User, offered_by: User | None) -> User:
    """Who made the offer: the person recording it, or one of the account's active managers."""
    if offered_by is None or offered_by.pk == by.pk:
        return by
    if not Assignment.objects.filter(account=account, staff=offered_by, active=True).exists():
        raise ApplicationError(
            _("%(name)s does not manage this account: the offer is made by one of its managers or by you.")
            % {"name": offered_by.get_username()},
            {"field": "offered_by"},
        )
    return offered_by


@transaction.atomic
def offer_record(
    *,
    account: Account,
    by: User,
    strategy: str,
    offered_on: dt.date,
    expected_yuan: Decimal,
    offered_what: str = "",
    follow_up_on: dt.date | None = None,
    offered_by: User | None = None,
    notes: str = "",
    today: dt.date | None = None,
) -> RetentionOffer:
    """Record a service strategy offered to an account (docs/health.md, "Offers and outcomes"): which
    strategy, what exactly, by whom (the recorder or one of the account's managers), when, the yuan a
    year it is expected to keep and the day the answer is due (:data:`FOLLOW_UP_DAYS` after the offer
    unless given). The account's managers and supervisors record; viewers and planners read."""
    permissions.require(by, "insights.record_offer", account)
    known = {s.code for s in StrategyRules().strategies}
    if strategy not in known:
        raise ApplicationError(_("Unknown strategy %(v)r.") % {"v": strategy}, {"field": "strategy"})
    if offered_on > (today or timezone.localdate()):
        raise ApplicationError(_("An offer cannot be dated in the future."), {"field": "offered_on"})
    if expected_yuan < 0:
        raise ApplicationError(_("The yuan expected must not be negative."), {"field": "expected_yuan"})
    follow_up_on = follow_up_on or offered_on + dt.timedelta(days=FOLLOW_UP_DAYS)
    if follow_up_on < offered_on:
        raise ApplicationError(_("The answer cannot be due before the offer was made."), {"field": "follow_up_on"})
    offered_what = offered_what.strip()
    if len(offered_what) > 300:
        raise ApplicationError(_("Describe the offer in at most 300 characters."), {"field": "offered_what"})
    maker = _offer_maker(account, by, offered_by)
    offer = RetentionOffer(
        account=account,
        offered_by=maker,
        strategy=strategy,
        offered_what=offered_what,
        offered_on=offered_on,
        follow_up_on=follow_up_on,
        expected_yuan=expected_yuan,
        notes=notes.strip(),
    )
    offer._history_user = by  # type: ignore[attr-defined]
    offer.save()
    return offer


@transaction.atomic
def offer_answer(
    *,
    offer: RetentionOffer,
    by: User,
    outcome: str,
    answered_on: dt.date,
    saved_yuan: Decimal | None = None,
    version: int | None = None,
    today: dt.date | None = None,
) -> RetentionOffer:
    """Record (or correct) the customer's answer to an offer — accepted or declined, the day, the yuan
    it saved them. ``version``: the one the person saw; if someone changed the offer since, nothing
    is written and the conflict names who changed what (core/locking.py)."""
    permissions.require(by, "insights.record_offer", offer.account)
    current = lock(offer, version)
    if outcome not in {OfferOutcome.ACCEPTED, OfferOutcome.DECLINED}:
        raise ApplicationError(
            _("The answer is accepted or declined, not %(v)r.") % {"v": outcome}, {"field": "outcome"}
        )
    if not current.offered_on <= answered_on <= (today or timezone.localdate()):
        raise ApplicationError(_("The answer must be dated between the offer and today."), {"field": "outcome_on"})
    if saved_yuan is not None and saved_yuan < 0:
        raise ApplicationError(_("The yuan saved must not be negative."), {"field": "saved_yuan"})
    current.outcome, current.outcome_on, current.saved_yuan = outcome, answered_on, saved_yuan
    current._history_user = by  # type: ignore[attr-defined]
    current.save(update_fields=["outcome", "outcome_on", "saved_yuan"])
    refresh(offer, current)
    return current
