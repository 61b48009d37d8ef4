import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "powerkam.insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from powerkam.core.contributions import contribute

        contribute("powerkam.insights.panels.register_panels")
        contribute("powerkam.insights.actions.register_actions")

        contribute("powerkam.insights.overview.register_tiles")

        contribute("powerkam.insights.campaigns.register_tasks")
        contribute("powerkam.insights.offers.register_tasks")
        contribute("powerkam.insights.inbox.register_inbox")
        contribute("powerkam.insights.prepare.register_preparers")
        from powerkam.core import rules

        # the rules documents GET/POST /api/v1/rules/{kind} serves (core/rules.py)
        rules.register(
            "tariff",
            model="insights.TariffRulesVersion",
            save="powerkam.insights.services.tariff_rules_set",
            action="insights.change_rules",
        )
        rules.register(
            "health",
            model="insights.HealthRulesVersion",
            save="powerkam.insights.services.health_rules_set",
            action="insights.change_rules",
        )
        from powerkam.core.schedule import Job, register

        register(
            Job("insights.monthly_report", "powerkam.insights.tasks.monthly_report", at=dt.time(7, 45), monthday=1)
        )
        register(
            Job(
                "insights.churn_model_train", "powerkam.insights.tasks.churn_model_train", at=dt.time(5, 30), monthday=5
            )
        )
        register(Job("insights.health_snapshot", "powerkam.insights.tasks.health_snapshot", at=dt.time(6, 15)))
