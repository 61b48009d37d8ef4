"""Reads of survey campaigns (满意度调查): who is asked, who has answered, how satisfied they are.

An account of a campaign is surveyed when a survey of it (not archived) is dated within the
campaign's window, however it was recorded (the 360 page, the API); the newest such survey counts.
Supervisors see every account of a campaign, a manager the accounts they ask or manage.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from powerkam.accounts.models import Account
from powerkam.accounts.selectors import AnyUser, accounts_visible_to, user_sees_all_accounts
from powerkam.insights.models import CampaignAccount, SatisfactionSurvey, SurveyCampaign
from powerkam.staff.selectors import person_name
from powerkam.web.worklist import Task, TaskSource, register

#: Filters of a campaign's accounts (:meth:`CampaignProgress.rows_in`).
STATUSES = ("todo", "done", "dissatisfied")
#: A score at or under this is a dissatisfied customer to call back.
LOW_SCORE = 2


def campaigns(*, include_archived: bool = False) -> QuerySet[SurveyCampaign]:
    query = SurveyCampaign.objects.all()
    return query if include_archived else query.filter(archived=False)


def _targets_visible_to(user: AnyUser, campaign: SurveyCampaign) -> QuerySet[CampaignAccount]:
    targets = campaign.targets.select_related("account", "assigned_to", "assigned_to__staff")
    if user_sees_all_accounts(user):
        return targets
    return targets.filter(Q(assigned_to_id=user.pk) | Q(account__in=accounts_visible_to(user)))


def _surveys_in_window(campaign: SurveyCampaign, account_ids: list[int]) -> dict[int, SatisfactionSurvey]:
    """The newest survey of each account dated within the campaign's window."""
    newest: dict[int, SatisfactionSurvey] = {}
    for survey in SatisfactionSurvey.objects.filter(
        account_id__in=account_ids,
        archived=False,
        surveyed_on__gte=campaign.starts_on,
        surveyed_on__lte=campaign.due_on,
    ).order_by("surveyed_on", "id"):
        newest[survey.account_id] = survey
    return newest


@dataclass(frozen=True)
class TargetRow:
    target: CampaignAccount
    survey: SatisfactionSurvey | None

    @property
    def asker(self) -> str:
        return person_name(self.target.assigned_to)


@dataclass(frozen=True)
class ManagerProgress:
    name: str
    total: int
    done: int

    @property
    def percent(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 0.0


@dataclass(frozen=True)
class CampaignProgress:
    campaign: SurveyCampaign
    rows: list[TargetRow]  # not yet surveyed first, then by customer id

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.survey is not None)

    @property
    def percent(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 0.0

    @property
    def scores(self) -> list[int]:
        return [r.survey.score for r in self.rows if r.survey is not None]

    @property
    def average(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 2) if self.scores else None

    @property
    def distribution(self) -> list[tuple[int, int]]:
        counts = Counter(self.scores)
        return [(score, counts.get(score, 0)) for score in range(5, 0, -1)]

    @property
    def dissatisfied(self) -> list[TargetRow]:
        return [r for r in self.rows if r.survey is not None and r.survey.score <= LOW_SCORE]

    def rows_in(self, status: str) -> list[TargetRow]:
        """The rows of a status: "todo" (not surveyed yet), "done", "dissatisfied"; every row otherwise."""
        if status == "todo":
            return [r for r in self.rows if r.survey is None]
        if status == "done":
            return [r for r in self.rows if r.survey is not None]
        if status == "dissatisfied":
            return self.dissatisfied
        return self.rows

    @property
    def by_manager(self) -> list[ManagerProgress]:
        totals: Counter[str] = Counter()
        done: Counter[str] = Counter()
        for r in self.rows:
            totals[r.asker] += 1
            done[r.asker] += r.survey is not None
        return [ManagerProgress(name, totals[name], done[name]) for name in sorted(totals)]


def campaign_progress(*, campaign: SurveyCampaign, user: AnyUser) -> CampaignProgress:
    targets = list(_targets_visible_to(user, campaign))
    surveys = _surveys_in_window(campaign, [t.account_id for t in targets])
    rows = [TargetRow(t, surveys.get(t.account_id)) for t in targets]
    rows.sort(key=lambda r: (r.survey is not None, r.target.account.customer_id))
    return CampaignProgress(campaign, rows)


def progress_out(progress: CampaignProgress) -> dict[str, Any]:
    """Plain figures of a campaign (API and command line)."""
    c = progress.campaign
    return {
        "id": c.pk,
        "name": c.name,
        "starts_on": c.starts_on,
        "due_on": c.due_on,
        "grades": c.grades,
        "archived": c.archived,
        "accounts": progress.total,
        "surveyed": progress.done,
        "percent": progress.percent,
        "average_score": progress.average,
        "distribution": dict(progress.distribution),
        "dissatisfied": [r.target.account.customer_id for r in progress.dissatisfied],
        "not_surveyed": [r.target.account.customer_id for r in progress.rows if r.survey is None],
    }


# ---- the work list: surveys still to ask -----------------------------------------------------------

LABEL = gettext_lazy("Satisfaction survey")


def _tasks(user: Any, today: dt.date) -> Iterator[Task]:
    open_targets = (
        CampaignAccount.objects.filter(assigned_to_id=user.pk, campaign__archived=False, campaign__starts_on__lte=today)
        .select_related("campaign", "account")
        .order_by("campaign__due_on", "account__customer_id")
    )
    by_campaign: dict[int, list[CampaignAccount]] = {}
    for target in open_targets:
        by_campaign.setdefault(target.campaign_id, []).append(target)
    for targets in by_campaign.values():
        campaign = targets[0].campaign
        answered = _surveys_in_window(campaign, [t.account_id for t in targets])
        for target in targets:
            if target.account_id in answered:
                continue
            yield Task(
                kind="survey",
                kind_label=LABEL,
                title=campaign.name,
                subject=target.account.name,
                due_on=campaign.due_on,
                url=reverse("accounts:detail", args=[target.account.customer_id]) + "#health",
                customer_id=target.account.customer_id,
            )


def register_tasks() -> None:
    register(
        TaskSource(
            "survey",
            LABEL,
            _tasks,
            order=40,
            models=(CampaignAccount, SurveyCampaign, SatisfactionSurvey, Account),
        )
    )
