"""Retention offers on the read side (docs/health.md, "Offers and outcomes"): an account's offers for
its 360 panel, the offers a user sees (the API) and the "offer outcome due" tasks on "My work"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from powerkam.accounts.models import Account, Assignment
from powerkam.accounts.selectors import AnyUser, accounts_visible_to
from powerkam.insights.models import OfferOutcome, RetentionOffer
from powerkam.staff.models import StaffProfile
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


def register_tasks() -> None:
    register(TaskSource("offer", LABEL, _tasks, order=45, models=(RetentionOffer, StaffProfile, Account)))
