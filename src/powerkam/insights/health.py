"""Health score and churn risk of the key accounts (docs/health.md): the CRM side gathers each
account's signals — consumption from the store, credit from the latest grading, complaints (and
those repeated within 90 days) and late service requests, unplanned interruptions, overdue visits,
own generation growing (renewables data) — and
:mod:`powerkam.analytics.health` scores them."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, FloatField, Max, Q, QuerySet, Value
from django.db.models.functions import Floor, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account, Assignment
from powerkam.accounts.selectors import AnyUser, accounts_visible_to
from powerkam.analytics import churn_signals, store
from powerkam.analytics import health as engine
from powerkam.analytics import tariff as tariff_engine
from powerkam.core.errors import ApplicationError
from powerkam.insights.models import HealthRulesVersion, HealthSnapshot, RiskAlert, SatisfactionSurvey
from powerkam.insights.selectors import store_dir
from powerkam.outages import network as grid_selectors
from powerkam.service.models import Ticket, TicketKind, TicketStatus, WorkOrder, WorkOrderType
from powerkam.staff.scope import Viewer
from powerkam.visits import selectors as visit_selectors


def health_rules() -> engine.HealthRules:
    latest = HealthRulesVersion.objects.first()
    if latest is None:
        return engine.DEFAULT_RULES
    try:
        return engine.HealthRules.from_toml(latest.rules_toml)
    except engine.HealthRulesError as exc:
        raise ApplicationError(_("The saved health rules cannot be used: %(error)s") % {"error": exc}) from exc


def _service_counts(account_ids: list[int], today: dt.date) -> tuple[Counter[int], Counter[int]]:
    """(complaints, requests finished late or open past due) per account over the last 12 months."""
    since = today - dt.timedelta(days=365)
    tickets = Ticket.objects.filter(account_id__in=account_ids, accepted_on__gt=since)
    complaints = Counter(tickets.filter(kind=TicketKind.COMPLAINT).values_list("account_id", flat=True))
    late = Counter(
        tickets.filter(
            Q(closed_on__isnull=False, closed_on__gt=F("due_on")) | Q(status=TicketStatus.OPEN, due_on__lt=today)
        ).values_list("account_id", flat=True)
    )
    return complaints, late


def _reliability(accounts: list[Account]) -> dict[str, tuple[int, float]]:
    if not store.dataset_path(store_dir(), "outages").exists():
        return {}
    try:
        table = grid_selectors.reliability_table()
    except ApplicationError:
        return {}
    return {r.customer_id: (r.unplanned_interruptions, r.unplanned_hours) for r in table}


def _overdue(accounts: list[Account], today: dt.date) -> dict[int, int]:
    qs = Account.objects.filter(pk__in=[a.pk for a in accounts])
    return {row.account.pk: row.days_overdue for row in visit_selectors.due_rows(accounts=qs, as_of=today)}


def _repeated_complaints(account_ids: list[int], today: dt.date, days: int) -> dict[int, tuple[int, dt.date]]:
    """Per account: the complaints of the last 12 months received within ``days`` of the account's
    previous complaint (as service/workorders.py flags repeated complaints), and the day of the latest.
    Complaints are the complaint tickets and the 95598 complaint work orders that made no ticket."""
    since = today - dt.timedelta(days=365)
    earliest = since - dt.timedelta(days=days)  # a complaint just before the year can make one in it a repeat
    dates: dict[int, list[dt.date]] = {}
    for account_id, on in Ticket.objects.filter(
        account_id__in=account_ids, kind=TicketKind.COMPLAINT, accepted_on__gt=earliest, accepted_on__lte=today
    ).values_list("account_id", "accepted_on"):
        dates.setdefault(account_id, []).append(on)
    for account_id, received in WorkOrder.objects.filter(
        account_id__in=account_ids,
        order_type=WorkOrderType.COMPLAINT,
        ticket__isnull=True,
        received_at__date__gt=earliest,
        received_at__date__lte=today,
    ).values_list("account_id", "received_at"):
        dates.setdefault(account_id, []).append(timezone.localdate(received))
    found = {}
    for account_id, days_of in dates.items():
        days_of.sort()
        repeats = [b for a, b in pairwise(days_of) if (b - a).days <= days and b > since]
        if repeats:
            found[account_id] = (len(repeats), repeats[-1])
    return found


def _latest_surveys(account_ids: list[int], today: dt.date) -> dict[int, SatisfactionSurvey]:
    """Each account's latest survey of the last 12 months (archived ones left out)."""
    since = today - dt.timedelta(days=365)
    latest: dict[int, SatisfactionSurvey] = {}
    rows = SatisfactionSurvey.objects.filter(
        account_id__in=account_ids, archived=False, surveyed_on__gt=since, surveyed_on__lte=today
    ).order_by("account_id", "-surveyed_on", "-id")
    for survey in rows.only("account_id", "surveyed_on", "score"):
        latest.setdefault(survey.account_id, survey)
    return latest


def signals_for(accounts: list[Account], *, today: dt.date, period: str | None) -> list[engine.Signals]:
    rules = health_rules()
    ids = [a.pk for a in accounts]
    kwh = (
        engine.consumption_comparison(
            store_dir(), [a.customer_id for a in accounts], period=period, months=rules.compare_months
        )
        if period
        else {}
    )
    complaints, late = _service_counts(ids, today)
    supply = _reliability(accounts)
    overdue = _overdue(accounts, today)
    surveys = _latest_surveys(ids, today)
    customer_ids = [a.customer_id for a in accounts]
    owed = churn_signals.arrears(store_dir(), customer_ids, as_of=today) or {}
    applied = churn_signals.applications(store_dir(), customer_ids, as_of=today, months=rules.application_months)
    contracts = churn_signals.contracts(store_dir(), customer_ids, as_of=today)
    market = churn_signals.market(store_dir(), customer_ids, as_of=today)
    generation = churn_signals.self_generation(store_dir(), customer_ids, period=period) if period else None
    repeated = _repeated_complaints(ids, today, rules.repeat_complaint_days)
    result = []
    for a in accounts:
        recent, year_ago = kwh.get(a.customer_id, (None, None))
        arrears = owed.get(a.customer_id)
        application = applied.get(a.customer_id) if applied is not None else None
        contract = contracts.get(a.customer_id) if contracts is not None else None
        status = (market.get(a.customer_id) if market is not None else None) or (
            None if market is None else churn_signals.Market("grid_agency", dt.date.min, "")
        )
        interruptions, hours = supply.get(a.customer_id, (None, 0.0)) if a.feeders else (None, 0.0)
        own = generation.get(a.customer_id) if generation is not None else None
        repeats, repeat_on = repeated.get(a.pk, (0, None))
        result.append(
            engine.Signals(
                customer_id=a.customer_id,
                recent_kwh=recent,
                year_ago_kwh=year_ago,
                credit_score=a.credit_score,
                complaints=complaints[a.pk],
                late_requests=late[a.pk],
                unplanned_interruptions=interruptions,
                unplanned_hours=hours,
                visit_days_overdue=overdue.get(a.pk),
                satisfaction=surveys[a.pk].score if a.pk in surveys else None,
                surveyed_on=f"{surveys[a.pk].surveyed_on:%Y-%m-%d}" if a.pk in surveys else "",
                arrears_yuan=arrears.yuan if arrears else 0.0,
                arrears_days=arrears.days if arrears else 0,
                monthly_bill_yuan=arrears.monthly_bill_yuan if arrears else None,
                applications_known=application is not None,
                reduced_kva=application.reduced_kva if application else 0.0,
                capacity_kva=float(a.contract_capacity_kva),
                closure_on=application.closure_on if application else "",
                relocation_on=application.relocation_on if application else "",
                contract_end=f"{contract.end:%Y-%m-%d}" if contract else "",
                contract_days_left=contract.days_left if contract else None,
                renewal_status=contract.renewal_status if contract else "",
                market_status=status.status if status else None,
                market_since=f"{status.since:%Y-%m-%d}" if status and status.since != dt.date.min else "",
                retailer=status.retailer if status else "",
                self_generation_risk=own.risk if own else None,
                generation_growth=own.growth if own else None,
                own_generation_share=own.own_share if own else 0.0,
                repeated_complaints=repeats,
                repeated_complaint_on=f"{repeat_on:%Y-%m-%d}" if repeat_on else "",
            )
        )
    return result


@dataclass(frozen=True)
class HealthRow:
    account: Account
    health: engine.Health
    #: the churn model's probability of loss, from the morning's snapshot (None: no model, or live)
    probability: float | None = None
    model_version: str = ""
    #: the best-ranked service strategy of the morning's snapshot ("" none, or live)
    strategy: str = ""

    @property
    def probability_percent(self) -> float | None:
        return None if self.probability is None else round(100 * self.probability, 1)


#: How the health lists rank: by the churn model's probability (when the morning's snapshot has one) or
#: by the rule score (docs/health.md, "Ranking").
SORTS = ("probability", "score")


@dataclass(frozen=True)
class Ranking:
    """How a health list is ranked, for the sentence above it: ``by`` "probability" (``model_version``
    the model that gave them) or "score" (``model_version`` "": no model in use — or "score" asked for
    while one is, then ``model_version`` names it so the page can offer it back)."""

    by: str = "score"
    model_version: str = ""

    @property
    def model_in_use(self) -> bool:
        return bool(self.model_version)


def model_in_use(today: dt.date | None = None) -> str:
    """The version of the model whose probabilities today's snapshot keeps, "" when none (the rules)."""
    today = today or timezone.localdate()
    found = (
        HealthSnapshot.objects.filter(taken_on=today)
        .exclude(probability=None)
        .order_by("-model_version")
        .values_list("model_version", flat=True)
        .first()
    )
    return found or ""


def ranking(sort: str = "", today: dt.date | None = None) -> Ranking:
    """The ranking of the health lists: by the model's probability when today's snapshot has one and
    ``sort`` is not "score"; otherwise by the rule score."""
    version = model_in_use(today)
    return Ranking("probability" if version and sort != "score" else "score", version)


def probability_order(rows: list[HealthRow]) -> list[HealthRow]:
    """``rows`` ranked by the model: highest probability first, those without one after, by rule score."""
    return sorted(
        rows,
        key=lambda r: (r.probability is None, -(r.probability or 0.0), r.health.score, r.account.customer_id),
    )


@dataclass(frozen=True)
class HealthReport:
    period: str | None
    rows: list[HealthRow]
    ranking: Ranking = Ranking()

    def count(self, risk: str) -> int:
        return sum(1 for r in self.rows if r.health.risk == risk)

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(risk, self.count(risk)) for risk in engine.RISKS]


#: Every reason code of the health engine (insights/_reason.html words each): the health page's reason filter.
REASON_CODES = (
    "consumption_down", "credit_low", "complaints", "late_requests", "interruptions", "visit_overdue",
    "satisfaction_low", "arrears_overdue", "closure_applied", "relocation_applied", "capacity_reduced",
    "contract_declined", "contract_expiring", "market_retailer", "market_direct", "self_generation_up",
    "complaints_repeated",
)  # fmt: skip
GRADES = ("A", "B", "C")


@dataclass(frozen=True)
class HealthFilters:
    """The health list's filters (the page keeps them in its URL; the Excel and the API take the same)."""

    risk: str = ""
    district: str = ""
    manager: int | None = None  # a manager's user id: the accounts they manage (active assignment)
    grade: str = ""
    reason: str = ""  # any of the account's reasons, not only the main one
    strategy: str = ""  # the best-ranked strategy
    sort: str = ""  # "probability" / "score"; "" the default: the model's probability when one is in use

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> HealthFilters:
        """From a query string; a value that is not known is refused with the filter named."""
        from powerkam.analytics import strategies as strategies_engine

        def get(name: str) -> str:
            return str(params.get(name) or "").strip()

        manager = get("manager")
        found = cls(get("risk"), get("district"), None, get("grade"), get("reason"), get("strategy"), get("sort"))
        if manager:
            if not manager.isdigit():
                raise ApplicationError(_("Unknown manager %(value)r.") % {"value": manager})
            found = replace(found, manager=int(manager))
        if found.risk and found.risk not in engine.RISKS:
            raise ApplicationError(_("Unknown risk level %(risk)r.") % {"risk": found.risk})
        if found.grade and found.grade not in GRADES:
            raise ApplicationError(_("Unknown grade %(value)r: A, B or C.") % {"value": found.grade})
        if found.reason and found.reason not in REASON_CODES:
            raise ApplicationError(_("Unknown reason %(value)r.") % {"value": found.reason})
        codes = [x.code for x in strategies_engine.DEFAULT_RULES.strategies]
        if found.strategy and found.strategy not in codes:
            raise ApplicationError(_("Unknown strategy %(value)r.") % {"value": found.strategy})
        if found.sort and found.sort not in SORTS:
            raise ApplicationError(_("Unknown sort %(value)r: probability or score.") % {"value": found.sort})
        return found

    @property
    def active(self) -> bool:
        return any((self.risk, self.district, self.manager, self.grade, self.reason, self.strategy))

    def accounts(self, accounts: QuerySet[Account]) -> QuerySet[Account]:
        """The account-side filters (district, manager, grade) on a queryset of accounts."""
        if self.district:
            accounts = accounts.filter(district=self.district)
        if self.grade:
            accounts = accounts.filter(grade=self.grade)
        if self.manager:
            managed = Assignment.objects.filter(staff_id=self.manager, active=True).values("account_id")
            accounts = accounts.filter(pk__in=managed)
        return accounts

    def snapshots(self, snapshots: QuerySet[HealthSnapshot], *, with_risk: bool = True) -> QuerySet[HealthSnapshot]:
        """Every filter on a queryset of snapshots (the risk level left out with ``with_risk=False``:
        the counts per level and the charts show every level)."""
        if self.district:
            snapshots = snapshots.filter(account__district=self.district)
        if self.grade:
            snapshots = snapshots.filter(account__grade=self.grade)
        if self.manager:
            managed = Assignment.objects.filter(staff_id=self.manager, active=True).values("account_id")
            snapshots = snapshots.filter(account_id__in=managed)
        if self.reason:
            snapshots = snapshots.filter(reason_codes__contains=f" {self.reason} ")
        if self.strategy:
            snapshots = snapshots.filter(strategy=self.strategy)
        if with_risk and self.risk:
            snapshots = snapshots.filter(risk=self.risk)
        return snapshots


def managers(*, user: AnyUser) -> list[tuple[int, str]]:
    """``(user id, name)`` of everyone managing a key account ``user`` sees: the manager filter's choices."""
    from django.contrib.auth import get_user_model

    rows = (
        get_user_model()
        .objects.filter(assignments__active=True, assignments__account__in=accounts_visible_to(user).key_accounts())
        .distinct()
        .values_list("pk", "staff__name", "username")
    )
    return sorted(((pk, name or username) for pk, name, username in rows), key=lambda r: (r[1], r[0]))


def key_account_health(
    *,
    user: Viewer | None,
    risk: str = "",
    district: str = "",
    today: dt.date | None = None,
    filters: HealthFilters | None = None,
) -> HealthReport:
    """Health of the key accounts ``user`` sees (all for ``None``: the command line), riskiest first;
    ``filters`` (or ``risk`` and ``district`` alone) narrow it. Filtering by strategy ranks the
    strategies of every account with the rule levels' probabilities (no model is run here)."""
    filters = filters or HealthFilters(risk=risk, district=district)
    if filters.risk and filters.risk not in engine.RISKS:
        raise ApplicationError(_("Unknown risk level %(risk)r.") % {"risk": filters.risk})
    today = today or timezone.localdate()
    accounts = Account.objects.key_accounts().active() if user is None else accounts_visible_to(user).key_accounts()
    chosen = list(filters.accounts(accounts).order_by("customer_id"))
    period = tariff_engine.latest_period(store_dir())
    assessed = engine.assess_many(signals_for(chosen, today=today, period=period), health_rules())
    by_id = {a.customer_id: a for a in chosen}
    kept = [h for h in assessed if not filters.risk or h.risk == filters.risk]
    if filters.reason:
        kept = [h for h in kept if any(r.code == filters.reason for r in h.reasons)]
    if filters.strategy:
        from powerkam.analytics import strategies as strategies_engine
        from powerkam.insights import churn

        success = strategies_engine.learned_success(churn.strategy_outcomes(today=today))

        def best(h: engine.Health) -> str:
            bill = h.signals.monthly_bill_yuan
            found = strategies_engine.recommend(h, annual_yuan=12 * bill, success=success) if bill else []
            return found[0].strategy if found else ""

        kept = [h for h in kept if best(h) == filters.strategy]
    rows = [HealthRow(by_id[h.customer_id], h) for h in kept]
    ranked = ranking(filters.sort, today)
    if ranked.model_in_use:  # the model's probabilities of this morning beside the scores computed now
        scored = dict(
            HealthSnapshot.objects.filter(taken_on=today)
            .exclude(probability=None)
            .values_list("account_id", "probability")
        )
        rows = [
            replace(r, probability=scored.get(r.account.pk), model_version=ranked.model_version)
            if r.account.pk in scored
            else r
            for r in rows
        ]
        if ranked.by == "probability":
            rows = probability_order(rows)
    return HealthReport(period=period, rows=rows, ranking=ranked)


def account_health(*, account: Account, today: dt.date | None = None) -> engine.Health:
    today = today or timezone.localdate()
    period = tariff_engine.latest_period(store_dir())
    (signals,) = signals_for([account], today=today, period=period)
    return engine.assess(signals, health_rules())


def account_surveys(*, account: Account, limit: int = 5) -> list[SatisfactionSurvey]:
    surveys = SatisfactionSurvey.objects.filter(account=account, archived=False)
    return list(surveys.select_related("recorded_by")[:limit])


# ---- snapshots: the trend and the accounts whose risk is rising ------------------------------------

#: Churn risks from the least to the most worrying.
RISK_ORDER = {risk: i for i, risk in enumerate(reversed(engine.RISKS))}
#: A score this many points lower than before counts as rising risk even at the same level.
SCORE_DROP = 15.0
#: How far back "rising" looks, in days.
RISING_DAYS = 30


#: A retention task (the best strategy of an account at risk, not yet offered) is due this many days
#: after the strategy was first recommended; untouched past it, it is also on the supervisor's list.
RETENTION_TASK_DAYS = 14
#: An offer of the same strategy made this many days before a recommendation starts already answers it.
RETENTION_OFFER_LOOKBACK_DAYS = 90


def _reasons_out(found: engine.Health) -> list[dict[str, object]]:
    return [{"code": r.code, "points": r.points, "figures": r.figures, "action": r.action} for r in found.reasons]


def _strategy_since(rows: list[HealthSnapshot], today: dt.date) -> None:
    """Set each row's ``strategy_since``: carried over from the previous snapshot day when the same
    strategy was recommended then; else today — or the day of an offer of that strategy in the last
    :data:`RETENTION_OFFER_LOOKBACK_DAYS` days (the offer already answers it: no task)."""
    from powerkam.insights.models import RetentionOffer

    previous_day = (
        HealthSnapshot.objects.filter(taken_on__lt=today)
        .order_by("-taken_on")
        .values_list("taken_on", flat=True)
        .first()
    )
    before: dict[int, tuple[str, dt.date | None]] = {}
    if previous_day is not None:
        before = {
            account_id: (strategy, since)
            for account_id, strategy, since in HealthSnapshot.objects.filter(
                taken_on=previous_day, strategy__gt=""
            ).values_list("account_id", "strategy", "strategy_since")
        }
    offered: dict[tuple[int, str], dt.date] = {}
    for account_id, strategy, on in RetentionOffer.objects.filter(
        archived=False,
        offered_on__gt=today - dt.timedelta(days=RETENTION_OFFER_LOOKBACK_DAYS),
        offered_on__lte=today,
    ).values_list("account_id", "strategy", "offered_on"):
        offered[(account_id, strategy)] = max(on, offered.get((account_id, strategy), on))
    for row in rows:
        if not row.strategy:
            row.strategy_since = None
            continue
        strategy, since = before.get(row.account.pk, ("", None))
        if strategy == row.strategy and since is not None:
            row.strategy_since = since
        else:
            row.strategy_since = offered.get((row.account.pk, row.strategy), today)


def health_snapshot_take(*, today: dt.date | None = None) -> int:
    """Record today's health of every key account (taking a day again replaces its rows); how many.
    Each row keeps every reason with its figures, the model's probability (when a model is trained)
    and the best-ranked service strategy — what the health page filters and the retention tasks read."""
    from powerkam.analytics import strategies as strategies_engine
    from powerkam.insights import churn  # churn reads this module's rules

    today = today or timezone.localdate()
    report = key_account_health(user=None, today=today)
    # the churn model's probability beside the rule score, when a model is trained (docs/health.md)
    scored = churn.probabilities([r.account.customer_id for r in report.rows])
    version, probability = scored if scored is not None else ("", {})
    success = strategies_engine.learned_success(churn.strategy_outcomes(today=today))
    rows = []
    for r in report.rows:
        bill = r.health.signals.monthly_bill_yuan
        best = (
            strategies_engine.recommend(
                r.health,
                annual_yuan=12 * bill,
                loss_probability=probability.get(r.account.customer_id),
                success=success,
            )
            if bill
            else []
        )
        rows.append(
            HealthSnapshot(
                account=r.account,
                taken_on=today,
                score=round(r.health.score, 1),
                risk=r.health.risk,
                reason=r.health.reasons[0].code if r.health.reasons else "",
                reason_figures=r.health.reasons[0].figures if r.health.reasons else {},
                reason_action=r.health.reasons[0].action if r.health.reasons else "",
                probability=probability.get(r.account.customer_id),
                model_version=version if r.account.customer_id in probability else "",
                reasons=_reasons_out(r.health),
                reason_codes=" " + " ".join(dict.fromkeys(x.code for x in r.health.reasons)) + " "
                if r.health.reasons
                else "",
                strategy=best[0].strategy if best else "",
                strategy_yuan=best[0].expected_yuan if best else None,
            )
        )
    _strategy_since(rows, today)
    with transaction.atomic():
        HealthSnapshot.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["account", "taken_on"],
            update_fields=[
                "score",
                "risk",
                "reason",
                "reason_figures",
                "reason_action",
                "probability",
                "model_version",
                "reasons",
                "reason_codes",
                "strategy",
                "strategy_yuan",
                "strategy_since",
            ],
        )
        _raise_alerts(rows, today)
    cache.delete(_stamp_key(today))  # what was cached from the day's earlier check is not read again
    return len(rows)


def _raise_alerts(rows: list[HealthSnapshot], today: dt.date) -> int:
    """Tell each active manager of an account whose risk level is higher than on the previous snapshot
    day (once per account, manager and day); how many alerts."""
    previous_day = (
        HealthSnapshot.objects.filter(taken_on__lt=today)
        .order_by("-taken_on")
        .values_list("taken_on", flat=True)
        .first()
    )
    if previous_day is None:
        return 0
    before = {
        s.account_id: s
        for s in HealthSnapshot.objects.filter(taken_on=previous_day, account__in=[r.account for r in rows])
    }
    worse = [
        (before[r.account.pk], r)
        for r in rows
        if r.account.pk in before and RISK_ORDER[r.risk] > RISK_ORDER[before[r.account.pk].risk]
    ]
    if not worse:
        return 0
    managers: dict[int, list[int]] = {}
    for account_id, staff_id in Assignment.objects.filter(
        account_id__in=[r.account.pk for _b, r in worse], active=True
    ).values_list("account_id", "staff_id"):
        managers.setdefault(account_id, []).append(staff_id)
    alerts = [
        RiskAlert(
            account=now.account,
            user_id=user_id,
            raised_on=today,
            risk_before=was.risk,
            risk_now=now.risk,
            score_before=was.score,
            score_now=now.score,
            reason=now.reason,
        )
        for was, now in worse
        for user_id in managers.get(now.account.pk, [])
    ]
    RiskAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    return len(alerts)


def risk_alerts_for(*, user: AnyUser, unread_only: bool = True) -> QuerySet[RiskAlert]:
    if not user.is_authenticated:
        return RiskAlert.objects.none()
    alerts = RiskAlert.objects.filter(user_id=user.pk).select_related("account")
    return alerts.filter(read_at=None) if unread_only else alerts


def score_trend(*, account: Account, today: dt.date | None = None, days: int = 365) -> list[HealthSnapshot]:
    """The account's snapshots of the last ``days`` days, oldest first."""
    today = today or timezone.localdate()
    return list(
        HealthSnapshot.objects.filter(
            account=account, taken_on__gt=today - dt.timedelta(days=days), taken_on__lte=today
        ).order_by("taken_on")
    )


@dataclass(frozen=True)
class RisingRow:
    account: Account
    before: HealthSnapshot
    now: HealthSnapshot

    @property
    def drop(self) -> float:
        return round(self.before.score - self.now.score, 1)


def risk_rising(*, user: Viewer | None, today: dt.date | None = None, days: int = RISING_DAYS) -> list[RisingRow]:
    """Key accounts whose churn risk rose (or whose score fell by :data:`SCORE_DROP` points or more)
    between the snapshot ``days`` days ago and the latest one, the most worrying first."""
    today = today or timezone.localdate()
    taken = HealthSnapshot.objects.filter(taken_on__lte=today)
    latest = taken.order_by("-taken_on").values_list("taken_on", flat=True).first()
    earlier = (
        taken.filter(taken_on__lte=today - dt.timedelta(days=days))
        .order_by("-taken_on")
        .values_list("taken_on", flat=True)
        .first()
    )
    if latest is None or earlier is None:
        return []
    accounts = Account.objects.key_accounts().active() if user is None else accounts_visible_to(user).key_accounts()
    snaps = HealthSnapshot.objects.filter(taken_on__in=[latest, earlier], account__in=accounts).select_related(
        "account"
    )
    by_day: dict[dt.date, dict[int, HealthSnapshot]] = {latest: {}, earlier: {}}
    for snap in snaps:
        by_day[snap.taken_on][snap.account_id] = snap
    rows = []
    for account_id, now in by_day[latest].items():
        before = by_day[earlier].get(account_id)
        if before is None:
            continue
        if RISK_ORDER[now.risk] > RISK_ORDER[before.risk] or before.score - now.score >= SCORE_DROP:
            rows.append(RisingRow(now.account, before, now))
    rows.sort(key=lambda r: (-RISK_ORDER[r.now.risk], -r.drop, r.account.customer_id))
    return rows


# ---- the health page from the morning's snapshot ----------------------------------------------------


@dataclass(frozen=True)
class SnapshotHealth:
    """What the health list shows of an account, read from a snapshot (the 360 panel stays live)."""

    score: float
    risk: str
    reasons: list[engine.Reason]


@dataclass(frozen=True)
class SnapshotReport:
    day: dt.date
    counts: list[tuple[str, int]]
    #: the snapshots of the accounts shown, riskiest (lowest score) first
    rows: QuerySet[HealthSnapshot]
    #: the same with every risk level (the counts and the charts)
    every_level: QuerySet[HealthSnapshot] | None = None
    ranking: Ranking = Ranking()

    @staticmethod
    def row(snapshot: HealthSnapshot) -> HealthRow:
        reasons = [
            engine.Reason("", r["code"], float(r.get("points", 0.0)), r.get("figures", {}), r.get("action", ""))
            for r in snapshot.reasons or []
            if isinstance(r, dict) and r.get("code")
        ] or (
            [engine.Reason("", snapshot.reason, 0.0, snapshot.reason_figures, snapshot.reason_action)]
            if snapshot.reason
            else []
        )
        health = SnapshotHealth(snapshot.score, snapshot.risk, reasons)
        return HealthRow(snapshot.account, health, snapshot.probability, snapshot.model_version, snapshot.strategy)  # type: ignore[arg-type]


def _stamp_key(day: dt.date) -> str:
    return f"insights:health-snapshot-stamp:{day.isoformat()}"


def snapshot_stamp(today: dt.date | None = None) -> str | None:
    """A stamp of today's health check, for what is cached from it, or None when there is none yet.
    Taking the day's check again gives a new stamp (:func:`health_snapshot_take` forgets the old one:
    the rows keep their ids when they are taken again, so the rows alone cannot tell)."""
    today = today or timezone.localdate()
    stamp = cache.get(_stamp_key(today))
    if stamp is None:
        newest = HealthSnapshot.objects.filter(taken_on=today).aggregate(newest=Max("id"))["newest"]
        if newest is None:
            return None
        stamp = f"{today.isoformat()}.{newest}.{time.time_ns()}"
        cache.set(_stamp_key(today), stamp, 2 * 24 * 3600)
    return str(stamp)


def snapshot_report(
    *,
    user: AnyUser,
    risk: str = "",
    district: str = "",
    today: dt.date | None = None,
    filters: HealthFilters | None = None,
) -> SnapshotReport | None:
    """The health list from today's snapshot (taken in the morning by the worker), or None when there is
    none yet: then the list is computed live. At 66,000 key accounts the live list takes ~30 s."""
    filters = filters or HealthFilters(risk=risk, district=district)
    if filters.risk and filters.risk not in engine.RISKS:
        raise ApplicationError(_("Unknown risk level %(risk)r.") % {"risk": filters.risk})
    today = today or timezone.localdate()
    if not HealthSnapshot.objects.filter(taken_on=today).exists():
        return None
    visible = accounts_visible_to(user).key_accounts()
    every_level = filters.snapshots(HealthSnapshot.objects.filter(taken_on=today, account__in=visible), with_risk=False)
    by_risk = dict(every_level.values_list("risk").annotate(n=Count("id")).values_list("risk", "n"))
    ranked = ranking(filters.sort, today)
    order: list[Any] = ["score", "account__customer_id"]
    if ranked.by == "probability":  # highest first; accounts without one after, by rule score
        order = [F("probability").desc(nulls_last=True), *order]
    rows = filters.snapshots(every_level).select_related("account").order_by(*order)
    return SnapshotReport(today, [(r, by_risk.get(r, 0)) for r in engine.RISKS], rows, every_level, ranked)


# ---- the health page's charts -------------------------------------------------------------------------

#: The score distribution's bins: 0–9, 10–19, … 90–100.
SCORE_BINS = 10
#: The risk trend: one point a week (the week's last snapshot day), this many weeks back.
TREND_WEEKS = 13


def score_distribution(snapshots: QuerySet[HealthSnapshot]) -> dict[str, list[int]]:
    """``{risk: [accounts with a score in 0–9, 10–19, … 90–100]}`` of the snapshots (one grouped query)."""
    found = {risk: [0] * SCORE_BINS for risk in engine.RISKS}
    grouped = (
        snapshots.order_by()
        .annotate(
            bin=Least(
                Floor(F("score") / Value(100 / SCORE_BINS)), Value(float(SCORE_BINS - 1)), output_field=FloatField()
            )
        )
        .values_list("risk", "bin")
        .annotate(n=Count("id"))
    )
    for level, bin_, n in grouped:
        if level in found and bin_ is not None:
            found[level][max(0, int(bin_))] += n
    return found


def live_score_distribution(rows: list[HealthRow]) -> dict[str, list[int]]:
    """The same as :func:`score_distribution` for a list computed now."""
    found = {risk: [0] * SCORE_BINS for risk in engine.RISKS}
    for r in rows:
        found[r.health.risk][min(SCORE_BINS - 1, max(0, int(r.health.score // (100 / SCORE_BINS))))] += 1
    return found


def risk_trend(
    *, user: AnyUser, filters: HealthFilters, today: dt.date | None = None, weeks: int = TREND_WEEKS
) -> list[tuple[dt.date, dict[str, int]]]:
    """The key accounts at each risk level, week by week (the week's last snapshot day), oldest first;
    the same filters as the list but the risk level. Two queries: the days, then one grouped count."""
    today = today or timezone.localdate()
    days = (
        HealthSnapshot.objects.filter(taken_on__gt=today - dt.timedelta(weeks=weeks), taken_on__lte=today)
        .order_by("taken_on")
        .values_list("taken_on", flat=True)
        .distinct()
    )
    by_week: dict[tuple[int, int], dt.date] = {}
    for day in days:
        by_week[day.isocalendar()[:2]] = day  # ascending: the week's last day wins
    chosen = sorted(by_week.values())
    if not chosen:
        return []
    visible = accounts_visible_to(user).key_accounts()
    snaps = filters.snapshots(HealthSnapshot.objects.filter(taken_on__in=chosen, account__in=visible), with_risk=False)
    counts: dict[dt.date, dict[str, int]] = {day: dict.fromkeys(engine.RISKS, 0) for day in chosen}
    for day, level, n in snaps.order_by().values_list("taken_on", "risk").annotate(n=Count("id")):
        counts[day][level] = n
    return [(day, counts[day]) for day in chosen]
