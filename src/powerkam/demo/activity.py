"""A demo province's recent CRM activity that no extract carries: service requests on their
clocks (some closed on time, some late, some still open; fault repairs round the clock with their
arrival and restoration, complaints with their first contact) and satisfaction surveys
taken on visits, this quarter's survey campaign of the grade-A accounts, and retention offers with
their answers. Deterministic by seed; it runs after the grading, on the key accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.contrib.auth.models import User
from django.utils import timezone

from powerkam.accounts.models import Account, Assignment, AssignmentRole
from powerkam.analytics import churn as churn_engine
from powerkam.analytics.strategies import DEFAULT_RULES
from powerkam.insights.models import OfferOutcome, RetentionOffer, SatisfactionSurvey, SurveyCampaign
from powerkam.insights.selectors import store_dir
from powerkam.insights.services import campaign_launch, offer_answer, offer_record, survey_record
from powerkam.service import services as service_services
from powerkam.service.models import Ticket, TicketKind
from powerkam.staff.models import Role, StaffProfile
from powerkam.visits.models import Visit

#: (kind, title) of the requests key accounts raise most
REQUESTS = (
    (TicketKind.FAULT_REPAIR, "10kV 进线开关跳闸抢修"),
    (TicketKind.CONSULTATION, "咨询两部制电价计收方式"),
    (TicketKind.CAPACITY_REDUCTION, "申请减容（暂停一台变压器）"),
    (TicketKind.ARREARS_COLLECTION, "电费逾期催缴"),
    (TicketKind.MAINTENANCE, "配电室设备检修配合"),
    (TicketKind.DESIGN_REVIEW, "增容工程设计审核"),
    (TicketKind.COMPLAINT, "投诉：计划停电通知不及时"),
    (TicketKind.COMPLAINT, "投诉：抢修人员到场慢"),
)
LOW_SCORE_COMMENTS = ("停电通知不及时", "业扩办理时间长", "抢修到场慢", "电费账单看不懂", "希望提供节能用电建议")
HIGH_SCORE_COMMENTS = ("客户经理服务周到", "响应及时", "", "", "")


def _primary_managers(account_ids: list[int]) -> dict[int, User]:
    rows = Assignment.objects.filter(account_id__in=account_ids, role=AssignmentRole.PRIMARY, active=True)
    return {a.account_id: a.staff for a in rows.select_related("staff")}


def add_demo_tickets(*, seed: int, today: dt.date, share: float = 0.12) -> int:
    """Service requests accepted in the last 90 days on ``share`` of the key accounts."""
    if Ticket.objects.exists():
        return 0
    rng = np.random.default_rng(seed + 11)
    # A second stream for the times of day, so the requests drawn are those of earlier versions.
    times = np.random.default_rng(seed + 17)
    accounts = list(Account.objects.key_accounts().active().order_by("customer_id"))
    managers = _primary_managers([a.pk for a in accounts])
    created = 0
    for account in accounts:
        manager = managers.get(account.pk)
        if manager is None or rng.random() >= share:
            continue
        for _ in range(1 + int(rng.random() < 0.3)):
            kind, title = REQUESTS[int(rng.integers(0, len(REQUESTS)))]
            fate = rng.random()
            # Requests still open are mostly recent: a few have run past their due day.
            back = int(rng.integers(0, 15)) if fate >= 0.75 else int(rng.integers(5, 90))
            accepted = today - dt.timedelta(days=back)
            if kind == TicketKind.FAULT_REPAIR:
                created += _demo_fault(times, fate, title, manager, account, accepted, today)
                continue
            ticket = service_services.ticket_create(
                kind=kind, title=title, by=manager, accepted_on=accepted, account=account
            )
            created += 1
            if ticket.contact_due_on is not None and fate < 0.75 and ticket.contact_due_on <= today:
                contact = ticket.contact_due_on if fate < 0.6 else ticket.contact_due_on + dt.timedelta(days=1)
                if contact <= today:
                    service_services.ticket_contact(ticket=ticket, version=None, by=manager, on=contact)
            if fate < 0.6:  # closed on time
                closed = accepted + dt.timedelta(
                    days=int(rng.integers(0, (min(ticket.due_on, today) - accepted).days + 1))
                )
            elif fate < 0.75:  # closed late
                closed = ticket.due_on + dt.timedelta(days=int(rng.integers(1, 8)))
            else:
                continue  # still open (late once past its due day)
            if closed <= today:
                service_services.ticket_close(
                    ticket=ticket, version=None, by=manager, on=closed, resolution="已办结（演示数据）"
                )
    return created


def _demo_fault(
    times: np.random.Generator,
    fate: float,
    title: str,
    manager: User,
    account: Account,
    accepted: dt.date,
    today: dt.date,
) -> int:
    """A fault reported at a random time of ``accepted``: on site and restored in time (fate < 0.6),
    late (< 0.75), or still open — only when the day is over, so nothing lies in the future."""
    reported = timezone.make_aware(
        dt.datetime.combine(accepted, dt.time(int(times.integers(0, 24)), int(times.integers(0, 60))))
    )
    end_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 59)))
    now = min(timezone.now(), end_of_today)
    if reported > now:
        reported = now - dt.timedelta(minutes=5)
    ticket = service_services.ticket_create(
        kind=TicketKind.FAULT_REPAIR, title=title, by=manager, accepted_at=reported, account=account
    )
    if fate >= 0.75:
        return 1
    share = float(times.uniform(0.4, 0.95)) if fate < 0.6 else float(times.uniform(1.1, 1.8))
    arrived = reported + dt.timedelta(minutes=int((ticket.arrival_minutes or 45) * share))
    restored = arrived + dt.timedelta(minutes=int((ticket.restoration_minutes or 180) * share))
    closed = restored + dt.timedelta(hours=1)
    if closed > now:
        return 1
    service_services.ticket_arrive(ticket=ticket, version=None, by=manager, at=arrived)
    service_services.ticket_restore(ticket=ticket, version=None, by=manager, at=restored)
    service_services.ticket_close(ticket=ticket, version=None, by=manager, at=closed, resolution="已办结（演示数据）")
    return 1


def add_demo_surveys(*, seed: int, today: dt.date, share: float = 0.7) -> int:
    """A satisfaction survey on the latest visit of the last 12 months of ``share`` of the key accounts."""
    if SatisfactionSurvey.objects.exists():
        return 0
    rng = np.random.default_rng(seed + 13)
    since = today - dt.timedelta(days=365)
    latest: dict[int, Visit] = {}
    visits = (
        Visit.objects.completed()
        .filter(visited_on__gt=since, visited_on__lte=today, account__key_status="key", account__archived=False)
        .select_related("account", "staff")
        .order_by("account_id", "-visited_on", "-id")
    )
    for visit in visits:
        latest.setdefault(visit.account_id, visit)
    managers = _primary_managers(list(latest))
    created = 0
    for account_id in sorted(latest):
        visit = latest[account_id]
        manager = managers.get(account_id)
        if rng.random() >= share or manager is None:
            continue
        credit = visit.account.credit_score or 80
        weights = np.array([0.02, 0.06, 0.12, 0.35, 0.45]) if credit >= 60 else np.array([0.08, 0.17, 0.3, 0.3, 0.15])
        score = int(rng.choice(5, p=weights)) + 1
        comments = LOW_SCORE_COMMENTS if score <= 3 else HIGH_SCORE_COMMENTS
        contact = visit.account.contacts.filter(archived=False).order_by("id").first()
        survey_record(
            account=visit.account,
            by=manager,
            surveyed_on=visit.visited_on,
            score=score,
            respondent=contact.name if contact else "",
            comments=comments[int(rng.integers(0, len(comments)))],
            today=today,
        )
        created += 1
    return created


def add_demo_campaign(*, today: dt.date) -> int:
    """This quarter's satisfaction campaign of the grade-A accounts, launched by the first supervisor
    (the surveys already taken this quarter count); the number of accounts it asks."""
    if SurveyCampaign.objects.exists():
        return 0
    supervisor = (
        StaffProfile.objects.filter(role=Role.SUPERVISOR, archived=False, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if supervisor is None or not Account.objects.key_accounts().filter(grade="A").exists():
        return 0
    quarter = 3 * ((today.month - 1) // 3)
    starts_on = dt.date(today.year, quarter + 1, 1)
    due_on = dt.date(today.year + (quarter + 3) // 12, (quarter + 3) % 12 + 1, 1) - dt.timedelta(days=1)
    campaign = campaign_launch(
        name=f"{today.year} 年第 {quarter // 3 + 1} 季度 A 级客户满意度回访",
        starts_on=starts_on,
        due_on=due_on,
        grades=["A"],
        by=supervisor.user,
    )
    return campaign.targets.count()


def add_demo_offers(*, seed: int, today: dt.date, share: float = 0.5) -> int:
    """Retention offers with their answers, so "what worked" (docs/health.md) has something to show:
    ``share`` of the CRM accounts the history shows as lost were offered a strategy 1–5 months before
    their loss, as many accounts that stayed were offered one 13–30 months ago, and a few key accounts
    this autumn (some answered, some still pending past their answer day: "My work" tasks). Recorded
    by the account's primary manager, or a supervisor when it has none. The number recorded."""
    if RetentionOffer.objects.exists():
        return 0
    supervisor = (
        StaffProfile.objects.filter(role=Role.SUPERVISOR, archived=False, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if supervisor is None:
        return 0
    accounts = {a.customer_id: a for a in Account.objects.order_by("customer_id")}
    try:
        history = churn_engine.load_history(store_dir(), list(accounts), months=36)
    except churn_engine.ChurnModelError:
        return 0
    rng = np.random.default_rng(seed + 19)
    lost = churn_engine.loss_months(history)
    managers = _primary_managers([a.pk for a in accounts.values()])
    codes = [s.code for s in DEFAULT_RULES.strategies]
    periods, last = history.periods, len(history.periods) - 1
    chosen: list[tuple[Account, dt.date]] = []
    losers = [i for i in range(len(lost)) if lost[i] >= 6]
    stayers = [i for i in range(len(lost)) if lost[i] < 0 and not np.isnan(history.kwh[i, -1])]
    for i in rng.permutation(losers)[: int(len(losers) * share)]:
        month = periods[int(lost[i]) - int(rng.integers(1, 6))]
        chosen.append((accounts[history.customer_ids[i]], dt.date(int(month[:4]), int(month[5:7]), 10)))
    for i in rng.permutation(stayers)[: max(len(chosen), 10)]:
        month = periods[max(0, last - int(rng.integers(13, 31)))]
        chosen.append((accounts[history.customer_ids[i]], dt.date(int(month[:4]), int(month[5:7]), 10)))
    recent = [a for a in accounts.values() if a.key_status == "key" and not a.archived]
    for j in rng.permutation(len(recent))[:12]:
        chosen.append((recent[int(j)], today - dt.timedelta(days=int(rng.integers(10, 70)))))
    created = 0
    for account, offered_on in chosen:
        by = managers.get(account.pk) if not account.archived else None
        by = by or supervisor.user
        offer = offer_record(
            account=account,
            by=by,
            strategy=codes[int(rng.integers(0, len(codes)))],
            offered_on=offered_on,
            expected_yuan=Decimal(int(rng.integers(5, 200)) * 10_000),
            offered_what="演示数据：按策略提出的挽留方案",
            today=today,
        )
        created += 1
        assert offer.follow_up_on is not None
        if offer.follow_up_on <= today and rng.random() < 0.8:  # most answered; a few overdue
            answer = OfferOutcome.ACCEPTED if rng.random() < 0.6 else OfferOutcome.DECLINED
            offer_answer(offer=offer, by=by, outcome=answer, answered_on=min(offer.follow_up_on, today), today=today)
    return created
