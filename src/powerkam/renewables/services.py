"""Use cases that change the renewables area's data: the weights table, an account's party type, the rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.analytics.renewables import RenewableRules, RenewableRulesError
from powerkam.core.errors import ApplicationError
from powerkam.core.locking import check_newest
from powerkam.renewables.models import PartyType, QuotaParty, QuotaWeight, RenewableRulesVersion
from powerkam.staff import permissions


def can_edit_settings(user: User | Any) -> bool:
    """Supervisors and administrators edit the weights and the rules (not planners or viewers, who also
    read the whole base: docs/permissions.md)."""
    return permissions.can(user, "renewables.change_settings")


def _require_admin(by: User | None) -> None:
    """``by`` None is the command line: the installation's administrator (docs/permissions.md)."""
    if by is not None:
        permissions.require(by, "renewables.change_settings")


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


@transaction.atomic
def rules_set(
    *, rules_toml: str, note: str = "", by: User | None = None, based_on: int | None = None
) -> RenewableRulesVersion:
    """Save new renewables rules (a new version; none is edited). ``based_on``: the id of the version the
    person edited; if someone saved a newer one since, nothing is saved (ConflictError)."""
    _require_admin(by)
    check_newest(RenewableRulesVersion, based_on)
    try:
        RenewableRules.from_toml(rules_toml)
    except RenewableRulesError as exc:
        raise ApplicationError(str(exc), {"field": "rules_toml"}) from exc
    return RenewableRulesVersion.objects.create(rules_toml=rules_toml, note=note, created_by=by)
