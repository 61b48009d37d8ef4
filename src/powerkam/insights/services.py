"""Write side of the insights area: new tariff or health rules (checked first; the newest apply)
and satisfaction surveys."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.accounts.selectors import accounts_visible_to, user_can_edit, user_sees_all_accounts
from powerkam.analytics.health import HealthRules, HealthRulesError
from powerkam.analytics.tariff import TariffRules, TariffRulesError
from powerkam.core.errors import ApplicationError
from powerkam.insights.models import HealthRulesVersion, SatisfactionSurvey, SurveyChannel, TariffRulesVersion


def _require_supervisor(by: User | None) -> None:
    if by is not None and not (by.is_superuser or user_sees_all_accounts(by)):
        raise ApplicationError(_("Only supervisors and administrators may change these rules."))


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
    if not user_can_edit(by):
        raise ApplicationError(_("Your role is read-only: you cannot record surveys."))
    if not accounts_visible_to(by).filter(pk=account.pk).exists():
        raise ApplicationError(_("You do not manage this account."))
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
    if not user_can_edit(by) or not accounts_visible_to(by).filter(pk=survey.account_id).exists():
        raise ApplicationError(_("You do not manage this account."))
    survey.archived = True
    survey.save(update_fields=["archived"])
    return survey
