"""``powerkam renewables``: renewable key accounts from the command line (docs/renewables.md).

powerkam renewables list [--year Y] [--district D] [--status short|met|no_weight|below_minimum] [--all]
powerkam renewables show CUSTOMER_ID [--year Y]
powerkam renewables weights [--province P]
powerkam renewables weight-set PROVINCE YEAR PARTY_TYPE TOTAL [--non-hydro W] [--source TEXT]
powerkam renewables quota --weight W --consumption-mwh C [--renewable-mwh R] [--green-mwh G] [--certificates N] [--certificate-price P]
powerkam renewables self-use --generated-kwh G (--exported-kwh E | --self-consumed-kwh S) [--minimum M]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from powerkam.analytics import renewables as engine
from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.renewables import selectors, services
from powerkam.renewables.models import PartyType, QuotaWeight


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


class Command(PowerKAMCommand):
    help = "Renewable key accounts: consumption-responsibility quota, self-use ratio, price-difference tiers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = self.subcommands(parser)

        listing = sub("list", "Renewable key accounts with their quota status, largest shortfall first.")
        listing.add_argument("--year", help="Default: the year of the newest billed month.")
        listing.add_argument("--district", default="")
        listing.add_argument("--status", default="", choices=["", *selectors.STATUSES])
        listing.add_argument("--all", action="store_true", help="Every account that consumed, not only renewable ones.")
        show = sub("show", "One account's renewable figures for a year.")
        show.add_argument("customer_id")
        show.add_argument("--year")
        weights = sub("weights", "The consumption-responsibility weights loaded.")
        weights.add_argument("--province", default="")
        weight_set = sub("weight-set", "Add or change a weight (the history keeps the old one).")
        weight_set.add_argument("province")
        weight_set.add_argument("year", type=int)
        weight_set.add_argument("party_type", choices=PartyType.values)
        weight_set.add_argument("total", help="A share (0.158) or a percentage (15.8%).")
        weight_set.add_argument("--non-hydro", default=None)
        weight_set.add_argument("--source", default="")
        quota = sub("quota", "Compute an obligation and shortfall from figures (docs/rules.md §7).")
        quota.add_argument("--weight", type=float, required=True, help="A share: 0.158 for 15.8 %%.")
        quota.add_argument("--consumption-mwh", type=float, required=True)
        quota.add_argument("--renewable-mwh", type=float, default=0.0, help="Own renewable consumption.")
        quota.add_argument("--green-mwh", type=float, default=0.0)
        quota.add_argument("--certificates", type=int, default=0)
        quota.add_argument("--certificate-price", type=float, default=None)
        quota.add_argument("--premium", type=float, default=None, help="Green power premium, yuan/kWh.")
        self_use = sub("self-use", "The self-consumption ratio of a PV plant against the minimum.")
        self_use.add_argument("--generated-kwh", type=float, required=True)
        self_use.add_argument("--exported-kwh", type=float, default=None)
        self_use.add_argument("--self-consumed-kwh", type=float, default=None)
        self_use.add_argument("--minimum", type=float, default=None, help="Default: the renewables rules' minimum.")

    def run(self, *args: Any, **options: Any) -> Any:
        action = options["action"]
        if action == "list":
            found = selectors.renewable_list(
                user=None,
                year=options.get("year"),
                district=options["district"],
                status=options["status"],
                scope="all" if options["all"] else "",
            )
            return {
                "year": found.year,
                "totals": found.totals,
                "warnings": found.warnings,
                "accounts": [selectors.as_dict(r) for r in found.rows],
            }
        if action == "show":
            return selectors.as_dict(
                selectors.account_renewables(user=None, customer_id=options["customer_id"], year=options.get("year"))
            )
        if action == "weights":
            rows = QuotaWeight.objects.all()
            if options["province"]:
                rows = rows.filter(province=options["province"])
            return {"weights": [_weight(w) for w in rows]}
        if action == "weight-set":
            weight = services.weight_set(
                province=options["province"],
                year=options["year"],
                party_type=options["party_type"],
                total_weight=options["total"],
                non_hydro_weight=options["non_hydro"],
                source=options["source"],
            )
            return {"weights": [_weight(weight)]}
        if action == "quota":
            return self._quota(options)
        return self._self_use(options)

    def _quota(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            q = engine.quota(
                weight=options["weight"],
                consumption_mwh=options["consumption_mwh"],
                own_mwh=options["renewable_mwh"],
                green_mwh=options["green_mwh"],
                certificates=options["certificates"],
                certificate_price_yuan=options["certificate_price"],
            )
        except ValueError as exc:
            raise ApplicationError(str(exc)) from exc
        out: dict[str, Any] = {
            "weight": q.weight,
            "consumption_mwh": q.consumption_mwh,
            "obligation_mwh": round(q.obligation_mwh, 3),
            "fulfilled_mwh": round(q.fulfilled_mwh, 3),
            "shortfall_mwh": round(q.shortfall_mwh, 3),
            "shortfall_certificates": q.shortfall_certificates,
            "shortfall_cost_yuan": q.shortfall_cost_yuan,
        }
        if options["certificates"] and options["certificate_price"] is not None:
            out["certificates_cost_yuan"] = round(
                engine.certificates_cost_yuan(options["certificates"], options["certificate_price"]), 2
            )
        if options["premium"] is not None:
            out["green_premium_yuan"] = round(engine.green_premium_yuan(q.green_mwh * 1000, options["premium"]), 2)
        return out

    def _self_use(self, options: dict[str, Any]) -> dict[str, Any]:
        if options["exported_kwh"] is None and options["self_consumed_kwh"] is None:
            raise ApplicationError("Give --exported-kwh or --self-consumed-kwh.")
        minimum = options["minimum"]
        if minimum is None:
            minimum = selectors.renewable_rules().self_consumption_min
        use = engine.self_consumption(
            options["generated_kwh"],
            self_consumed_kwh=options["self_consumed_kwh"],
            exported_kwh=options["exported_kwh"],
            minimum=minimum,
        )
        return {
            "generated_kwh": use.generated_kwh,
            "self_consumed_kwh": use.self_consumed_kwh,
            "self_consumption_ratio": None if use.ratio is None else round(use.ratio, 4),
            "minimum": use.minimum,
            "compliant": use.compliant,
        }

    def render_text(self, result: Any) -> str:
        if "accounts" in result:
            t = result["totals"]
            lines = [
                f"{result['year']}: {t['accounts']} accounts, {t['short']} short of the quota, "
                f"shortfall {_num(t['shortfall_mwh'])} MWh = {t['shortfall_certificates']:,} certificates "
                f"(¥{_num(t['shortfall_cost_yuan'], 2)}); {t['below_minimum']} below the self-use minimum",
                *result["warnings"],
            ]
            for r in result["accounts"]:
                lines.append(
                    f"{r['customer_id']}  {r['name']}  share {_pct(r['share'])} of {_pct(r['weight'])}  "
                    f"shortfall {_num(r['shortfall_mwh'])} MWh  self-use {_pct(r['self_consumption_ratio'])}"
                )
            return "\n".join(lines)
        if "weights" in result:
            return (
                "\n".join(
                    f"{w['province']} {w['year']} {w['party_type']}: total {_pct(w['total_weight'])}, "
                    f"non-hydro {_pct(w['non_hydro_weight'])}  {w['source']}"
                    for w in result["weights"]
                )
                or "no weights loaded"
            )
        if "customer_id" in result:
            r = result
            lines = [
                f"{r['customer_id']} {r['name']} — {r['year']} ({r['party_type']}, {r['province']})",
                f"  consumption {_num(r['consumption_mwh'], 1)} MWh over {r['months']} months; weight {_pct(r['weight'])}",
                f"  obligation {_num(r['obligation_mwh'], 1)} MWh; fulfilled {_num(r['fulfilled_mwh'], 1)} MWh "
                f"(own {_num(r['own_mwh'], 1)}, green power {_num(r['green_mwh'], 1)}, certificates {r['certificates']:,})",
                f"  shortfall {_num(r['shortfall_mwh'], 1)} MWh = {_num(r['shortfall_certificates'])} certificates "
                f"at ¥{_num(r['certificate_price_yuan'], 2)} = ¥{_num(r['shortfall_cost_yuan'], 2)}",
            ]
            if r["non_hydro"]:
                nh = r["non_hydro"]
                lines.append(
                    f"  non-hydro weight {_pct(nh['weight'])}: obligation {_num(nh['obligation_mwh'], 1)} MWh, "
                    f"shortfall {_num(nh['shortfall_mwh'], 1)} MWh = {_num(nh['shortfall_certificates'])} certificates"
                )
            if r["headroom"]:
                h = r["headroom"]
                lines.append(
                    f"  headroom to grow: buy {_num(h['certificates'])} certificates (¥{_num(h['certificates_yuan'], 2)}) "
                    f"or {_num(h['green_power_mwh'], 1)} MWh of green power (premium ¥{_num(h['green_power_premium_yuan'], 2)})"
                )
                if h["pv_kw"] is None:
                    lines.append("  PV it could add: unknown (no grid headroom for its feeder or substation)")
                else:
                    lines.append(
                        f"  PV it could add: {_num(h['pv_kw'])} kW (limited by {h['pv_binding']}) = "
                        f"{_num(h['pv_mwh_year'], 1)} MWh/year at {_num(h['pv_yield_kwh_per_kw'])} kWh/kW, "
                        f"{_num(h['pv_counted_mwh'], 1)} MWh counted, spares ¥{_num(h['pv_certificates_yuan'], 2)} "
                        f"of certificates; share {_pct(h['share_now'])} → {_pct(h['share_with_pv'])}"
                    )
            if r["forecast"]:
                f = r["forecast"]
                lines.append(
                    f"  year forecast: obligation {_num(f['obligation_mwh'], 1)} MWh, shortfall {_num(f['shortfall_mwh'], 1)} MWh"
                )
            if r["generated_kwh"]:
                lines.append(
                    f"  generated {_num(r['generated_kwh'])} kWh, self-use {_pct(r['self_consumption_ratio'])} "
                    f"(minimum {_pct(r['self_consumption_min'])}); PV {_num(r['pv_kw'])} kW {r['pv_mode'] or ''}"
                )
            tier = r["tier"]
            lines.append(
                f"  price-difference tier {tier['tier']} at {tier['rate_yuan_per_kwh']} yuan/kWh: ¥{_num(tier['difference_yuan'], 2)}"
                + (
                    f"; next tier in {_num(tier['kwh_to_next'])} kWh gains ¥{_num(tier['gain_at_next_yuan'], 2)}"
                    if tier["kwh_to_next"] is not None
                    else ""
                )
            )
            lines += [f"  ! {w}" for w in r["warnings"]]
            return "\n".join(lines)
        if "obligation_mwh" in result:
            r = result
            text = (
                f"obligation {_num(r['obligation_mwh'])} MWh, fulfilled {_num(r['fulfilled_mwh'])} MWh, "
                f"shortfall {_num(r['shortfall_mwh'])} MWh = {r['shortfall_certificates']:,} certificates"
            )
            if r["shortfall_cost_yuan"] is not None:
                text += f" = ¥{_num(r['shortfall_cost_yuan'], 2)}"
            if "certificates_cost_yuan" in r:
                text += f"; certificates held cost ¥{_num(r['certificates_cost_yuan'], 2)}"
            if "green_premium_yuan" in r:
                text += f"; green power premium ¥{_num(r['green_premium_yuan'], 2)}"
            return text
        verdict = {True: "compliant", False: "below the minimum", None: "nothing generated"}[result["compliant"]]
        return (
            f"self-consumption {_pct(result['self_consumption_ratio'])} (minimum {_pct(result['minimum'])}): {verdict}"
        )


def _weight(w: QuotaWeight) -> dict[str, Any]:
    return {
        "province": w.province,
        "year": w.year,
        "party_type": w.party_type,
        "total_weight": float(w.total_weight),
        "non_hydro_weight": None if w.non_hydro_weight is None else float(w.non_hydro_weight),
        "source": w.source,
    }
