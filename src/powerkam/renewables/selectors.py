"""Read side of the renewables area: one account's renewable figures for a year and the list of
renewable key accounts a user sees (docs/rules.md §7, docs/renewables.md). The arithmetic is
:mod:`powerkam.analytics.renewables`; this module brings the weights, the rules and the accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.accounts.selectors import AnyUser, accounts_visible_to
from powerkam.analytics import renewables as engine
from powerkam.analytics import store
from powerkam.core.errors import ApplicationError
from powerkam.renewables.models import PartyType, QuotaParty, QuotaWeight, RenewableRulesVersion
from powerkam.staff.scope import Viewer

#: The list's status filter.
STATUSES = ("short", "met", "no_weight", "below_minimum")


def visible_accounts(user: Viewer | None) -> Any:
    """The accounts a user sees; ``None`` (the command line, run by the operator) sees them all."""
    return Account.objects.active() if user is None else accounts_visible_to(user)


def store_dir() -> Path:
    return Path(settings.ANALYTICS_DIR)


def renewable_rules() -> engine.RenewableRules:
    """The newest rules an administrator saved, else the defaults (docs/renewables.md)."""
    latest = RenewableRulesVersion.objects.first()
    if latest is None:
        return engine.DEFAULT_RULES
    try:
        return engine.RenewableRules.from_toml(latest.rules_toml)
    except engine.RenewableRulesError as exc:
        raise ApplicationError(_("The saved renewables rules cannot be used: %(error)s") % {"error": exc}) from exc


def check_year(year: int | str | None) -> int:
    """The year asked for, or the year of the newest billed month (this year when nothing is billed)."""
    if year not in (None, ""):
        try:
            value = int(str(year))
        except ValueError:
            raise ApplicationError(_("%(value)r is not a year like 2026.") % {"value": year}) from None
        if not 2000 <= value <= 2100:
            raise ApplicationError(_("%(value)r is not a year like 2026.") % {"value": year})
        return value
    if store.has_dataset(store_dir(), "billing"):
        from powerkam.analytics.tariff import latest_period

        latest = latest_period(store_dir())
        if latest:
            return int(latest[:4])
    return timezone.localdate().year


@dataclass
class Weights:
    """The loaded weights of the rules' province, by (year, party type)."""

    province: str
    by_key: dict[tuple[int, str], QuotaWeight] = field(default_factory=dict)

    @classmethod
    def load(cls, province: str) -> Weights:
        return cls(province, {(w.year, w.party_type): w for w in QuotaWeight.objects.filter(province=province)})

    def get(self, year: int, party_type: str) -> QuotaWeight | None:
        return self.by_key.get((year, party_type))


@dataclass
class AccountRenewables:
    """One account's renewable figures for one year."""

    account: Account
    year: int
    figures: engine.YearFigures
    rules: engine.RenewableRules
    party_type: str
    weight: QuotaWeight | None
    certificate_price_yuan: float | None
    warnings: list[str] = field(default_factory=list)
    #: capacity headroom (kW) of the account's first supply feeder and of its substation (None: unknown)
    feeder_headroom_kw: float | None = None
    substation_headroom_kw: float | None = None
    #: the environmental premium green power would cost (the newest trade, else the rules')
    green_premium_yuan_per_kwh: float | None = None

    def _quota(self, weight: float) -> engine.Quota:
        f = self.figures
        return engine.quota(
            weight=weight,
            consumption_mwh=f.consumption_kwh / 1000,
            own_mwh=f.own_renewable_kwh / 1000,
            green_mwh=f.green_kwh / 1000,
            certificates=f.certificates,
            certificate_price_yuan=self.certificate_price_yuan,
        )

    @property
    def quota(self) -> engine.Quota | None:
        """Against the total weight (hydro counts toward it)."""
        return None if self.weight is None else self._quota(float(self.weight.total_weight))

    @property
    def non_hydro_quota(self) -> engine.Quota | None:
        """Against the non-hydro weight. The data holds no hydro: own generation is PV and wind, green
        power contracts are wind and solar, and certificates carry no source (counted as non-hydro)."""
        if self.weight is None or self.weight.non_hydro_weight is None:
            return None
        return self._quota(float(self.weight.non_hydro_weight))

    @property
    def growth(self) -> engine.GrowthHeadroom | None:
        """The headroom to grow (额度提升空间) against the total weight."""
        q = self.quota
        if q is None:
            return None
        return engine.growth_headroom(
            q,
            voltage_kv=float(self.account.voltage_kv),
            pv_kw=self.figures.pv_kw,
            annual_consumption_kwh=self.annual_kwh,
            feeder_headroom_kw=self.feeder_headroom_kw,
            substation_headroom_kw=self.substation_headroom_kw,
            rules=self.rules,
            green_premium_yuan_per_kwh=self.green_premium_yuan_per_kwh,
        )

    @property
    def forecast(self) -> engine.Quota | None:
        q = self.quota
        return None if q is None else engine.forecast(q, self.figures.months)

    @property
    def self_use(self) -> engine.SelfConsumption | None:
        f = self.figures
        if f.generated_kwh <= 0:
            return None
        return engine.self_consumption(
            f.generated_kwh, self_consumed_kwh=f.self_consumed_kwh, minimum=self.rules.self_consumption_min
        )

    @property
    def below_minimum(self) -> bool:
        use = self.self_use
        return use is not None and use.compliant is False

    @property
    def mode_check(self) -> engine.ModeCheck | None:
        if self.figures.pv_kw <= 0:
            return None
        return engine.allowed_modes(
            float(self.account.voltage_kv), self.figures.pv_kw, spot_market=self.rules.spot_market
        )

    @property
    def annual_kwh(self) -> float:
        """The year's consumption, scaled to twelve months while the year is not complete."""
        f = self.figures
        return f.consumption_kwh * 12 / f.months if 0 < f.months < 12 else f.consumption_kwh

    @property
    def tier(self) -> engine.TierPosition:
        return engine.tier_position(self.annual_kwh, self.rules.tiers)

    @property
    def status(self) -> str:
        """short when either the total or the non-hydro obligation is not met."""
        q, nh = self.quota, self.non_hydro_quota
        if q is None:
            return "no_weight"
        return "met" if q.met and (nh is None or nh.met) else "short"


def party_types(accounts: list[Account], rules: engine.RenewableRules) -> dict[int, str]:
    recorded = dict(QuotaParty.objects.filter(account__in=accounts).values_list("account_id", "party_type"))
    return {a.pk: recorded.get(a.pk, rules.default_party_type) for a in accounts}


def missing_weight_message(province: str, year: int, party_type: str) -> str:
    return _(
        "No consumption-responsibility weight is loaded for %(province)s %(year)s (%(party)s): "
        "the obligation cannot be computed. An administrator adds it under Administration → weights."
    ) % {"province": province or "—", "year": year, "party": PartyType(party_type).label}


def account_renewables_many(
    accounts: list[Account], year: int, *, rules: engine.RenewableRules | None = None, with_headroom: bool = True
) -> list[AccountRenewables]:
    """The accounts' figures; ``with_headroom=False`` skips the grid headroom (the PV they could add is
    then unknown) for figures that do not show it."""
    rules = rules or renewable_rules()
    figures = engine.year_figures(store_dir(), year, [a.customer_id for a in accounts])
    weights = Weights.load(rules.province)
    parties = party_types(accounts, rules)
    price = engine.latest_certificate_price(store_dir(), dt.date(year, 12, 31))
    if price is None:
        price = rules.certificate_price_yuan
    premium = engine.latest_green_premium(store_dir(), dt.date(year, 12, 31))
    headroom = grid_headroom(accounts) if with_headroom else {}
    out = []
    for account in accounts:
        party = parties[account.pk]
        weight = weights.get(year, party)
        item = AccountRenewables(
            account=account,
            year=year,
            figures=figures.get(account.customer_id) or engine.YearFigures(account.customer_id, year),
            rules=rules,
            party_type=party,
            weight=weight,
            certificate_price_yuan=price,
            feeder_headroom_kw=headroom.get(account.pk, (None, None))[0],
            substation_headroom_kw=headroom.get(account.pk, (None, None))[1],
            green_premium_yuan_per_kwh=premium,
        )
        if weight is None:
            item.warnings.append(missing_weight_message(rules.province, year, party))
        if item.below_minimum:
            item.warnings.append(
                _(
                    "Self-consumption %(ratio)s is below the provincial minimum %(minimum)s: the project risks "
                    "losing its distributed-PV status (国能发新能规〔2025〕7号) — raise on-site use or storage."
                )
                % {
                    "ratio": _percent(item.self_use.ratio if item.self_use else None),
                    "minimum": _percent(rules.self_consumption_min),
                }
            )
        check = item.mode_check
        if check is not None and item.figures.pv_mode and not check.allows(item.figures.pv_mode):
            item.warnings.append(_("The PV connection mode is not one the account's voltage and capacity allow."))
        out.append(item)
    return out


def grid_headroom(accounts: list[Account]) -> dict[int, tuple[float | None, float | None]]:
    """Account → capacity headroom (kW) of its first supply feeder and of that feeder's substation
    (grid data, docs/prospects.md: rated × power factor − peak − active reservations); unknown without
    grid data. Each feeder and substation is computed once."""
    from powerkam.grid.capacity import feeder_headroom, substation_headroom
    from powerkam.grid.models import Feeder

    first = {a.pk: a.feeder_list[0] for a in accounts if a.feeder_list}
    feeders = {
        f.feeder_id: f
        for f in Feeder.objects.filter(feeder_id__in=set(first.values()), archived=False).select_related("substation")
    }
    by_feeder: dict[str, float | None] = {}
    by_substation: dict[int, float | None] = {}
    out: dict[int, tuple[float | None, float | None]] = {}
    for pk, feeder_id in first.items():
        feeder = feeders.get(feeder_id)
        if feeder is None:
            continue
        if feeder_id not in by_feeder:
            kw = feeder_headroom(feeder).available_kw
            by_feeder[feeder_id] = None if kw is None else float(kw)
        if feeder.substation_id not in by_substation:
            kw = substation_headroom(feeder.substation).available_kw
            by_substation[feeder.substation_id] = None if kw is None else float(kw)
        out[pk] = (by_feeder[feeder_id], by_substation[feeder.substation_id])
    return out


def account_renewables(*, user: AnyUser | None, customer_id: str, year: int | str | None = None) -> AccountRenewables:
    try:
        account = visible_accounts(user).get(customer_id=customer_id)
    except Account.DoesNotExist:
        raise ApplicationError(_("No account %(id)s.") % {"id": customer_id}) from None
    return account_renewables_many([account], check_year(year))[0]


@dataclass
class RenewableList:
    year: int
    rows: list[AccountRenewables]
    warnings: list[str]

    @property
    def missing_weights(self) -> list[str]:
        """The party types of the listed accounts whose weight for the year is not loaded."""
        return sorted({r.party_type for r in self.rows if r.weight is None})

    @property
    def totals(self) -> dict[str, float]:
        quotas = [r.quota for r in self.rows if r.quota is not None]
        return {
            "accounts": len(self.rows),
            "obligation_mwh": sum(q.obligation_mwh for q in quotas),
            "fulfilled_mwh": sum(q.fulfilled_mwh for q in quotas),
            "shortfall_mwh": sum(q.shortfall_mwh for q in quotas),
            "shortfall_certificates": sum(q.shortfall_certificates for q in quotas),
            "shortfall_cost_yuan": sum(q.shortfall_cost_yuan or 0 for q in quotas),
            "short": sum(1 for r in self.rows if r.status == "short"),
            "no_weight": sum(1 for r in self.rows if r.status == "no_weight"),
            "generated_mwh": sum(r.figures.generated_kwh for r in self.rows) / 1000,
            "self_consumed_mwh": sum(r.figures.self_consumed_kwh for r in self.rows) / 1000,
            "own_renewable_mwh": sum(r.figures.own_renewable_kwh for r in self.rows) / 1000,
            "below_minimum": sum(1 for r in self.rows if r.below_minimum),
        }


def renewable_list(
    *,
    user: Viewer | None,
    year: int | str | None = None,
    district: str = "",
    status: str = "",
    scope: str = "",
    with_headroom: bool = True,
) -> RenewableList:
    """The key accounts with generation or green power in the year (``scope="all"``: every account the
    user sees that consumed in the year), largest shortfall first."""
    year = check_year(year)
    rules = renewable_rules()
    accounts = visible_accounts(user)
    if district:
        accounts = accounts.filter(district=district)
    figures = engine.year_figures(store_dir(), year)
    wanted = {cid for cid, f in figures.items() if f.has_renewables or (scope == "all" and f.consumption_kwh > 0)}
    chosen = [a for a in accounts.order_by("customer_id") if a.customer_id in wanted]
    rows = account_renewables_many(chosen, year, rules=rules, with_headroom=with_headroom)
    if status == "below_minimum":
        rows = [r for r in rows if r.below_minimum]
    elif status in STATUSES:
        rows = [r for r in rows if r.status == status]
    rows.sort(key=lambda r: (-(r.quota.shortfall_mwh if r.quota else -1), r.account.customer_id))
    found = RenewableList(year, rows, [])
    found.warnings = [missing_weight_message(rules.province, year, p) for p in found.missing_weights]
    return found


def monthly_generation(account: Account, months: int = 24) -> list[engine.MonthGeneration]:
    return engine.monthly_generation(store_dir(), account.customer_id, months=months)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def as_dict(item: AccountRenewables) -> dict[str, Any]:
    """One account's figures as plain JSON values (API, CLI ``--format json``, Excel)."""
    f, q, fc, use, tier, check = item.figures, item.quota, item.forecast, item.self_use, item.tier, item.mode_check
    nh, grow = item.non_hydro_quota, item.growth
    return {
        "customer_id": item.account.customer_id,
        "name": item.account.name,
        "district": item.account.district,
        "year": item.year,
        "party_type": item.party_type,
        "province": item.rules.province,
        "weight": None if item.weight is None else float(item.weight.total_weight),
        "non_hydro_weight": None
        if item.weight is None or item.weight.non_hydro_weight is None
        else float(item.weight.non_hydro_weight),
        "months": f.months,
        "consumption_mwh": round(f.consumption_kwh / 1000, 3),
        "own_mwh": round(f.own_renewable_kwh / 1000, 3),
        "green_mwh": round(f.green_kwh / 1000, 3),
        "certificates": f.certificates,
        "obligation_mwh": None if q is None else round(q.obligation_mwh, 3),
        "fulfilled_mwh": round((f.own_renewable_kwh + f.green_kwh) / 1000 + f.certificates, 3),
        "shortfall_mwh": None if q is None else round(q.shortfall_mwh, 3),
        "shortfall_certificates": None if q is None else q.shortfall_certificates,
        "shortfall_cost_yuan": None if q is None else q.shortfall_cost_yuan,
        "certificate_price_yuan": item.certificate_price_yuan,
        "share": None if q is None or q.share is None else round(q.share, 4),
        "status": item.status,
        "non_hydro": None
        if nh is None
        else {
            "weight": nh.weight,
            "obligation_mwh": round(nh.obligation_mwh, 3),
            "shortfall_mwh": round(nh.shortfall_mwh, 3),
            "shortfall_certificates": nh.shortfall_certificates,
            "shortfall_cost_yuan": nh.shortfall_cost_yuan,
            "met": nh.met,
        },
        "headroom": None if grow is None else growth_dict(grow),
        "forecast": None
        if fc is None
        else {
            "consumption_mwh": round(fc.consumption_mwh, 3),
            "obligation_mwh": round(fc.obligation_mwh, 3),
            "fulfilled_mwh": round(fc.fulfilled_mwh, 3),
            "shortfall_mwh": round(fc.shortfall_mwh, 3),
            "shortfall_certificates": fc.shortfall_certificates,
            "shortfall_cost_yuan": fc.shortfall_cost_yuan,
        },
        "generated_kwh": round(f.generated_kwh, 1),
        "self_consumed_kwh": round(f.self_consumed_kwh, 1),
        "exported_kwh": round(f.exported_kwh, 1),
        "self_consumption_ratio": None if use is None or use.ratio is None else round(use.ratio, 4),
        "self_consumption_min": item.rules.self_consumption_min,
        "below_minimum": item.below_minimum,
        "installed_kw": round(f.installed_kw, 1),
        "pv_kw": round(f.pv_kw, 1),
        "technologies": list(f.technologies),
        "pv_mode": f.pv_mode,
        "allowed_modes": None if check is None else list(check.allowed),
        "pv_over_limit": None if check is None else check.over_limit,
        "mode_allowed": None if check is None or not f.pv_mode else check.allows(f.pv_mode),
        "green_premium_yuan": round(f.green_premium_yuan, 2),
        "certificates_yuan": round(f.certificates_yuan, 2),
        "generation_growth": None if f.generation_growth is None else round(f.generation_growth, 4),
        "tier": {
            "annual_kwh": round(tier.kwh, 1),
            "tier": tier.tier,
            "rate_yuan_per_kwh": tier.rate_yuan_per_kwh,
            "difference_yuan": tier.difference_yuan,
            "kwh_to_next": None if tier.kwh_to_next is None else round(tier.kwh_to_next, 1),
            "next_rate_yuan_per_kwh": tier.next_rate_yuan_per_kwh,
            "gain_at_next_yuan": tier.gain_at_next_yuan,
        },
        "warnings": list(item.warnings),
    }


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def growth_dict(g: engine.GrowthHeadroom) -> dict[str, Any]:
    """The headroom to grow as plain JSON values."""
    return {
        "certificates": g.shortfall_certificates,
        "certificates_yuan": g.certificates_yuan,
        "green_power_mwh": round(g.green_power_mwh, 3),
        "green_premium_yuan_per_kwh": g.green_premium_yuan_per_kwh,
        "green_power_premium_yuan": g.green_power_premium_yuan,
        "pv_limits_kw": {k: _r(v, 1) for k, v in g.limits_kw.items()},
        "pv_binding": g.pv_binding,
        "pv_kw": g.pv_kw,
        "pv_yield_kwh_per_kw": g.pv_yield_kwh_per_kw,
        "pv_mwh_year": _r(g.pv_mwh),
        "pv_counted_mwh": _r(g.pv_counted_mwh),
        "pv_certificates_yuan": g.pv_certificates_yuan,
        "share_now": _r(g.share_now, 4),
        "share_with_pv": _r(g.share_with_pv, 4),
    }
