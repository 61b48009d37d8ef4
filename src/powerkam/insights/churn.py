"""The churn model on the CRM side (docs/health.md, "The churn model"): which accounts it learns from,
where the trained models are kept, the backtest of ``powerkam health --backtest``, the monthly
retraining. The engine is :mod:`powerkam.analytics.churn` (no Django)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

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
    a file of its own, so a score can be traced to its model); the card, or why there is none."""
    history = _history()
    model, _panel = engine.fit_current(history)
    if model is None:
        return {"in_use": "rules", "reason": "too little history"}
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


#: Months after an offer at which the account counts as kept (when not lost before).
KEPT_AFTER_MONTHS = 6


def strategy_outcomes(*, today: dt.date | None = None) -> list[strategies_engine.Outcome]:
    """Every offer whose result is known from the data: lost within :data:`KEPT_AFTER_MONTHS` months
    of the offer (the loss definition on the store's history), or kept once that much history
    followed it. Offers to accounts already lost, or too recent, are left out."""
    today = today or timezone.localdate()
    offers = list(
        RetentionOffer.objects.filter(archived=False, offered_on__lte=today).values_list(
            "account__customer_id", "strategy", "offered_on"
        )
    )
    if not offers:
        return []
    try:
        history = engine.load_history(store_dir(), [o[0] for o in offers], months=HISTORY_MONTHS)
    except engine.ChurnModelError:
        return []
    lost = engine.loss_months(history)
    index = {cid: i for i, cid in enumerate(history.customer_ids)}
    last = len(history.periods) - 1
    found = []
    for customer_id, strategy, offered_on in offers:
        month = f"{offered_on:%Y-%m}"
        if customer_id not in index or month not in history.periods:
            continue
        t, loss = history.periods.index(month), int(lost[index[customer_id]])
        if 0 <= loss <= t:
            continue
        if t < loss <= t + KEPT_AFTER_MONTHS:
            found.append(strategies_engine.Outcome(strategy, kept=False))
        elif t + KEPT_AFTER_MONTHS <= last:
            found.append(strategies_engine.Outcome(strategy, kept=True))
    return found
