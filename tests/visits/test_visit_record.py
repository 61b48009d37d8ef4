"""Recording a visit: completes the planned one, needs become follow-ups, files land under MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from factories import ContactFactory
from powerkam.core.errors import ApplicationError
from powerkam.visits import services
from powerkam.visits.models import FollowUpStatus, PlannedStatus, Visit, VisitStatus
from powerkam.visits.selectors import all_visits_due, my_visits_and_followups, open_followups_for_account
from tests.visits.helpers import key_account

D = dt.date
pytestmark = pytest.mark.django_db


def test_record_completes_the_planned_visit_and_moves_the_due_date(manager: User, colleague: User) -> None:
    account = key_account("K1", "B", key_since=D(2026, 9, 30), manager=manager)  # due 10-30
    plan = services.plan_generate(first_day=D(2026, 10, 1), last_day=D(2026, 10, 31), as_of=D(2026, 9, 30))
    planned = plan.visits.get()
    contact = ContactFactory(account=account, name="赵工")
    photo = SimpleUploadedFile("配电房.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")
    visit = services.visit_record(
        account=account,
        visited_on=D(2026, 10, 20),
        by=manager,
        attendees=[contact],
        topics="二期扩容",
        needs=[
            services.NeedInput("报装进度", owner=colleague, due_on=D(2026, 11, 5)),
            services.NeedInput("峰谷电价咨询"),
        ],
        satisfaction=4,
        files=[photo],
    )
    assert (visit.status, visit.staff, visit.satisfaction) == (VisitStatus.COMPLETED, manager, 4)
    assert list(visit.attendees.all()) == [contact]
    assert visit.need_list == ["报装进度", "峰谷电价咨询"]
    planned.refresh_from_db()
    assert (planned.status, planned.visit) == (PlannedStatus.COMPLETED, visit)
    (followup,) = open_followups_for_account(account)
    assert (followup.need, followup.owner, followup.due_on, followup.visit) == (
        "报装进度",
        colleague,
        D(2026, 11, 5),
        visit,
    )
    (attachment,) = visit.attachments.all()
    stored = Path(settings.MEDIA_ROOT) / attachment.file.name
    assert stored.read_bytes() == b"\xff\xd8\xff\xe0fakejpeg"
    assert attachment.is_image
    (row,) = all_visits_due(as_of=D(2026, 10, 21))
    assert (row.last_visit_on, row.due_on) == (D(2026, 10, 20), D(2027, 1, 20))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"satisfaction": 6}, "1 to 5"),
        ({"visited_on": D(2999, 1, 1)}, "in the future"),
        ({"needs": [services.NeedInput("x", owner=None, due_on=D(2026, 11, 1))]}, "both an owner and a due date"),
    ],
)
def test_refusals(manager: User, kwargs: dict[str, object], message: str) -> None:
    account = key_account("K1", "B", manager=manager)
    args: dict[str, object] = {"account": account, "visited_on": D(2026, 10, 20), "by": manager, **kwargs}
    with pytest.raises(ApplicationError, match=message):
        services.visit_record(**args)  # type: ignore[arg-type]
    assert not Visit.objects.exists()


def test_attendees_must_belong_to_the_account(manager: User) -> None:
    account = key_account("K1", "B", manager=manager)
    stranger = ContactFactory(name="外人")
    with pytest.raises(ApplicationError, match="外人 is not a contact"):
        services.visit_record(account=account, visited_on=D(2026, 10, 20), by=manager, attendees=[stranger])


def test_only_visible_accounts(manager: User, colleague: User) -> None:
    account = key_account("K1", "B", manager=colleague)
    with pytest.raises(ApplicationError, match="do not manage"):
        services.visit_record(account=account, visited_on=D(2026, 10, 20), by=manager)


def test_followup_close_and_history(manager: User, colleague: User) -> None:
    account = key_account("K1", "B", manager=manager)
    followup = services.followup_create(
        account=account, need="无功补偿", owner=colleague, due_on=D(2026, 11, 5), by=manager
    )
    services.followup_close(followup=followup, by=colleague, note="已安排")
    followup.refresh_from_db()
    assert (followup.status, followup.note) == (FollowUpStatus.DONE, "已安排")
    assert followup.done_at is not None
    assert list(open_followups_for_account(account)) == []
    assert [h.status for h in followup.history.order_by("history_id")] == ["open", "done"]
    with pytest.raises(ApplicationError, match="closed already"):
        services.followup_close(followup=followup, by=colleague)
    services.followup_reopen(followup=followup, by=manager)
    assert list(open_followups_for_account(account)) == [followup]


def test_my_work(manager: User, colleague: User) -> None:
    soon = key_account("K1", "C", key_since=D(2026, 10, 13), manager=manager)  # due 11-13 (Friday)
    late = key_account("K2", "C", key_since=D(2026, 9, 1), manager=manager)  # due 10-01: overdue
    key_account("K3", "C", key_since=D(2026, 9, 1), manager=colleague)
    services.plan_generate(first_day=D(2026, 11, 9), last_day=D(2026, 11, 30), as_of=D(2026, 11, 1))
    services.followup_create(account=soon, need="变压器增容", owner=manager, due_on=D(2026, 11, 20), by=manager)
    work = my_visits_and_followups(manager, D(2026, 11, 11))
    assert (work.week_start, work.week_end) == (D(2026, 11, 9), D(2026, 11, 15))
    assert [v.account.customer_id for v in work.visits_this_week] == ["K2", "K1"]
    assert [r.customer_id for r in work.overdue] == [late.customer_id]
    assert [f.need for f in work.followups] == ["变压器增容"]
