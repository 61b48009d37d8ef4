"""The churn model on the CRM side (docs/health.md, "The churn model"): which accounts it learns from,
where the trained models are kept, the backtest of ``powerkam health --backtest``, the monthly
retraining. The engine is :mod:`powerkam.analytics.churn` (no Django)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.analytics import churn as engine
from powerkam.analytics import health as engine_health
from powerkam.analytics import strategies as strategies_engine
from powerkam.core.errors import ApplicationError
from powerkam.insights.health import health_rules
from powerkam.insights.models import RetentionOffer
from powerkam.insights.selectors import store_dir

#: Months of history the model reads (the demo province and a real extract keep 36).
HISTORY_MONTHS = 36


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def _history() -> engine.History:
    """Every CRM account's history (the key accounts and the candidates at 10 kV and above, the
    archived ones too: an account that left is exactly what the model learns from)."""
    ids = list(Account.objects.values_list("customer_id", flat=True))
    try:
        return engine.load_history(store_dir(), ids, months=HISTORY_MONTHS)
    except engine.ChurnModelError as exc:
        raise ApplicationError(_("No churn model: %(error)s.") % {"error": exc}) from exc


def backtest(*, horizon: int = 6, k: int = 50, test_months: int = 6) -> dict[str, Any]:
    """The model against the rule baseline on the last complete windows of the history."""
    if horizon < 1 or k < 1 or test_months < 1:
        raise ApplicationError(_("The horizon, k and the test months must be 1 or more."))
    model_settings = engine.ModelSettings(horizon=horizon, k=k, test_months=test_months)
    try:
        result = engine.backtest(_history(), settings=model_settings, rules=health_rules())
    except engine.ChurnModelError as exc:
        raise ApplicationError(_("No backtest: %(error)s.") % {"error": exc}) from exc
    return {
        "test_periods": list(result.test_periods),
        "rows": result.rows,
        "losses": result.losses,
        "k": result.k,
        "horizon_months": result.horizon,
        "model": asdict(result.model) if result.model else None,
        "baseline": asdict(result.baseline),
        "in_use": "model" if result.model else "rules",
        "seconds": result.seconds,
        "card": {key: value for key, value in result.card.items() if key != "settings"},
    }


def train() -> dict[str, Any]:
    """Train the model on every complete window and keep it under ``DATA_DIR/models`` (each version
    a file of its own, so a score can be traced to its model), its card carrying the backtest of the
    same settings against the rules; the card, or why there is none."""
    history = _history()
    model, _panel = engine.fit_current(history)
    if model is None:
        return {"in_use": "rules", "reason": "too little history"}
    # the card's metrics: the same settings backtested on the last complete windows, against the rules
    try:
        tested = engine.backtest(history, rules=health_rules())
    except engine.ChurnModelError:
        tested = None
    if tested is not None and tested.model is not None:
        model.card["backtest"] = asdict(tested.model) | {
            "baseline": asdict(tested.baseline),
            "test_periods": list(tested.test_periods),
            "k": tested.k,
        }
    path = model.save(models_dir())
    return {"in_use": "model", "card": str(path), "version": model.card["version"]}


def latest_card() -> dict[str, Any] | None:
    """The card of the newest model trained (the administrator's view), or None: the rules apply."""
    cards = sorted(models_dir().glob("churn-*.json"), key=lambda p: p.stat().st_mtime)
    if not cards:
        return None
    card = json.loads(cards[-1].read_text(encoding="utf-8"))
    card.pop("calibration", None)
    return dict(card)


def model_cards() -> list[dict[str, Any]]:
    """Every trained model's card, newest first (the administrator's model page): a score on a
    snapshot names its model's version, found here. A card that cannot be read is left out."""
    found = []
    for path in sorted(models_dir().glob("churn-*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            card = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        card.pop("calibration", None)
        found.append(dict(card))
    return found


# ---- the model's score of one account (the 360 health panel) ----------------------------------------

_loaded: dict[str, engine.ChurnModel] = {}


def current_model() -> engine.ChurnModel | None:
    """The newest trained model (loaded once per version and process), or None: the rules apply."""
    cards = sorted(models_dir().glob("churn-*.json"), key=lambda p: p.stat().st_mtime)
    if not cards:
        return None
    key = f"{cards[-1]}:{cards[-1].stat().st_mtime_ns}"
    if key not in _loaded:
        try:
            _loaded.clear()
            _loaded[key] = engine.ChurnModel.load(cards[-1])
        except engine.ChurnModelError:
            return None
    return _loaded[key]


def probabilities(customer_ids: list[str]) -> tuple[str, dict[str, float]] | None:
    """The newest model's probability of loss within its horizon for each account (the morning's
    health snapshot keeps it beside the rule score), and the model's version; None when no model is
    trained or there is no history (the rules are in use). Accounts already lost get none."""
    model = current_model()
    if model is None or not customer_ids:
        return None
    try:
        history = engine.load_history(store_dir(), customer_ids, months=HISTORY_MONTHS)
    except engine.ChurnModelError:
        return None
    scores = engine.score_latest(model, history, reasons=0)
    return str(model.card.get("version", "")), {s.customer_id: s.probability for s in scores}


@dataclass(frozen=True)
class AccountChurn:
    probability: float
    horizon_months: int
    version: str
    trained_at: str
    #: the features that raised the probability most: ``(feature, value as shown)``
    reasons: list[tuple[str, float | int | None]]

    @property
    def probability_percent(self) -> float:
        return round(100 * self.probability, 1)


def _shown(feature: str, value: float | None) -> float | int | None:
    """A feature's value as the page words it: ratios and shares as percentages, counts and days whole."""
    if value is None:
        return None
    if feature in {"kwh_yoy", "kwh_qoq", "kwh_vs_best", "reduced_share"}:
        return round(100 * value)
    if feature == "kwh_slope":
        return round(100 * value, 1)
    if feature == "arrears_months":
        return round(value, 1)
    return round(value)


def account_churn(*, account: Account) -> AccountChurn | None:
    """The newest model's probability that the account is lost within its horizon, with the reasons
    from its feature contributions; None when no model is trained (or the account has no history)."""
    model = current_model()
    if model is None:
        return None
    try:
        history = engine.load_history(store_dir(), [account.customer_id], months=HISTORY_MONTHS)
    except engine.ChurnModelError:
        return None
    scores = engine.score_latest(model, history)
    if not scores:
        return None
    score = scores[0]
    return AccountChurn(
        probability=score.probability,
        horizon_months=int(model.card.get("horizon_months", 6)),
        version=str(model.card.get("version", "")),
        trained_at=str(model.card.get("trained_at", ""))[:10],
        reasons=[(r.feature, _shown(r.feature, r.value)) for r in score.reasons],
    )


def account_strategies(
    *, health: engine_health.Health, churn: AccountChurn | None
) -> list[strategies_engine.Recommendation]:
    """The service strategies for the account, best first (docs/health.md): its annual revenue is
    twelve of its average monthly bills; the model's probability of loss when there is one. No
    bills, no recommendation (nothing to weigh the strategies by). Success shares are the priors
    until offers and their outcomes are recorded."""
    bill = health.signals.monthly_bill_yuan
    if not bill:
        return []
    return strategies_engine.recommend(
        health,
        annual_yuan=12 * bill,
        loss_probability=churn.probability if churn else None,
        success=strategies_engine.learned_success(strategy_outcomes()),
    )


#: Months after an offer at which the account counts as kept (when not lost before): what the
#: strategies' shares kept learn from.
KEPT_AFTER_MONTHS = 6
#: Months after an offer at which the "what worked" report asks whether the account is still served.
OUTCOME_MONTHS = 12

KEPT, LOST, PENDING, UNKNOWN = "kept", "lost", "pending", "unknown"


@dataclass(frozen=True)
class OfferResult:
    """What the data says of an account after an offer: ``kept`` (still served ``months`` later),
    ``lost`` (lost within them — or already before the offer), ``pending`` (the history does not
    reach ``months`` after the offer yet) or ``unknown`` (no history of the account, or the offer is
    older than the history)."""

    status: str
    #: the month the account was lost ("" when not lost)
    lost_period: str = ""
    #: lost in or before the offer's month: the offer came too late to tell whether it worked
    lost_before: bool = False


def offer_results(offers: list[tuple[int, str, dt.date]], *, months: int = OUTCOME_MONTHS) -> dict[int, OfferResult]:
    """``{key: OfferResult}`` for ``(key, customer_id, offered_on)`` offers: the loss definition of the
    churn model applied to the store's history (docs/health.md, "Losses, from history")."""
    return offer_results_after(offers, horizons=(months,))[months]


def offer_results_after(
    offers: list[tuple[int, str, dt.date]], *, horizons: Sequence[int]
) -> dict[int, dict[int, OfferResult]]:
    """:func:`offer_results` for several horizons (``{months: {key: OfferResult}}``), reading the
    history once."""
    if not offers:
        return {months: {} for months in horizons}
    try:
        history = engine.load_history(store_dir(), [o[1] for o in offers], months=HISTORY_MONTHS)
    except engine.ChurnModelError:
        return {months: {key: OfferResult(UNKNOWN) for key, _cid, _on in offers} for months in horizons}
    lost = engine.loss_months(history)
    index = {cid: i for i, cid in enumerate(history.customer_ids)}
    periods, last = history.periods, len(history.periods) - 1
    billed = ~np.isnan(history.kwh).all(axis=1)
    found: dict[int, dict[int, OfferResult]] = {months: {} for months in horizons}
    for key, customer_id, offered_on in offers:
        month = f"{offered_on:%Y-%m}"
        i = index.get(customer_id)
        for months in horizons:
            if i is None or not billed[i] or month < periods[0]:
                found[months][key] = OfferResult(UNKNOWN)
                continue
            t = periods.index(month) if month in periods else last + 1  # offered after the newest bills
            loss = int(lost[i])
            if 0 <= loss <= t + months:
                found[months][key] = OfferResult(LOST, periods[loss], lost_before=loss <= t)
            elif t + months <= last:
                found[months][key] = OfferResult(KEPT)
            else:
                found[months][key] = OfferResult(PENDING)
    return found


def strategy_outcomes(*, today: dt.date | None = None) -> list[strategies_engine.Outcome]:
    """Every offer whose result is known from the data: lost within :data:`KEPT_AFTER_MONTHS` months
    of the offer (the loss definition on the store's history), or kept once that much history
    followed it. Offers to accounts already lost, or too recent, are left out."""
    today = today or timezone.localdate()
    offers = list(
        RetentionOffer.objects.filter(archived=False, offered_on__lte=today).values_list(
            "pk", "account__customer_id", "offered_on", "strategy"
        )
    )
    results = offer_results([(pk, cid, on) for pk, cid, on, _s in offers], months=KEPT_AFTER_MONTHS)
    return [
        strategies_engine.Outcome(strategy, kept=results[pk].status == KEPT)
        for pk, _cid, _on, strategy in offers
        if results[pk].status in (KEPT, LOST) and not results[pk].lost_before
    ]


# ---- what worked: each strategy's offers and the accounts still served 12 months later ------------------


#: The horizons of the "what worked" report: still served 6 and 12 months after the offer.
HORIZONS = (KEPT_AFTER_MONTHS, OUTCOME_MONTHS)
#: Comparable accounts are narrowed to the offered account's grade, then industry, then district
#: only while at least this many remain (docs/health.md, "What worked").
COMPARABLE_MIN = 20


@dataclass
class Horizon:
    """What the data says of a strategy's offers ``months`` after them."""

    months: int
    kept: int = 0
    lost: int = 0
    pending: int = 0
    #: the offers compared with accounts never offered anything (see :func:`comparable_keep_rates`)
    #: and the sum of those accounts' keep rates
    compared: int = 0
    comparable_kept: float = 0.0

    @property
    def keep_rate(self) -> float | None:
        """Kept ÷ (kept + lost): the offers whose months are known; None before any is."""
        told = self.kept + self.lost
        return self.kept / told if told else None

    @property
    def comparable_keep_rate(self) -> float | None:
        """The keep rate of comparable accounts not offered anything, averaged over the offers."""
        return self.comparable_kept / self.compared if self.compared else None

    def add(self, other: Horizon) -> None:
        for name in ("kept", "lost", "pending", "compared", "comparable_kept"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class StrategyWorked:
    strategy: str
    offers: int = 0
    accepted: int = 0
    declined: int = 0
    expected_yuan: float = 0.0
    saved_yuan: float = 0.0
    #: ``{months: Horizon}`` for each of :data:`HORIZONS`
    horizons: dict[int, Horizon] = field(default_factory=lambda: {m: Horizon(m) for m in HORIZONS})

    # the 12-month figures under their old names (the page's main columns, the API's top level)
    @property
    def main(self) -> Horizon:
        return self.horizons[OUTCOME_MONTHS]

    @property
    def short(self) -> Horizon:
        return self.horizons[KEPT_AFTER_MONTHS]

    @property
    def kept(self) -> int:
        return self.main.kept

    @property
    def lost(self) -> int:
        return self.main.lost

    @property
    def pending(self) -> int:
        return self.main.pending

    @property
    def compared(self) -> int:
        return self.main.compared

    @property
    def keep_rate(self) -> float | None:
        return self.main.keep_rate

    @property
    def comparable_keep_rate(self) -> float | None:
        return self.main.comparable_keep_rate


@dataclass(frozen=True)
class OfferRow:
    offer: RetentionOffer
    result: OfferResult  # after OUTCOME_MONTHS (12)
    short_result: OfferResult | None = None  # after KEPT_AFTER_MONTHS (6)


@dataclass(frozen=True)
class WhatWorked:
    months: int
    strategies: list[StrategyWorked]
    offers: list[OfferRow]
    short_months: int = KEPT_AFTER_MONTHS

    @property
    def total(self) -> StrategyWorked:
        total = StrategyWorked("")
        for s in self.strategies:
            for name in ("offers", "accepted", "declined", "expected_yuan", "saved_yuan"):
                setattr(total, name, getattr(total, name) + getattr(s, name))
            for months, horizon in s.horizons.items():
                total.horizons.setdefault(months, Horizon(months)).add(horizon)
        return total


def comparable_keep_rates(
    offers: list[tuple[int, str, dt.date]],
    *,
    months: int = OUTCOME_MONTHS,
    min_peers: int = COMPARABLE_MIN,
) -> dict[int, float]:
    """For each ``(key, customer_id, offered_on)`` offer to an account not yet lost, whose ``months``
    are over: the share of *comparable accounts* still served ``months`` later — the CRM accounts
    never offered anything, billed and not yet lost in the offer's month, at the same rule risk level
    then (high / medium / low, the rule baseline of the churn model on the history), narrowed to the
    offered account's grade, then its industry, then its district, each only while at least
    ``min_peers`` accounts remain. No comparable account: no figure for that offer."""
    return comparable_keep_rates_after(offers, horizons=(months,), min_peers=min_peers)[months]


def comparable_keep_rates_after(
    offers: list[tuple[int, str, dt.date]], *, horizons: Sequence[int], min_peers: int = COMPARABLE_MIN
) -> dict[int, dict[int, float]]:
    """:func:`comparable_keep_rates` for several horizons (``{months: {key: rate}}``), reading the
    history of every CRM account once."""
    found: dict[int, dict[int, float]] = {months: {} for months in horizons}
    if not offers:
        return found
    offered = set(RetentionOffer.objects.values_list("account__customer_id", flat=True))
    attributes = {
        cid: (grade, industry, district)
        for cid, grade, industry, district in Account.objects.values_list(
            "customer_id", "grade", "industry", "district"
        )
    }
    try:
        history = engine.load_history(store_dir(), list(attributes), months=HISTORY_MONTHS)
    except engine.ChurnModelError:
        return found
    lost = engine.loss_months(history)
    index = {cid: i for i, cid in enumerate(history.customer_ids)}
    never = np.array([cid not in offered for cid in history.customer_ids])
    # the accounts' grade, industry and district as arrays ("" unknown: never narrowed on)
    columns = [
        np.array([attributes.get(cid, ("", "", ""))[k] or "" for cid in history.customer_ids], dtype=object)
        for k in range(3)
    ]
    periods, last = history.periods, len(history.periods) - 1
    rules = health_rules()
    levels: dict[int, np.ndarray] = {}
    for key, customer_id, offered_on in offers:
        month, i = f"{offered_on:%Y-%m}", index.get(customer_id)
        if i is None or month not in periods:
            continue
        t = periods.index(month)
        if 0 <= lost[i] <= t:
            continue
        if t not in levels:  # 2 high, 1 medium, 0 low (baseline_risk: level × 100 + points lost)
            risk = engine.baseline_risk(history, t, engine.features_at(history, t), rules)
            levels[t] = np.minimum(risk // 100, 2)
        alive = ((lost < 0) | (lost > t)) & ~np.isnan(history.kwh[:, t])
        peers = alive & never & (levels[t] == levels[t][i])
        for column in columns:  # grade, then industry, then district: where enough accounts remain
            if column[i]:
                narrower = peers & (column == column[i])
                if narrower.sum() >= min_peers:
                    peers = narrower
        if not peers.any():
            continue
        for months in horizons:
            if t + months <= last:
                found[months][key] = float(((lost[peers] < 0) | (lost[peers] > t + months)).mean())
    return found


def what_worked(*, today: dt.date | None = None, months: int = OUTCOME_MONTHS) -> WhatWorked:
    """By strategy: offers made, accepted / declined, and for each horizon (6 and ``months``, 12)
    the accounts still served that long after the offer (kept), lost within them (or before), not
    known yet (pending), the keep rate and the comparable accounts' keep rate; with every offer and
    its results. Archived offers are left out. The whole base: readers are checked by the caller
    (``insights.view_what_worked``)."""
    today = today or timezone.localdate()
    horizons = tuple(dict.fromkeys((KEPT_AFTER_MONTHS, months)))
    offers = list(
        RetentionOffer.objects.filter(archived=False, offered_on__lte=today)
        .select_related("account", "offered_by__staff")
        .order_by("-offered_on", "-id")
    )
    keys = [(o.pk, o.account.customer_id, o.offered_on) for o in offers]
    results = offer_results_after(keys, horizons=horizons)
    comparable = comparable_keep_rates_after(keys, horizons=horizons)
    order = [s.code for s in strategies_engine.DEFAULT_RULES.strategies]
    by_code: dict[str, StrategyWorked] = {}
    for offer in offers:
        row = by_code.setdefault(
            offer.strategy, StrategyWorked(offer.strategy, horizons={m: Horizon(m) for m in horizons})
        )
        row.offers += 1
        row.accepted += offer.outcome == "accepted"
        row.declined += offer.outcome == "declined"
        row.expected_yuan += float(offer.expected_yuan)
        row.saved_yuan += float(offer.saved_yuan or 0)
        for m in horizons:
            status, horizon = results[m][offer.pk].status, row.horizons[m]
            horizon.kept += status == KEPT
            horizon.lost += status == LOST
            horizon.pending += status in (PENDING, UNKNOWN)
            if offer.pk in comparable[m]:
                horizon.compared += 1
                horizon.comparable_kept += comparable[m][offer.pk]
    rows = sorted(
        by_code.values(), key=lambda r: (order.index(r.strategy) if r.strategy in order else len(order), r.strategy)
    )
    return WhatWorked(
        months,
        rows,
        [OfferRow(o, results[months][o.pk], results[KEPT_AFTER_MONTHS][o.pk]) for o in offers],
        KEPT_AFTER_MONTHS,
    )


def what_worked_out(found: WhatWorked) -> dict[str, Any]:
    """The report as plain JSON-ready values (the API): the 12-month figures at the top level of each
    strategy (as before), and ``after``: the figures of every horizon (6 and 12 months)."""

    def rate(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    def horizon(h: Horizon) -> dict[str, Any]:
        return {
            "months": h.months,
            "kept": h.kept,
            "lost": h.lost,
            "pending": h.pending,
            "keep_rate": rate(h.keep_rate),
            "comparable_keep_rate": rate(h.comparable_keep_rate),
            "compared": h.compared,
        }

    def plain(s: StrategyWorked) -> dict[str, Any]:
        return {
            "strategy": s.strategy,
            "offers": s.offers,
            "accepted": s.accepted,
            "declined": s.declined,
            "kept": s.kept,
            "lost": s.lost,
            "pending": s.pending,
            "keep_rate": rate(s.keep_rate),
            "comparable_keep_rate": rate(s.comparable_keep_rate),
            "compared": s.compared,
            "expected_yuan": round(s.expected_yuan, 2),
            "saved_yuan": round(s.saved_yuan, 2),
            "after": [horizon(s.horizons[m]) for m in sorted(s.horizons)],
        }

    return {
        "months": found.months,
        "horizons": sorted({found.short_months, found.months}),
        "strategies": [plain(s) for s in found.strategies],
        "total": plain(found.total),
    }
