"""Retention offers on the read side (docs/health.md, "Offers and outcomes"): an account's offers for
its 360 panel, the offers a user sees (the API) and the "offer outcome due" tasks on "My work"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from powerkam.accounts.models import Account, Assignment
from powerkam.accounts.selectors import AnyUser, accounts_visible_to
from powerkam.insights.forms import STRATEGY_LABELS
from powerkam.insights.models import HealthSnapshot, OfferOutcome, RetentionOffer
from powerkam.staff.models import StaffProfile
from powerkam.web.templatetags.powerkam_ui import yuan_short
from powerkam.web.worklist import Task, TaskSource, register


def offers_visible_to(user: AnyUser) -> QuerySet[RetentionOffer]:
    """The offers (not archived) on the accounts ``user`` sees, newest first."""
    return RetentionOffer.objects.filter(archived=False, account__in=accounts_visible_to(user)).select_related(
        "account", "offered_by__staff"
    )


def account_offers(*, account: Account, limit: int = 20) -> list[RetentionOffer]:
    offers = RetentionOffer.objects.filter(account=account, archived=False).select_related("offered_by__staff")
    return list(offers[:limit])


def offer_makers(*, account: Account, by: Any) -> list[Any]:
    """Who may be named as having made an offer: the person recording it and the account's active managers."""
    users = [a.staff for a in Assignment.objects.filter(account=account, active=True).select_related("staff__staff")]
    if by.pk not in {u.pk for u in users}:
        users.insert(0, by)
    return users


# ---- the work list: answers overdue, escalated to the supervisor -----------------------------------

LABEL = gettext_lazy("Offer outcome due")
#: Days after the answer day at which a still pending offer is also on the supervisor's list.
ESCALATE_AFTER_DAYS = 14


def _tasks(user: Any, today: dt.date) -> Iterator[Task]:
    """Offers the user made whose answer day has come and that have no answer yet; and, for a
    supervisor, those of their team still pending :data:`ESCALATE_AFTER_DAYS` days after it."""
    due = (
        RetentionOffer.objects.filter(
            offered_by_id=user.pk, archived=False, outcome=OfferOutcome.PENDING, follow_up_on__lte=today
        )
        .select_related("account")
        .order_by("follow_up_on", "id")
    )
    escalated = (
        RetentionOffer.objects.filter(
            offered_by__staff__supervisor__user_id=user.pk,
            archived=False,
            outcome=OfferOutcome.PENDING,
            follow_up_on__lt=today - dt.timedelta(days=ESCALATE_AFTER_DAYS),
        )
        .exclude(offered_by_id=user.pk)
        .select_related("account", "offered_by__staff")
    )
    for offer in escalated.order_by("follow_up_on", "id"):
        maker = getattr(offer.offered_by, "staff", None)
        yield Task(
            kind="offer",
            kind_label=LABEL,
            title=_("%(name)s has not recorded the answer to the offer of %(date)s")
            % {"name": maker.name if maker else offer.offered_by.get_username(), "date": offer.offered_on.isoformat()},
            subject=offer.account.name,
            due_on=offer.follow_up_on,
            url=reverse("accounts:detail", args=[offer.account.customer_id]) + "#health",
            customer_id=offer.account.customer_id,
        )
    for offer in due:
        yield Task(
            kind="offer",
            kind_label=LABEL,
            title=_("Record the customer's answer to the offer of %(date)s") % {"date": offer.offered_on.isoformat()},
            subject=offer.account.name,
            due_on=offer.follow_up_on,
            url=reverse("accounts:detail", args=[offer.account.customer_id]) + "#health",
            customer_id=offer.account.customer_id,
        )


# ---- the work list: recommended strategies not offered yet (retention tasks) --------------------------

RETENTION_LABEL = gettext_lazy("Retention task")


def _retention_tasks(user: Any, today: dt.date) -> Iterator[Task]:
    """The best-ranked strategy of each of the user's key accounts at risk in the latest morning
    snapshot, not offered since it was first recommended: due :data:`RETENTION_TASK_DAYS` days after
    that; for a supervisor, those of their team's accounts past that day. One query, read from the
    snapshot (no health or model is computed here)."""
    from powerkam.insights.health import RETENTION_TASK_DAYS

    latest = HealthSnapshot.objects.order_by("-taken_on").values("taken_on")[:1]
    mine = Assignment.objects.filter(staff_id=user.pk, active=True).values("account_id")
    team = (
        Assignment.objects.filter(active=True, staff__staff__supervisor__user_id=user.pk)
        .exclude(staff_id=user.pk)
        .values("account_id")
    )
    answered = RetentionOffer.objects.filter(
        account_id=OuterRef("account_id"),
        strategy=OuterRef("strategy"),
        archived=False,
        offered_on__gte=OuterRef("strategy_since"),
    )
    # the manager named on a supervisor's task: one of their team (the primary first)
    managed_by = Assignment.objects.filter(
        account_id=OuterRef("account_id"), active=True, staff__staff__supervisor__user_id=user.pk
    ).order_by("role", "id")
    rows = (
        HealthSnapshot.objects.filter(
            Q(account_id__in=mine)
            | Q(account_id__in=team, strategy_since__lt=today - dt.timedelta(days=RETENTION_TASK_DAYS)),
            taken_on=Subquery(latest),
            risk__in=("high", "medium"),
            strategy__gt="",
            strategy_since__isnull=False,
            account__archived=False,
        )
        .exclude(Exists(answered))
        .annotate(
            mine=Exists(Assignment.objects.filter(account_id=OuterRef("account_id"), staff_id=user.pk, active=True)),
            manager_name=Subquery(managed_by.values("staff__staff__name")[:1]),
        )
        .select_related("account")
        .order_by("strategy_since", "account__customer_id")
    )
    for snap in rows:
        since = snap.strategy_since
        assert since is not None  # filtered on
        strategy = STRATEGY_LABELS.get(snap.strategy, snap.strategy)
        if snap.mine:
            title = _("Offer “%(strategy)s” (expected to keep %(yuan)s a year)") % {
                "strategy": strategy,
                "yuan": yuan_short(snap.strategy_yuan or 0),
            }
        else:
            title = _("%(name)s has not offered “%(strategy)s”, recommended since %(date)s") % {
                "name": snap.manager_name or "—",
                "strategy": strategy,
                "date": since.isoformat(),
            }
        yield Task(
            kind="retention",
            kind_label=RETENTION_LABEL,
            title=title,
            subject=snap.account.name,
            due_on=since + dt.timedelta(days=RETENTION_TASK_DAYS),
            url=reverse("accounts:detail", args=[snap.account.customer_id]) + "#health",
            customer_id=snap.account.customer_id,
        )


def register_tasks() -> None:
    register(TaskSource("offer", LABEL, _tasks, order=45, models=(RetentionOffer, StaffProfile, Account)))
    register(
        TaskSource(
            "retention",
            RETENTION_LABEL,
            _retention_tasks,
            order=44,
            models=(HealthSnapshot, RetentionOffer, Assignment, StaffProfile, Account),
            # the day's check taken again keeps its rows' ids: its own stamp tells
            stamp=_snapshot_stamp,
        )
    )


def _snapshot_stamp() -> str:
    from powerkam.insights.health import snapshot_stamp

    return str(snapshot_stamp())
