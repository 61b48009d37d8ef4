"""A new-connection application moves through its steps, each with its own clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError
from powerkam.service import services
from powerkam.service.models import CaseStatus, TicketKind

D = dt.date
pytestmark = pytest.mark.django_db


def test_a_case_through_every_step(desk: User, manager: User, account: Account) -> None:
    case = services.case_create(account=account, title="二期增容", by=desk, accepted_on=D(2026, 3, 2), dual_supply=True)
    first = case.steps.get()
    assert (first.kind, first.limit_days, first.owner) == (TicketKind.SCHEME_REPLY, 30, desk)
    services.ticket_transfer_accept(
        transfer=first.transfers.get(), by=manager
    )  # first inquiry: desk owns it until then
    first.refresh_from_db()
    assert first.owner == manager
    with pytest.raises(ApplicationError, match="Finish the current step first"):
        services.case_step_open(case=case, by=manager, accepted_on=D(2026, 4, 1))
    services.ticket_close(ticket=first, version=None, by=manager, on=D(2026, 4, 10))
    with pytest.raises(ApplicationError, match="before the previous one closed"):
        services.case_step_open(case=case, by=manager, accepted_on=D(2026, 4, 9))

    expected = [
        (TicketKind.DESIGN_REVIEW, D(2026, 9, 28), 10, D(2026, 10, 16)),
        (TicketKind.MID_INSPECTION, D(2026, 10, 30), 5, D(2026, 11, 6)),
        (TicketKind.COMPLETION_INSPECTION, D(2026, 11, 16), 5, D(2026, 11, 23)),
        (TicketKind.ENERGISATION, D(2026, 11, 24), 5, D(2026, 12, 1)),
    ]
    for kind, accepted, limit, due in expected:
        step = services.case_step_open(case=case, by=manager, accepted_on=accepted)
        assert (step.kind, step.limit_days, step.due_on, step.case_id) == (kind, limit, due, case.pk)
        services.ticket_close(ticket=step, version=None, by=manager, on=due)
        case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert case.steps.count() == 5
    with pytest.raises(ApplicationError, match="completed"):
        services.case_step_open(case=case, by=manager, accepted_on=D(2026, 12, 2))


def test_green_channel_case_has_shorter_steps(desk: User, account: Account) -> None:
    case = services.case_create(
        account=account, title="重点项目", by=desk, accepted_on=D(2026, 3, 2), green_channel=True
    )
    assert case.steps.get().limit_days == 10
