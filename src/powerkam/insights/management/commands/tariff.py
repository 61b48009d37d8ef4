"""``powerkam tariff``: tariff advice from the command line (docs/rules.md §5).

powerkam tariff advise CUSTOMER_ID [--period YYYY-MM] [--rules FILE] [--format json]
powerkam tariff opportunities [--district D] [--kind basic_charge|time_of_use|power_factor] [--limit N]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.analytics import tariff as engine
from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.insights import selectors
from powerkam.insights.api import advice_out

_KIND_TEXT = {
    "basic_charge": "basic charge mode",
    "time_of_use": "time-of-use shifting",
    "power_factor": "power factor",
}


class Command(PowerKAMCommand):
    help = "Tariff advice: the cheaper basic-charge mode and contract demand, time-of-use shifting, power factor."

    def add_arguments(self, parser: CommandParser) -> None:
        action = self.subcommands(parser)

        def sub(name: str, help_text: str) -> argparse.ArgumentParser:
            p = action(name, help_text)
            p.add_argument("--period", help="Last month of the 12 (YYYY-MM); default the newest billed month.")
            return p

        advise = sub("advise", "Tariff advice for one account.")
        advise.add_argument("customer_id")
        advise.add_argument("--rules", type=Path, help="A TOML file of tariff rules (default: the saved rules).")
        opportunities = sub("opportunities", "Key accounts with tariff advice, largest saving first.")
        opportunities.add_argument("--district", default="")
        opportunities.add_argument("--kind", default="", choices=["", *selectors.KINDS])
        opportunities.add_argument("--limit", type=int, default=50)

    def run(self, *args: Any, **options: Any) -> Any:
        if options["action"] == "advise":
            return self._advise(options)
        found = selectors.tariff_opportunities(
            user=None, period=options.get("period"), district=options["district"], kind=options["kind"]
        )
        return {
            "period": found.period,
            "evaluated": found.evaluated,
            "annual_saving_yuan": found.total_yuan,
            "accounts": [
                {
                    "customer_id": r.customer_id,
                    "name": r.name,
                    "district": r.district,
                    "grade": r.grade,
                    "manager": r.manager,
                    "annual_saving_yuan": r.advice.annual_saving_yuan,
                    "advice": dict(r.advice.items),
                }
                for r in found.rows[: max(options["limit"], 0)]
            ],
        }

    def _advise(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            account = Account.objects.active().get(customer_id=options["customer_id"])
        except Account.DoesNotExist:
            raise ApplicationError(_("No account %(id)s.") % {"id": options["customer_id"]}) from None
        rules = None
        if options.get("rules"):
            try:
                rules = engine.TariffRules.from_file(options["rules"])
            except engine.TariffRulesError as exc:
                raise ApplicationError(_("Bad tariff rules file: %(error)s") % {"error": exc}) from exc
        advice = selectors.account_tariff_advice(account=account, period=options.get("period"), rules=rules)
        return advice_out(advice) | {"name": account.name}

    def render_text(self, result: Any) -> str:
        if "accounts" in result:
            lines = [
                f"{result['period']}: {len(result['accounts'])} shown, ¥{result['annual_saving_yuan']:,.0f} a year"
            ]
            for r in result["accounts"]:
                kinds = ", ".join(f"{_KIND_TEXT[k]} ¥{y:,.0f}" for k, y in r["advice"].items())
                lines.append(f"{r['customer_id']}  {r['name']}  ¥{r['annual_saving_yuan']:,.0f}  ({kinds})")
            return "\n".join(lines)
        lines = [f"{result['customer_id']} {result['name']} — 12 months ending {result['period']}"]
        if not result["advice"]:
            lines.append("no tariff advice worth giving")
        for item in result["advice"]:
            lines.append(f"  {_KIND_TEXT[item['kind']]}: ¥{item['annual_saving_yuan']:,.0f} a year")
        basic = result["basic_charge"]
        if basic:
            lines.append(
                f"  basic charge: now by {basic['current_mode']} ¥{basic['current_cost_yuan']:,.0f}; "
                f"by capacity ¥{basic['capacity_cost_yuan']:,.0f}; by demand at {basic['contract_demand_kw']} kW "
                f"¥{basic['demand_cost_yuan']:,.0f} → {basic['advised_mode']}"
            )
        return "\n".join(lines)
