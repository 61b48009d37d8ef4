"""Key-account health score and churn risk, with reasons and what to do (paper §2(三) and its
conclusion: "zero loss" of key accounts; domain.md: health score and churn risk with reasons,
service-strategy recommendations).

docs/rules.md has no section for this, so PowerKAM's own model is documented in docs/health.md and
every weight and threshold is a :class:`HealthRules` field (TOML overrides them). A score of
0–100 is the sum of twelve parts, each between 0 and its weight (docs/health.md has them all):

- **consumption** — the last 3 billed months against the same 3 months a year earlier (seasons
  cancel out): full at or above ``full_ratio``, nothing at or below ``zero_ratio``, linear between;
- **payment** — the credit score of the latest grading run (docs/rules.md §1), scaled to the weight;
- **service** — each complaint in the last 12 months and each service request finished late (or
  still open past its due day) takes a share of the weight;
- **reliability** — each unplanned interruption and each hour without supply in 12 months takes
  a share of the weight;
- **relationship** — the visit cadence of the grade: full when no visit is overdue, nothing at
  ``visit_zero_days`` overdue, linear between;
- **satisfaction** — the latest satisfaction survey of the last 12 months, 1 (nothing) to 5 (full).

A part without data (a new account has no year-ago months; an account without feeders has no
reliability record) is left out and the others are scaled up to 100, so a gap neither helps nor
hurts. Churn risk: *high* below ``high_below`` or with consumption down by ``high_drop`` or more,
*medium* below ``medium_below`` or down by ``medium_drop``, else *low*. Each lost point becomes a
reason (code + figures, worded by the web layer) with a recommended action. No Django here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from powerkam.analytics import store
from powerkam.analytics.accounts import shift_period
from powerkam.analytics.grading_backends import drop_temp_table, ids_table, store_connection

PARTS = (
    "consumption",
    "payment",
    "service",
    "reliability",
    "relationship",
    "satisfaction",
    # churn signals: overdue arrears, business applications, the supply contract, the market status
    "arrears",
    "applications",
    "contract",
    "market",
    # own generation growing (renewables data), complaints repeated within 90 days
    "self_generation",
    "complaint_history",
)
RISKS = ("high", "medium", "low")


class HealthRulesError(ValueError):
    """A health rules file that cannot be used; the message names the key."""


@dataclass(frozen=True)
class HealthRules:
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "consumption": 30.0,
            "payment": 20.0,
            "service": 20.0,
            "reliability": 15.0,
            "relationship": 15.0,
            "satisfaction": 10.0,
            "arrears": 20.0,
            "applications": 15.0,
            "contract": 10.0,
            "market": 10.0,
            "self_generation": 10.0,
            "complaint_history": 10.0,
        }
    )
    #: Consumption ratio (last 3 months ÷ the same months a year before) for the full and for no points.
    full_ratio: float = 1.0
    zero_ratio: float = 0.7
    compare_months: int = 3
    #: Share of the service weight each complaint / each late request takes.
    complaint_share: float = 0.25
    late_request_share: float = 0.25
    #: Share of the reliability weight each unplanned interruption / each hour without supply takes.
    interruption_share: float = 0.2
    hour_share: float = 0.05
    #: Days a visit is overdue at which the relationship part reaches 0.
    visit_zero_days: int = 90
    #: Churn risk thresholds.
    high_below: float = 50.0
    medium_below: float = 70.0
    high_drop: float = 0.30
    medium_drop: float = 0.15
    #: Overdue arrears: months of the average monthly bill owed at which the part reaches 0 …
    arrears_zero_months: float = 2.0
    #: … and days past due of the oldest unpaid bill at which its age counts in full.
    arrears_zero_days: int = 90
    #: Arrears at least this many months of bill AND this many days past due make the risk at least
    #: medium / high, whatever the score (large overdue arrears are never "low").
    arrears_medium_months: float = 0.5
    arrears_medium_days: int = 30
    arrears_high_months: float = 1.0
    arrears_high_days: int = 60
    #: Business applications of the last ``application_months`` months: the share of the contract
    #: capacity reduced or paused at which the part reaches 0, and the shares that make the risk
    #: at least medium / high. A closure (销户) application is high risk on its own.
    application_months: int = 12
    reduction_zero_share: float = 0.5
    reduction_medium: float = 0.1
    reduction_high: float = 0.3
    #: Supply contract: days before its end from which an unrenewed contract loses points (all of
    #: them at the end), and the days at which it makes the risk at least medium.
    contract_warn_days: int = 180
    contract_medium_days: int = 90
    #: Own generation: the risk of :func:`powerkam.analytics.renewables.self_generation_signal` (0–1)
    #: at which the risk is at least medium (growth of own generation means lower purchases).
    self_generation_medium: float = 0.5
    #: Repeated complaints (a complaint within ``repeat_complaint_days`` of the account's previous one)
    #: in the last 12 months: each takes this share of the part; this many make the risk at least
    #: medium / high (0: no floor).
    repeat_complaint_days: int = 90
    repeat_complaint_share: float = 0.5
    repeat_complaints_medium: int = 1
    repeat_complaints_high: int = 3

    def __post_init__(self) -> None:
        problems = []
        unknown = sorted(set(self.weights) - set(PARTS))
        if unknown:
            problems.append(f"weights: unknown part(s) {', '.join(unknown)}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            problems.append("weights must be 0 or more and not all 0")
        if not 0 <= self.zero_ratio < self.full_ratio:
            problems.append("zero_ratio must be 0 or more and below full_ratio")
        if self.compare_months < 1:
            problems.append("compare_months must be 1 or more")
        if self.visit_zero_days < 1:
            problems.append("visit_zero_days must be 1 or more")
        for name in ("arrears_zero_days", "application_months", "contract_warn_days"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be 1 or more")
        if not self.arrears_zero_months > 0:
            problems.append("arrears_zero_months must be above 0")
        if not 0 <= self.arrears_medium_months <= self.arrears_high_months:
            problems.append("arrears_medium_months must be 0 or more and not above arrears_high_months")
        if not 0 <= self.arrears_medium_days <= self.arrears_high_days:
            problems.append("arrears_medium_days must be 0 or more and not above arrears_high_days")
        if not 0 < self.reduction_medium <= self.reduction_high <= 1 or not 0 < self.reduction_zero_share <= 1:
            problems.append(
                "reductions must satisfy 0 < reduction_medium ≤ reduction_high ≤ 1, reduction_zero_share in (0, 1]"
            )
        if not 0 <= self.contract_medium_days <= self.contract_warn_days:
            problems.append("contract_medium_days must be 0 or more and not above contract_warn_days")
        if not 0 <= self.self_generation_medium <= 1:
            problems.append("self_generation_medium must be between 0 and 1")
        if self.repeat_complaint_days < 1:
            problems.append("repeat_complaint_days must be 1 or more")
        if not 0 <= self.repeat_complaints_medium <= self.repeat_complaints_high:
            problems.append("repeat_complaints_medium must be 0 or more and not above repeat_complaints_high")
        if not self.high_below <= self.medium_below:
            problems.append("high_below must not be above medium_below")
        if not 0 < self.medium_drop <= self.high_drop < 1:
            problems.append("drops must satisfy 0 < medium_drop ≤ high_drop < 1")
        for name in (
            "complaint_share",
            "late_request_share",
            "interruption_share",
            "hour_share",
            "repeat_complaint_share",
        ):
            if not 0 <= getattr(self, name) <= 1:
                problems.append(f"{name} must be between 0 and 1")
        if problems:
            raise HealthRulesError("; ".join(problems))

    def weight(self, part: str) -> float:
        return float(self.weights.get(part, 0.0))

    @classmethod
    def from_toml(cls, text: str) -> HealthRules:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise HealthRulesError(f"not valid TOML: {exc}") from exc
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise HealthRulesError(f"unknown key(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "weights":
                if not isinstance(value, dict):
                    raise HealthRulesError("weights must be a table")
                values[key] = {**cls().weights, **{k: _number(f"weights.{k}", v) for k, v in value.items()}}
            elif key in WHOLE_NUMBERS:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise HealthRulesError(f"{key} must be a whole number, not {value!r}")
                values[key] = value
            else:
                values[key] = _number(key, value)
        return replace(cls(), **values)

    @classmethod
    def from_file(cls, path: Path) -> HealthRules:
        try:
            return cls.from_toml(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise HealthRulesError(f"cannot read {path}: {exc.strerror}") from exc


WHOLE_NUMBERS = frozenset(
    {
        "compare_months",
        "visit_zero_days",
        "arrears_zero_days",
        "arrears_medium_days",
        "arrears_high_days",
        "application_months",
        "contract_warn_days",
        "contract_medium_days",
        "repeat_complaint_days",
        "repeat_complaints_medium",
        "repeat_complaints_high",
    }
)


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HealthRulesError(f"{key} must be a number, not {value!r}")
    return float(value)


DEFAULT_RULES = HealthRules()


@dataclass(frozen=True)
class Signals:
    """What PowerKAM knows of one key account, gathered by the CRM side."""

    customer_id: str
    recent_kwh: float | None = None  # the last compare_months billed months
    year_ago_kwh: float | None = None  # the same months a year earlier
    credit_score: float | None = None
    complaints: int = 0
    late_requests: int = 0
    unplanned_interruptions: int | None = None  # None: no reliability record (no feeders)
    unplanned_hours: float = 0.0
    visit_days_overdue: int | None = None  # None: no cadence (not graded)
    satisfaction: int | None = None  # the latest survey in 12 months, 1–5 (None: none)
    surveyed_on: str = ""
    #: Bills past their due date and not paid: the yuan owed and the days past due of the oldest;
    #: the average monthly bill of the last 12 billed months (None: no bills, no arrears part).
    arrears_yuan: float = 0.0
    arrears_days: int = 0
    monthly_bill_yuan: float | None = None
    #: Business applications of the last ``application_months`` (None: no applications imported).
    #: kVA of capacity reductions and pauses applied for (not withdrawn), the contract capacity,
    #: the day a closure (销户) or a relocation (迁址) was applied for.
    applications_known: bool = False
    reduced_kva: float = 0.0
    capacity_kva: float | None = None
    closure_on: str = ""
    relocation_on: str = ""
    #: The supply contract in force (latest end): its end, days left as of today and renewal status.
    contract_end: str = ""
    contract_days_left: int | None = None
    renewal_status: str = ""
    #: The market status today (None: no market data imported); since when; the retailer.
    market_status: str | None = None
    market_since: str = ""
    retailer: str = ""
    #: Own generation (renewables ``generation`` kind): the risk of its growth, 0–1 (None: no
    #: generation data for the account, or none a year earlier: no part), the growth on the 12 months
    #: before and the share of the account's supply it already is.
    self_generation_risk: float | None = None
    generation_growth: float | None = None
    own_generation_share: float = 0.0
    #: Complaints of the last 12 months received within ``repeat_complaint_days`` of the previous one,
    #: and the day of the latest of them.
    repeated_complaints: int = 0
    repeated_complaint_on: str = ""

    @property
    def consumption_ratio(self) -> float | None:
        if self.recent_kwh is None or not self.year_ago_kwh:
            return None
        return self.recent_kwh / self.year_ago_kwh


@dataclass(frozen=True)
class Reason:
    """A lost point: ``code`` names it, ``figures`` fill its sentence, ``action`` is what to do."""

    part: str
    code: str
    points: float  # lost, on the 0–100 scale
    figures: dict[str, Any]
    action: str


@dataclass(frozen=True)
class Health:
    customer_id: str
    score: float  # 0–100
    risk: str  # high / medium / low
    parts: dict[str, float | None]  # each part on 0–100 of its own (None: no data)
    reasons: tuple[Reason, ...]
    signals: Signals
    #: Signals that set the risk at least at a level whatever the score: ``(code, risk)``.
    floors: tuple[tuple[str, str], ...] = ()

    @property
    def consumption_change(self) -> float | None:
        ratio = self.signals.consumption_ratio
        return None if ratio is None else ratio - 1.0


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def assess(signals: Signals, rules: HealthRules = DEFAULT_RULES) -> Health:
    """Score, risk and reasons of one account."""
    fraction: dict[str, float | None] = {}
    reasons: list[tuple[str, str, float, dict[str, Any], str]] = []

    ratio = signals.consumption_ratio
    if ratio is None:
        fraction["consumption"] = None
    else:
        kept = fraction["consumption"] = _clamp((ratio - rules.zero_ratio) / (rules.full_ratio - rules.zero_ratio))
        if ratio < rules.full_ratio:
            change = round((1 - ratio) * 100, 1)
            reasons.append(("consumption", "consumption_down", 1 - kept, {"percent": change}, "visit_why"))

    if signals.credit_score is None:
        fraction["payment"] = None
    else:
        kept = fraction["payment"] = _clamp(signals.credit_score / 100)
        if signals.credit_score < 100:
            reasons.append(("payment", "credit_low", 1 - kept, {"score": signals.credit_score}, "arrears_plan"))

    by_complaints = signals.complaints * rules.complaint_share
    by_late = signals.late_requests * rules.late_request_share
    lost_service = by_complaints + by_late
    fraction["service"] = _clamp(1 - lost_service)
    # The part cannot lose more than its weight: both reasons share what it lost.
    share = min(lost_service, 1.0) / lost_service if lost_service else 0.0
    if signals.complaints:
        reasons.append(("service", "complaints", by_complaints * share, {"n": signals.complaints}, "close_complaints"))
    if signals.late_requests:
        reasons.append(("service", "late_requests", by_late * share, {"n": signals.late_requests}, "service_review"))

    if signals.unplanned_interruptions is None:
        fraction["reliability"] = None
    else:
        lost_supply = (
            signals.unplanned_interruptions * rules.interruption_share + signals.unplanned_hours * rules.hour_share
        )
        fraction["reliability"] = _clamp(1 - lost_supply)
        if lost_supply > 0:
            reasons.append(
                (
                    "reliability",
                    "interruptions",
                    min(lost_supply, 1.0),
                    {"n": signals.unplanned_interruptions, "hours": round(signals.unplanned_hours, 1)},
                    "grid_upgrade",
                )
            )

    if signals.visit_days_overdue is None:
        fraction["relationship"] = None
    else:
        kept = fraction["relationship"] = _clamp(1 - signals.visit_days_overdue / rules.visit_zero_days)
        if signals.visit_days_overdue > 0:
            reasons.append(
                (
                    "relationship",
                    "visit_overdue",
                    1 - kept,
                    {"days": signals.visit_days_overdue},
                    "visit_now",
                )
            )

    if signals.satisfaction is None:
        fraction["satisfaction"] = None
    else:
        kept = fraction["satisfaction"] = _clamp((signals.satisfaction - 1) / 4)
        if signals.satisfaction < 5:
            figures = {"score": signals.satisfaction, "on": signals.surveyed_on}
            reasons.append(("satisfaction", "satisfaction_low", 1 - kept, figures, "call_back"))

    floors: list[tuple[str, str]] = []
    _churn_parts(signals, rules, fraction, reasons, floors)

    present = {p: f for p, f in fraction.items() if f is not None and rules.weight(p) > 0}
    total_weight = sum(rules.weight(p) for p in present)
    if total_weight:
        score = 100 * sum(rules.weight(p) * f for p, f in present.items()) / total_weight
        scale = 100 / total_weight
    else:
        score, scale = 100.0, 0.0
    lost_points = [
        Reason(part, code, round(lost * rules.weight(part) * scale, 1), figures, action)
        for part, code, lost, figures, action in reasons
        if part in present
    ]
    lost_points.sort(key=lambda r: -r.points)
    drop = None if ratio is None else 1 - ratio
    if score < rules.high_below or (drop is not None and drop >= rules.high_drop):
        risk = "high"
    elif score < rules.medium_below or (drop is not None and drop >= rules.medium_drop):
        risk = "medium"
    else:
        risk = "low"
    for _code, floor in floors:
        if RISKS.index(floor) < RISKS.index(risk):
            risk = floor
    return Health(
        customer_id=signals.customer_id,
        score=round(score, 1),
        risk=risk,
        parts={p: None if f is None else round(100 * f, 1) for p, f in fraction.items()},
        reasons=tuple(lost_points),
        signals=signals,
        floors=tuple(floors),
    )


def _churn_parts(
    signals: Signals,
    rules: HealthRules,
    fraction: dict[str, float | None],
    reasons: list[tuple[str, str, float, dict[str, Any], str]],
    floors: list[tuple[str, str]],
) -> None:
    """The parts of the signals a leaving account shows: overdue arrears, applications to reduce,
    pause, move or close, a contract running out unrenewed, a move to the market."""
    # Overdue arrears, relative to the account's own monthly bill: ¥1 M owed is nothing for a data
    # centre billed ¥10 M a month and everything for a workshop billed ¥100,000.
    bill = signals.monthly_bill_yuan
    if bill is None:
        fraction["arrears"] = None
    else:
        owed = max(signals.arrears_yuan, 0.0)
        months = owed / bill if bill > 0 else (float("inf") if owed > 0 else 0.0)
        age = _clamp(signals.arrears_days / rules.arrears_zero_days)
        lost = _clamp(months / rules.arrears_zero_months) * (0.5 + 0.5 * age) if owed > 0 else 0.0
        fraction["arrears"] = 1 - lost
        if owed > 0:
            figures: dict[str, Any] = {
                "yuan": round(owed, 2),
                "days": signals.arrears_days,
                "months": round(months, 1) if months != float("inf") else None,
            }
            reasons.append(("arrears", "arrears_overdue", lost, figures, "arrears_plan"))
            if months >= rules.arrears_high_months and signals.arrears_days >= rules.arrears_high_days:
                floors.append(("arrears_overdue", "high"))
            elif months >= rules.arrears_medium_months and signals.arrears_days >= rules.arrears_medium_days:
                floors.append(("arrears_overdue", "medium"))

    # Applications: a closure is the account leaving; a relocation may take it out of the area; a
    # capacity reduction or pause shows production moved or cut.
    if not signals.applications_known:
        fraction["applications"] = None
    else:
        lost = 0.0
        if signals.closure_on:
            lost = 1.0
            reasons.append(("applications", "closure_applied", 1.0, {"on": signals.closure_on}, "win_back"))
            floors.append(("closure_applied", "high"))
        else:
            if signals.reduced_kva > 0:
                share = signals.reduced_kva / signals.capacity_kva if signals.capacity_kva else 1.0
                lost = _clamp(share / rules.reduction_zero_share)
                figures = {"kva": round(signals.reduced_kva), "percent": round(100 * min(share, 1.0), 1)}
                reasons.append(("applications", "capacity_reduced", lost, figures, "visit_why"))
                if share >= rules.reduction_high:
                    floors.append(("capacity_reduced", "high"))
                elif share >= rules.reduction_medium:
                    floors.append(("capacity_reduced", "medium"))
            if signals.relocation_on:
                extra = min(0.5, 1 - lost)
                lost += extra
                reasons.append(
                    ("applications", "relocation_applied", extra, {"on": signals.relocation_on}, "visit_why")
                )
                floors.append(("relocation_applied", "medium"))
        fraction["applications"] = 1 - lost

    # The supply contract: unrenewed and close to its end, or the customer declined to renew.
    if signals.contract_days_left is None:
        fraction["contract"] = None
    else:
        days, status = signals.contract_days_left, signals.renewal_status
        if status == "renewed":
            lost = 0.0
        elif status == "declined":
            lost = 1.0
        else:
            lost = _clamp(1 - days / rules.contract_warn_days) * (0.5 if status == "negotiating" else 1.0)
        fraction["contract"] = 1 - lost
        if lost > 0:
            code = "contract_declined" if status == "declined" else "contract_expiring"
            figures = {"end": signals.contract_end, "days": days, "status": status or "pending"}
            reasons.append(("contract", code, lost, figures, "renew_contract"))
            if status == "declined":
                floors.append((code, "high"))
            elif days <= rules.contract_medium_days:
                floors.append((code, "medium"))

    # Own generation growing: the account will buy less from the grid (renewables data; absent, no part).
    if signals.self_generation_risk is None:
        fraction["self_generation"] = None
    else:
        lost = _clamp(signals.self_generation_risk)
        fraction["self_generation"] = 1 - lost
        if lost > 0:
            growth = signals.generation_growth
            figures = {
                "growth": None if growth is None else round(100 * growth, 1),
                "share": round(100 * signals.own_generation_share, 1),
            }
            reasons.append(("self_generation", "self_generation_up", lost, figures, "green_offer"))
            if lost >= rules.self_generation_medium:
                floors.append(("self_generation_up", "medium"))

    # Complaints repeated within 90 days: the first was not resolved (service/workorders.py flags them).
    # Penalty only: a record without repeats leaves the part out (the service part already counts
    # the complaints), so the scores of accounts without repeats are what they were.
    repeats = signals.repeated_complaints
    fraction["complaint_history"] = _clamp(1 - repeats * rules.repeat_complaint_share) if repeats else None
    if repeats:
        lost = min(repeats * rules.repeat_complaint_share, 1.0)
        figures = {"n": repeats, "on": signals.repeated_complaint_on, "days": rules.repeat_complaint_days}
        reasons.append(("complaint_history", "complaints_repeated", lost, figures, "close_complaints"))
        if rules.repeat_complaints_high and repeats >= rules.repeat_complaints_high:
            floors.append(("complaints_repeated", "high"))
        elif rules.repeat_complaints_medium and repeats >= rules.repeat_complaints_medium:
            floors.append(("complaints_repeated", "medium"))

    # The market: buying through a retailer, the energy sale is lost; direct trading, at risk.
    if signals.market_status is None:
        fraction["market"] = None
    else:
        status = signals.market_status
        lost = {"retailer": 1.0, "direct": 0.5}.get(status, 0.0)
        fraction["market"] = 1 - lost
        if lost:
            figures = {"status": status, "since": signals.market_since, "retailer": signals.retailer}
            reasons.append(("market", f"market_{status}", lost, figures, "market_offer"))
            floors.append((f"market_{status}", "high" if status == "retailer" else "medium"))


def assess_many(signals: Iterable[Signals], rules: HealthRules = DEFAULT_RULES) -> list[Health]:
    """Every account's health, the riskiest first (risk, then score, then id)."""
    order = {r: i for i, r in enumerate(RISKS)}
    found = [assess(s, rules) for s in signals]
    return sorted(found, key=lambda h: (order[h.risk], h.score, h.customer_id))


def comparison_table(billing: ir.Table, ids: ir.Table, *, period: str, months: int = 3) -> ir.Table:
    """Each account's kWh of the ``months`` months ending ``period`` (``recent``) and of the same
    months a year before (``year_ago``); a side is null when any of its months has no bill. Ibis,
    for any engine."""
    recent = billing.period.between(shift_period(period, -(months - 1)), period)
    earlier = billing.period.between(shift_period(period, -(months - 1) - 12), shift_period(period, -12))
    mine = billing.filter(billing.customer_id.isin(ids.customer_id) & (recent | earlier))
    is_recent = mine.period.between(shift_period(period, -(months - 1)), period)
    is_earlier = mine.period.between(shift_period(period, -(months - 1) - 12), shift_period(period, -12))
    per = mine.group_by("customer_id").aggregate(
        recent_bills=mine.count(where=is_recent),
        recent=mine.kwh.sum(where=is_recent),
        earlier_bills=mine.count(where=is_earlier),
        earlier=mine.kwh.sum(where=is_earlier),
    )
    return per.select(
        "customer_id",
        recent=(per.recent_bills == months).ifelse(per.recent, ibis.null("float64")),
        year_ago=(per.earlier_bills == months).ifelse(per.earlier, ibis.null("float64")),
    )


def consumption_comparison(
    store_dir: Path,
    customer_ids: Sequence[str],
    *,
    period: str,
    months: int = 3,
    backend: str | None = None,
) -> dict[str, tuple[float | None, float | None]]:
    """``{customer_id: (kWh of the months ending period, kWh of the same months a year before)}``.

    A side is None when any of its months has no bill (a new account, a gap in the data).
    :func:`comparison_table`, on *backend* (default ``POWERKAM_ANALYTICS_BACKEND``, else DuckDB)."""
    path = store.dataset_source(store_dir, "billing")
    ids = list(dict.fromkeys(customer_ids))
    if not ids or path is None:
        return {}
    with store_connection(None, backend) as con:
        id_table = ids_table(con, "powerkam_health_ids", ids)
        try:
            billing = con.read_parquet(path, table_name="powerkam_health_billing")
            rows = comparison_table(billing, id_table, period=period, months=months).to_pyarrow().to_pylist()
        finally:
            drop_temp_table(con, "powerkam_health_ids")
    return {r["customer_id"]: (r["recent"], r["year_ago"]) for r in rows}
