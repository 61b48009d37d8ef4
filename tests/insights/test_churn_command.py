"""``powerkam health --backtest`` and ``--train`` on a store with a history of losses."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from powerkam.accounts.models import Account, Tariff
from powerkam.analytics import store
from powerkam.demo.generator.churn import synthetic_base
from powerkam.insights import churn

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.ANALYTICS_DIR = tmp_path / "store"
    settings.ANALYTICS_DIR.mkdir()
    base = synthetic_base(accounts=1000, months=36, seed=11)
    for kind, table in base.tables.items():
        pq.write_table(table, store.dataset_path(settings.ANALYTICS_DIR, kind))
    Account.objects.bulk_create(
        Account(customer_id=cid, name=f"客户{cid}", voltage_kv=Decimal("10"), contract_capacity_kva=Decimal("2500"),
                tariff=Tariff.LARGE_INDUSTRIAL)
        for cid in base.tables["customers"].column("customer_id").to_pylist()
    )  # fmt: skip
    return tmp_path


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("health", *args, "--format", "json", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue() or "{}"), err.getvalue()


def test_backtest_reports_the_model_and_the_baseline(history: Path) -> None:
    code, result, _err = run("--backtest", "--k", "25")
    assert code == 0
    found = result["backtest"]
    assert found["in_use"] == "model"
    assert found["k"] == 25
    for name in ("model", "baseline"):
        assert set(found[name]) == {"auc", "pr_auc", "precision_at_k", "recall_at_k", "lead_months"}
    assert found["model"]["auc"] > found["baseline"]["auc"]
    assert found["card"]["features"]


def test_train_keeps_a_versioned_model_with_its_card(history: Path) -> None:
    code, result, _err = run("--train")
    assert code == 0
    assert result["train"]["in_use"] == "model"
    card = churn.latest_card()
    assert card is not None
    assert card["version"] == result["train"]["version"]
    assert (history / "models" / f"churn-{card['version']}.txt").exists()
    assert card["library"]["lightgbm"]
    # the card carries its backtest against the rules (the model's metrics) …
    assert set(card["backtest"]) >= {"auc", "pr_auc", "precision_at_k", "recall_at_k", "lead_months", "baseline"}
    assert card["backtest"]["auc"] > card["backtest"]["baseline"]["auc"]


def test_the_model_card_page_for_supervisors_and_administrators(
    history: Path, client: Any, django_user_model: Any
) -> None:
    from factories import StaffFactory

    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    assert (
        "No churn model is trained yet"
        in client.get("/insights/health/model/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    run("--train")
    card = churn.latest_card()
    assert card is not None
    page = client.get("/insights/health/model/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert card["version"] in page
    assert "kwh_yoy" in page
    assert "lightgbm" in page
    assert f">{card['backtest']['auc']}<" in page
    assert f">{card['backtest']['baseline']['auc']}<" in page
    assert 'data-testid="model-card-link"' in client.get("/insights/health/").content.decode()
    # … and a manager is refused (the page, and no link to it)
    manager = StaffFactory(user__username="m09").user
    client.force_login(manager)
    assert client.get("/insights/health/model/").status_code == 403
    assert 'data-testid="model-card-link"' not in client.get("/insights/health/").content.decode()


def test_no_history_is_a_message_not_a_traceback(settings: Any, tmp_path: Path) -> None:
    settings.ANALYTICS_DIR = tmp_path / "empty"
    code, _result, err = run("--backtest")
    assert code == 1
    assert "billing" in err
    assert "Traceback" not in err


def test_the_360_panel_shows_the_models_probability_and_reasons_or_that_the_rules_apply(
    history: Path, client: Any, django_user_model: Any
) -> None:
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    page = client.get("/insights/health/K0000001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No churn model is trained yet" in page
    run("--train")
    scored = churn.account_churn(account=Account.objects.get(customer_id="K0000001"))
    assert scored is not None
    assert 0 <= scored.probability <= 1
    page = client.get("/insights/health/K0000001/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{scored.probability_percent}%" in page
    assert "个月内流失的概率为" in page
    assert scored.version in page
    listing = client.get("/insights/health/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"the churn model {scored.version}" in listing


def test_the_morning_snapshot_keeps_the_models_probability_beside_the_rule_score(
    history: Path, client: Any, django_user_model: Any
) -> None:
    from django.utils import timezone

    from powerkam.insights import health
    from powerkam.insights.models import HealthSnapshot

    keys = sorted(Account.objects.values_list("customer_id", flat=True))[:40]
    Account.objects.filter(customer_id__in=keys).update(key_status="key")
    today = timezone.localdate()
    assert health.health_snapshot_take(today=today) == 40
    # no model trained: the rule score alone, and the list says so
    assert set(HealthSnapshot.objects.values_list("probability", "model_version")) == {(None, "")}
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    assert "流失概率（模型）" not in client.get("/insights/health/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    run("--train")
    health.health_snapshot_take(today=today)  # the morning's job again, now with a model
    version = churn.latest_card()["version"]  # type: ignore[index]
    snapshots = list(HealthSnapshot.objects.filter(taken_on=today).select_related("account"))
    scored = [s for s in snapshots if s.probability is not None]
    assert len(scored) >= 30  # the accounts already lost in the history get none
    assert all(0 <= s.probability <= 1 and s.model_version == version for s in scored)  # type: ignore[operator]
    one = scored[0]
    live = churn.account_churn(account=one.account)
    assert live is not None
    assert live.probability == one.probability  # the same model and history as the 360 panel
    listing = client.get("/insights/health/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "流失概率（模型）" in listing
    assert f"按模型流失概率排序（模型 {version}）" in listing  # the model ranks the list (docs/health.md "Ranking")
    assert f"{round(100 * one.probability, 1)}%" in listing  # type: ignore[operator]
