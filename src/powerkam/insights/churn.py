"""The churn model on the CRM side (docs/health.md, "The churn model"): which accounts it learns from,
where the trained models are kept, the backtest of ``powerkam health --backtest``, the monthly
retraining. The engine is :mod:`powerkam.analytics.churn` (no Django)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from powerkam.accounts.models import Account
from powerkam.analytics import churn as engine
from powerkam.core.errors import ApplicationError
from powerkam.insights.health import health_rules
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
