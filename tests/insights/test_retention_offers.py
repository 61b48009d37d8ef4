"""Retention offers (docs/health.md, "Service strategies"): recorded with who, when, what and the
yuan expected; the customer's answer; whether the account was kept follows from the data and
moves the strategy's share kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from factories import Team, monthly_bills, write_dataset
from powerkam.analytics import strategies
from powerkam.core.errors import ApplicationError
from powerkam.insights import churn, services
from powerkam.insights.models import RetentionOffer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)


def test_a_manager_records_an_offer_and_its_answer_and_history_is_kept(team: Team) -> None:
    account = team.accounts["E100"]
    offer = services.offer_record(
        account=account, by=team.manager.user, strategy="payment_plan", offered_on=TODAY,
        expected_yuan=Decimal("539000.00"), notes="  分三期缴清  ", today=TODAY,
    )  # fmt: skip
    assert (offer.offered_by, offer.outcome, offer.notes) == (team.manager.user, "pending", "分三期缴清")
    services.offer_answer(offer=offer, by=team.manager.user, outcome="accepted", answered_on=TODAY,
                          saved_yuan=Decimal("12000"), today=TODAY)  # fmt: skip
    offer.refresh_from_db()
    assert (offer.outcome, offer.saved_yuan) == ("accepted", Decimal("12000.00"))
    assert offer.history.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"strategy": "free_electricity"}, "未知的策略"),
        ({"offered_on": TODAY + dt.timedelta(days=1)}, "不能晚于今天"),
        ({"expected_yuan": Decimal("-1")}, "不能为负数"),
    ],
)
def test_bad_offers_are_refused(team: Team, changes: dict, message: str) -> None:
    values = {"strategy": "payment_plan", "offered_on": TODAY, "expected_yuan": Decimal("1000")} | changes
    with pytest.raises(ApplicationError, match=message):
        services.offer_record(account=team.accounts["E100"], by=team.manager.user, today=TODAY, **values)
    assert not RetentionOffer.objects.exists()


def test_viewers_and_other_managers_may_not_record(team: Team) -> None:
    with pytest.raises(ApplicationError):
        services.offer_record(account=team.accounts["E100"], by=team.viewer.user, strategy="payment_plan",
                              offered_on=TODAY, expected_yuan=Decimal("1"), today=TODAY)  # fmt: skip


def test_kept_or_lost_follows_from_the_data_and_moves_the_share_kept(team: Team, store_dir: Path) -> None:
    # E100 stays; E200's consumption collapses in 2026-06 (lost), two months after the offer
    rows = monthly_bills("E100", last_period="2026-11", months=36)
    for bill in monthly_bills("E200", last_period="2026-11", months=36):
        if bill["period"] >= "2026-06":
            bill = {**bill, "kwh": 0.0}
        rows.append(bill)
    write_dataset(store_dir, "billing", rows)
    for customer_id, on in (
        ("E100", dt.date(2026, 3, 10)),
        ("E200", dt.date(2026, 4, 10)),
        ("E100", dt.date(2026, 11, 1)),
    ):
        services.offer_record(account=team.accounts[customer_id], by=team.supervisor.user, strategy="efficiency_audit",
                              offered_on=on, expected_yuan=Decimal("1000"), today=TODAY)  # fmt: skip
    outcomes = churn.strategy_outcomes(today=TODAY)
    # the November offer is too recent to tell
    assert sorted(outcomes, key=lambda o: o.kept) == [
        strategies.Outcome("efficiency_audit", kept=False),
        strategies.Outcome("efficiency_audit", kept=True),
    ]
    assert strategies.learned_success(outcomes)["efficiency_audit"] == pytest.approx((10 * 0.2 + 1) / 12)
