"""The health lists rank by the churn model where it is in use (issue 16, docs/health.md "Ranking"):
when this morning's snapshot keeps the model's probabilities, the health page, its Excel, the API, the
command and "My work"'s accounts at risk rank by them (highest first; accounts without one after, by rule
score) and say so above the list; ``sort=score`` keeps the rule score; without a model the rules rank."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from factories import Team, monthly_bills, paid_on_time, write_dataset
from powerkam.api.services import api_token_issue
from powerkam.insights import health
from powerkam.insights.models import HealthSnapshot

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
VERSION = "churn-2026-12-01.1"
#: by the model: E100 (0.9), E200 (0.2), then E101 (no probability); by the rule score E200 comes first
BY_MODEL = ["E100", "E200", "E101"]


@pytest.fixture
def snapped(team: Team, store_dir: Path) -> Team:
    """24 months of bills; E200 has left three unpaid (high risk, the lowest score), E100 and E101 pay on
    time. This morning's snapshot is taken (no model: no probabilities)."""
    last = f"{TODAY.replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    rows = [b for cid in ("E100", "E101", "E200") for b in monthly_bills(cid, last_period=last, months=24)]
    unpaid = {("E200", b["period"]) for b in [b for b in rows if b["customer_id"] == "E200"][-4:-1]}
    write_dataset(store_dir, "billing", rows)
    write_dataset(store_dir, "payments", paid_on_time(rows, except_=unpaid))
    health.health_snapshot_take(today=TODAY)
    return team


def _with_model(team: Team) -> None:
    """As the morning's snapshot keeps them when a model is trained (E101: none, e.g. already lost)."""
    for cid, p in (("E100", 0.9), ("E200", 0.2)):
        HealthSnapshot.objects.filter(account=team.accounts[cid], taken_on=TODAY).update(
            probability=p, model_version=VERSION
        )
    cache.clear()


def _by_score() -> list[str]:
    snaps = HealthSnapshot.objects.filter(taken_on=TODAY, account__customer_id__in=BY_MODEL)
    return [s.account.customer_id for s in snaps.select_related("account").order_by("score", "account__customer_id")]


def _names(page: str) -> list[str]:
    return re.findall(r'<a href="/accounts/(E\d+)/#health">', page.split('data-testid="health-table"')[-1])


def _sentence(page: str) -> str:
    found = re.search(r'data-testid="(?:churn-in-use|my-risk-ranking)">(.*?)</p>', page, re.S)
    assert found
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_the_service_ranks_by_the_model_when_one_is_in_use_and_by_the_score_otherwise(snapped: Team) -> None:
    assert _by_score()[0] == "E200"  # the rule score puts the arrears first
    assert health.ranking() == health.Ranking("score", "")
    before = health.snapshot_report(user=snapped.supervisor.user)
    assert before is not None
    assert [s.account.customer_id for s in before.rows] == _by_score()
    live = health.key_account_health(user=snapped.supervisor.user)
    assert live.ranking.by == "score"
    assert next(r.account.customer_id for r in live.rows if r.account.customer_id in BY_MODEL) == "E200"

    _with_model(snapped)
    assert health.ranking() == health.Ranking("probability", VERSION)
    report = health.snapshot_report(user=snapped.supervisor.user)
    assert report is not None
    assert [s.account.customer_id for s in report.rows if s.account.customer_id in BY_MODEL] == BY_MODEL
    live = health.key_account_health(user=snapped.supervisor.user)
    assert [r.account.customer_id for r in live.rows if r.account.customer_id in BY_MODEL] == BY_MODEL
    assert [(r.probability, r.model_version) for r in live.rows[:2]] == [(0.9, VERSION), (0.2, VERSION)]
    # the rule score, asked for
    chosen = health.HealthFilters(sort="score")
    report = health.snapshot_report(user=snapped.supervisor.user, filters=chosen)
    assert report is not None
    assert report.ranking == health.Ranking("score", VERSION)
    assert [s.account.customer_id for s in report.rows] == _by_score()


def test_the_page_says_how_it_ranks_in_both_languages_and_keeps_the_sort(snapped: Team) -> None:
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_login(snapped.supervisor.user)
    en = Client(HTTP_ACCEPT_LANGUAGE="en")
    en.force_login(snapped.supervisor.user)
    page = zh.get("/insights/health/").content.decode()
    assert _sentence(page).startswith("按规则得分排序：历史不足，模型未启用")
    assert _names(page) == _by_score()
    assert _sentence(en.get("/insights/health/").content.decode()).startswith(
        "Ranked by the rule score: too little history, the model is not in use"
    )

    _with_model(snapped)
    page = zh.get("/insights/health/").content.decode()
    assert _sentence(page).startswith(f"按模型流失概率排序（模型 {VERSION}）")
    assert _names(page) == BY_MODEL
    assert "流失概率（模型）" in page
    page = en.get("/insights/health/").content.decode()
    assert _sentence(page).startswith(f"Ranked by the model's probability of loss (model {VERSION})")
    assert 'href="?sort=score"' in page  # the rule score stays one click away
    # by the rule score: the choice stays in the URL, the filter form and the Excel link
    page = en.get("/insights/health/?sort=score&grade=").content.decode()
    assert _names(page) == _by_score()
    assert _sentence(page).startswith(
        f"Ranked by the rule score, as chosen; the probability of loss of the model {VERSION}"
    )
    assert '<input type="hidden" name="sort" value="score">' in page
    assert "export.xlsx?sort=score" in page
    # computed now, the morning's probabilities still rank
    assert _names(en.get("/insights/health/?live=1").content.decode()) == BY_MODEL
    bad = en.get("/insights/health/?sort=luck").content.decode()
    assert "luck" in bad.split('data-testid="filter-problem"')[1][:200]


def test_the_excel_ranks_as_the_page(snapped: Team) -> None:
    _with_model(snapped)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(snapped.supervisor.user)

    def order(query: str) -> list[object]:
        sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/insights/health/export.xlsx{query}").content)).active
        return [r[0] for r in list(sheet.iter_rows(values_only=True))[1:]]

    assert order("") == BY_MODEL
    assert order("?sort=score") == _by_score()


def test_the_api_and_the_command_take_the_same_sort(snapped: Team) -> None:
    token = api_token_issue(username=snapped.supervisor.user.username).token
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")

    def command(*args: str) -> dict[str, object]:
        out = StringIO()
        call_command("health", *args, "--format", "json", stdout=out)
        return json.loads(out.getvalue())  # type: ignore[no-any-return]

    def ids(body: dict[str, object]) -> list[str]:
        return [a["customer_id"] for a in body["accounts"] if a["customer_id"] in BY_MODEL]  # type: ignore[attr-defined, index]

    body = api.get("/api/v1/insights/health").json()
    assert body["ranking"] == {"by": "score", "model_version": ""}
    assert ids(body)[0] == "E200"
    assert command()["ranking"] == {"by": "score", "model_version": ""}

    _with_model(snapped)
    body = api.get("/api/v1/insights/health").json()
    assert body["ranking"] == {"by": "probability", "model_version": VERSION}
    assert ids(body) == BY_MODEL
    assert body["accounts"][0]["probability"] == 0.9
    assert body["accounts"][0]["model_version"] == VERSION
    body = api.get("/api/v1/insights/health?sort=score").json()
    assert body["ranking"] == {"by": "score", "model_version": VERSION}
    assert ids(body)[0] == "E200"
    bad = api.get("/api/v1/insights/health?sort=luck")
    assert bad.status_code == 400
    assert "luck" in bad.json()["message"]

    assert ids(command()) == BY_MODEL
    assert ids(command("--sort", "score"))[0] == "E200"
    out = StringIO()
    call_command("health", stdout=out)
    assert f"(model {VERSION})" in out.getvalue()
    assert "p=90.0%" in out.getvalue()


def test_my_accounts_at_risk_rank_by_the_model_and_say_so(snapped: Team) -> None:
    # E100 at medium risk too (as a snapshot could keep it), so the panel lists two accounts
    HealthSnapshot.objects.filter(account=snapped.accounts["E100"], taken_on=TODAY).update(risk="medium")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(snapped.supervisor.user)

    def panel() -> tuple[list[str], str]:
        page = client.get("/insights/health/mine/").content.decode()
        return re.findall(r'<a href="/accounts/(E\d+)/#health">', page), _sentence(page)

    cache.clear()
    assert panel() == (["E200", "E100"], "按规则得分排序：历史不足，模型未启用")
    _with_model(snapped)
    names, sentence = panel()
    assert names == ["E100", "E200"]
    assert sentence == f"按模型流失概率排序（模型 {VERSION}）"
