"""Use cases that change the renewables area's data: the weights table, an account's party type, the rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.accounts.selectors import user_sees_all_accounts
from powerkam.analytics.renewables import RenewableRules, RenewableRulesError
from powerkam.core.errors import ApplicationError
from powerkam.renewables.models import PartyType, QuotaParty, QuotaWeight, RenewableRulesVersion


def can_edit_settings(user: User | Any) -> bool:
    """Supervisors and administrators edit the weights and the rules."""
    return bool(user.is_superuser or user_sees_all_accounts(user))


def _require_admin(by: User | None) -> None:
    if by is not None and not can_edit_settings(by):
        raise ApplicationError(_("Only supervisors and administrators may change these figures."))


def _share(value: str | float | Decimal | None, what: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        share = Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        raise ApplicationError(_("%(what)s: %(value)r is not a number.") % {"what": what, "value": value}) from None
    if str(value).strip().endswith("%"):
        share /= 100
    if not 0 <= share <= 1:
        raise ApplicationError(
            _("%(what)s: %(value)s is not a share between 0 and 1 (15.8 %% is 0.158).") % {"what": what, "value": value}
        )
    return share.quantize(Decimal("0.0001"))


@transaction.atomic
def weight_set(
    *,
    province: str,
    year: int,
    party_type: str,
    total_weight: str | float | Decimal,
    non_hydro_weight: str | float | Decimal | None = None,
    source: str = "",
    by: User | None = None,
) -> QuotaWeight:
    """Add or change one weight; the history keeps the version it replaces."""
    _require_admin(by)
    if party_type not in PartyType.values:
        raise ApplicationError(
            _("Unknown party type %(value)r (one of: %(choices)s).")
            % {"value": party_type, "choices": ", ".join(PartyType.values)}
        )
    total = _share(total_weight, _("total weight"))
    if total is None:
        raise ApplicationError(_("The total weight is required."))
    non_hydro = _share(non_hydro_weight, _("non-hydro weight"))
    weight = QuotaWeight.objects.filter(province=province, year=year, party_type=party_type).first()
    if weight is None:
        weight = QuotaWeight(province=province, year=year, party_type=party_type)
    elif (weight.total_weight, weight.non_hydro_weight, weight.source) == (total, non_hydro, source):
        return weight  # nothing changes: no new version in the history
    weight.total_weight = total
    weight.non_hydro_weight = non_hydro
    weight.source = source
    try:
        weight.full_clean()
    except ValidationError as exc:
        raise ApplicationError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
    weight._change_reason = "weight_set"  # type: ignore[attr-defined]
    weight.save()
    return weight


@transaction.atomic
def party_set(*, account: Account, party_type: str, by: User | None = None) -> QuotaParty:
    _require_admin(by)
    if party_type not in PartyType.values:
        raise ApplicationError(
            _("Unknown party type %(value)r (one of: %(choices)s).")
            % {"value": party_type, "choices": ", ".join(PartyType.values)}
        )
    party, _created = QuotaParty.objects.get_or_create(account=account, defaults={"party_type": party_type})
    if party.party_type != party_type:
        party.party_type = party_type
        party.save()
    return party


def rules_set(*, rules_toml: str, note: str = "", by: User | None = None) -> RenewableRulesVersion:
    _require_admin(by)
    try:
        RenewableRules.from_toml(rules_toml)
    except RenewableRulesError as exc:
        raise ApplicationError(str(exc), {"field": "rules_toml"}) from exc
    return RenewableRulesVersion.objects.create(rules_toml=rules_toml, note=note, created_by=by)
