"""Write side of the insights area: new tariff or health rules (checked first; the newest apply)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from powerkam.accounts.selectors import user_sees_all_accounts
from powerkam.analytics.health import HealthRules, HealthRulesError
from powerkam.analytics.tariff import TariffRules, TariffRulesError
from powerkam.core.errors import ApplicationError
from powerkam.insights.models import HealthRulesVersion, TariffRulesVersion


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
