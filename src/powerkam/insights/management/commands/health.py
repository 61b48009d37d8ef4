"""``powerkam health``: health score and churn risk of the key accounts (docs/health.md).

powerkam health [--risk high|medium|low] [--district D] [--manager USER] [--grade A|B|C]
                [--reason CODE] [--strategy CODE] [--sort probability|score] [--limit N] [--format json]
powerkam health --customer CUSTOMER_ID [--format json]
powerkam health --snapshot          record today's health of every key account (the worker does it each morning)
powerkam health --rising            key accounts whose risk rose in the last 30 days
powerkam health --backtest [--horizon 6] [--k 50] [--test-months 6]   the churn model against the rules
powerkam health --train             retrain the churn model (the worker does it monthly)
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.analytics.health import RISKS
from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.insights import churn, health
from powerkam.insights.api import health_out, health_row_out


class Command(PowerKAMCommand):
    help = "Health score (0-100) and churn risk of the key accounts, riskiest first, with reasons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customer", help="One account's health.")
        parser.add_argument("--risk", default="", choices=["", *RISKS])
        parser.add_argument("--district", default="")
        parser.add_argument("--manager", default="", help="A manager's user name: the accounts they manage.")
        parser.add_argument("--grade", default="", help="A, B or C.")
        parser.add_argument("--reason", default="", help="A reason code, e.g. arrears_overdue (any of the account's).")
        parser.add_argument("--strategy", default="", help="The best-ranked strategy's code, e.g. payment_plan.")
        parser.add_argument(
            "--sort",
            default="",
            choices=["", *health.SORTS],
            help="probability (the model's, the default when one is in use) or score (the rule score).",
        )
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--snapshot", action="store_true", help="Record today's health of every key account.")
        parser.add_argument("--rising", action="store_true", help="Key accounts whose risk rose in 30 days.")
        parser.add_argument("--backtest", action="store_true", help="The churn model against the rule baseline.")
        parser.add_argument("--train", action="store_true", help="Retrain the churn model now.")
        parser.add_argument("--horizon", type=int, default=6, help="Months ahead a loss is predicted (backtest).")
        parser.add_argument("--k", type=int, default=50, help="Accounts the managers can call on in a month.")
        parser.add_argument("--test-months", type=int, default=6, help="Last complete windows tested.")

    def run(self, *args: Any, **options: Any) -> Any:
        if options.get("backtest"):
            return {
                "backtest": churn.backtest(
                    horizon=options["horizon"], k=options["k"], test_months=options["test_months"]
                )
            }
        if options.get("train"):
            return {"train": churn.train()}
        if options.get("snapshot"):
            return {"snapshot": health.health_snapshot_take()}
        if options.get("rising"):
            return {
                "rising": [
                    {
                        "customer_id": r.account.customer_id,
                        "name": r.account.name,
                        "before": {"on": r.before.taken_on, "score": r.before.score, "risk": r.before.risk},
                        "now": {"on": r.now.taken_on, "score": r.now.score, "risk": r.now.risk},
                    }
                    for r in health.risk_rising(user=None)
                ]
            }
        if options.get("customer"):
            try:
                account = Account.objects.active().get(customer_id=options["customer"])
            except Account.DoesNotExist:
                raise ApplicationError(_("No account %(id)s.") % {"id": options["customer"]}) from None
            return health_out(account, health.account_health(account=account))
        manager = ""
        if options["manager"]:
            from django.contrib.auth import get_user_model

            found = get_user_model().objects.filter(username=options["manager"]).values_list("pk", flat=True).first()
            if found is None:
                raise ApplicationError(_("Unknown manager %(value)r.") % {"value": options["manager"]})
            manager = str(found)
        filters = health.HealthFilters.from_query(
            {
                "risk": options["risk"],
                "district": options["district"],
                "manager": manager,
                "grade": options["grade"],
                "reason": options["reason"],
                "strategy": options["strategy"],
                "sort": options["sort"],
            }
        )
        report = health.key_account_health(user=None, filters=filters)
        return {
            "period": report.period,
            "counts": dict(report.counts),
            "ranking": {"by": report.ranking.by, "model_version": report.ranking.model_version},
            "accounts": [health_row_out(r) for r in report.rows[: max(options["limit"], 0)]],
        }

    def render_text(self, result: Any) -> str:
        if "backtest" in result:
            b = result["backtest"]
            lines = [
                f"test windows {b['test_periods'][0]} … {b['test_periods'][1]}: {b['rows']} rows, {b['losses']} losses"
            ]
            for name in ("model", "baseline"):
                s = b[name]
                if s is None:
                    lines.append(f"{name}: too little history, the rules stay")
                    continue
                lines.append(
                    f"{name}: auc {s['auc']}  pr_auc {s['pr_auc']}  precision@{b['k']} {s['precision_at_k']}  "
                    f"recall@{b['k']} {s['recall_at_k']}  lead {s['lead_months']} months"
                )
            return "\n".join(lines)
        if "train" in result:
            return json.dumps(result["train"], ensure_ascii=False)
        if "snapshot" in result:
            return f"{result['snapshot']} key accounts recorded"
        if "rising" in result:
            return "\n".join(
                f"{r['customer_id']}  {r['name']}  {r['before']['risk']} {r['before']['score']:.0f} → "
                f"{r['now']['risk']} {r['now']['score']:.0f}"
                for r in result["rising"]
            )
        rows = result.get("accounts", [result])
        lines = []
        if "counts" in result:
            lines.append(", ".join(f"{risk}: {n}" for risk, n in result["counts"].items()))
        if "ranking" in result:
            by = result["ranking"]
            lines.append(
                _("Ranked by the model's probability of loss (model %(v)s)") % {"v": by["model_version"]}
                if by["by"] == "probability"
                else _("Ranked by the rule score")
            )
        for r in rows:
            why = "; ".join(f"{x['code']} (-{x['points']})" for x in r["reasons"][:3])
            chance = "" if r.get("probability") is None else f"  p={100 * r['probability']:.1f}%"
            lines.append(f"{r['customer_id']}  {r['name']}  {r['score']:.0f}  {r['risk']}{chance}  {why}")
        return "\n".join(lines)
