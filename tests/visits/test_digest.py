"""The weekly digest, received by a real local SMTP server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from powerkam.visits import services
from powerkam.visits.tasks import weekly_digest
from tests.smtp import SmtpServer
from tests.visits.helpers import key_account

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(smtp_server: SmtpServer, settings: Any) -> SmtpServer:
    settings.LANGUAGE_CODE = "en"
    return smtp_server


def test_digest_to_each_manager(smtp: SmtpServer, manager: User, colleague: User) -> None:
    key_account("K1", "C", key_since=D(2026, 10, 13), manager=manager, name="示范钢铁")  # due 11-13
    key_account("K2", "C", key_since=D(2026, 9, 1), manager=manager, name="示范化工")  # due 10-01: overdue
    services.plan_generate(first_day=D(2026, 11, 9), last_day=D(2026, 11, 30), as_of=D(2026, 11, 1))
    services.followup_create(
        account=key_account("K3", "A", key_since=D(2026, 11, 1), manager=manager),
        need="峰谷电价咨询",
        owner=manager,
        due_on=D(2026, 11, 20),
        by=manager,
    )
    colleague.email = ""
    colleague.save()

    result = weekly_digest.call("2026-11-09")  # runs the task's function, as the worker would

    assert result["recipients"] == ["m1"]
    assert result["skipped_without_email"] == ["m2"]
    (message,) = smtp.messages
    assert message.recipients == ["m1@example.com"]
    assert message.subject == ("PowerKAM visits for the week of 2026-11-09: 2 planned, 1 overdue, 1 follow-ups")
    assert "2026-11-13 K1 示范钢铁" in message.text
    assert "K2 示范化工  due 2026-10-01, 39 day(s) overdue" in message.text
    assert "2026-11-20 K3 峰谷电价咨询" in message.text
