"""Retention offers end to end (docs/health.md, "Offers and outcomes"): recorded on the account's
health panel and through the API by the account's managers and supervisors (viewers read), the
customer's answer with the version the person saw, "offer outcome due" on "My work", and the
12-month outcome behind the "what worked" report (page, Excel, API)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone, translation

from factories import Team, monthly_bills, write_dataset
from powerkam.api.services import api_token_issue
from powerkam.core.errors import ApplicationError, NotAllowed
from powerkam.insights import churn, services
from powerkam.insights.models import RetentionOffer
from powerkam.web import worklist

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _keep_the_language() -> Iterator[None]:
    with translation.override(translation.get_language()):
        yield


def _offer(team: Team, customer_id: str = "E100", **values: object) -> RetentionOffer:
    fields: dict[str, object] = {
        "strategy": "payment_plan",
        "offered_on": TODAY,
        "expected_yuan": Decimal("539000"),
        "offered_what": "欠费分三期缴清",
    }
    fields.update(values)
    by = fields.pop("by", team.manager.user)
    return services.offer_record(account=team.accounts[customer_id], by=by, **fields)  # type: ignore[arg-type]


def api(user: object) -> Client:
    token = api_token_issue(username=user.username).token  # type: ignore[attr-defined]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


# ---- the form on the health panel -------------------------------------------------------------------


def test_a_manager_records_an_offer_on_the_health_panel(client: Client, team: Team, store_dir: Path) -> None:
    client.force_login(team.manager.user)
    panel = client.get("/insights/health/E100/").content.decode()
    assert "记录挽留方案" in panel
    assert 'action="/insights/health/E100/offers/"' in panel
    response = client.post(
        "/insights/health/E100/offers/",
        {
            "strategy": "senior_visit",
            "offered_what": "总经理上门走访，商议续签",
            "offered_by": team.other.user.pk,  # the secondary manager made it
            "offered_on": TODAY.isoformat(),
            "expected_yuan": "1200000",
            "follow_up_on": "",
            "notes": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "总经理上门走访，商议续签" in html
    assert "王强" in html
    offer = RetentionOffer.objects.get()
    assert (offer.offered_by, offer.strategy, offer.outcome) == (team.other.user, "senior_visit", "pending")
    assert offer.follow_up_on == TODAY + dt.timedelta(days=services.FOLLOW_UP_DAYS)
    assert offer.history.get().history_user == team.manager.user  # who recorded it is kept


def test_a_bad_offer_is_refused_next_to_its_field_and_nothing_is_written(
    client: Client, team: Team, store_dir: Path
) -> None:
    client.force_login(team.manager.user)
    response = client.post(
        "/insights/health/E100/offers/",
        {
            "strategy": "payment_plan",
            "offered_by": team.manager.user.pk,
            "offered_on": (TODAY + dt.timedelta(days=3)).isoformat(),
            "expected_yuan": "1000",
        },
    )
    assert response.status_code == 400
    assert "挽留方案的日期不能晚于今天" in response.content.decode()
    assert not RetentionOffer.objects.exists()


def test_viewers_planners_and_other_managers_may_not_record_offers(client: Client, team: Team, store_dir: Path) -> None:
    for who, customer_id in ((team.viewer, "E100"), (team.planner, "E100"), (team.other, "E101")):
        with pytest.raises(NotAllowed):
            _offer(team, customer_id, by=who.user)
    client.force_login(team.viewer.user)
    assert 'action="/insights/health/E100/offers/"' not in client.get("/insights/health/E100/").content.decode()
    refused = client.post("/insights/health/E100/offers/", {"strategy": "payment_plan"})
    assert refused.status_code == 403
    assert not RetentionOffer.objects.exists()
    supervisor_made = _offer(team, "E200", by=team.supervisor.user)  # supervisors: on any account
    assert supervisor_made.offered_by == team.supervisor.user


def test_the_offer_is_made_by_the_recorder_or_one_of_the_account_managers(team: Team) -> None:
    with pytest.raises(ApplicationError, match="不是该客户的客户经理") as refused:
        _offer(team, "E101", by=team.supervisor.user, offered_by=team.other.user)
    assert refused.value.extra["field"] == "offered_by"


def test_the_answer_is_recorded_with_the_version_and_a_stale_one_is_refused(
    client: Client, team: Team, store_dir: Path
) -> None:
    offer = _offer(team)
    services.offer_answer(offer=offer, by=team.other.user, outcome="declined", answered_on=TODAY, version=1)
    client.force_login(team.manager.user)
    prefix = f"offer-{offer.pk}"
    stale = client.post(
        f"/insights/offers/{offer.pk}/answer/",
        {f"{prefix}-outcome": "accepted", f"{prefix}-outcome_on": TODAY.isoformat(), f"{prefix}-version": 1},
    )
    assert stale.status_code == 409
    assert "王强" in stale.content.decode()  # who changed it meanwhile
    offer.refresh_from_db()
    assert (offer.outcome, offer.version) == ("declined", 2)
    saved = client.post(
        f"/insights/offers/{offer.pk}/answer/",
        {
            f"{prefix}-outcome": "accepted",
            f"{prefix}-outcome_on": TODAY.isoformat(),
            f"{prefix}-saved_yuan": "12000",
            f"{prefix}-version": 2,
        },
    )
    assert saved.status_code == 200
    offer.refresh_from_db()
    assert (offer.outcome, offer.saved_yuan, offer.version) == ("accepted", Decimal("12000.00"), 3)
    assert offer.history.count() == 3


# ---- "My work": offer outcome due --------------------------------------------------------------------


def test_an_offer_without_an_answer_past_its_day_is_a_task_of_who_made_it(team: Team) -> None:
    offer = _offer(team, offered_on=TODAY - dt.timedelta(days=40))  # answer due 10 days ago
    _offer(team, "E101", offered_on=TODAY - dt.timedelta(days=5))  # due in 25 days: not yet
    tasks = [t for t in worklist.tasks_for(team.manager.user, TODAY) if t.kind == "offer"]
    assert [(t.customer_id, t.due_on) for t in tasks] == [("E100", TODAY - dt.timedelta(days=10))]
    assert tasks[0].overdue(TODAY)
    assert tasks[0].url.endswith("#health")
    assert not [t for t in worklist.tasks_for(team.other.user, TODAY) if t.kind == "offer"]
    assert not [t for t in worklist.tasks_for(team.supervisor.user, TODAY) if t.kind == "offer"]  # 10 days: not yet
    later = TODAY + dt.timedelta(days=5)  # 15 days past the answer day: the manager's supervisor is told too
    escalated = [t for t in worklist.tasks_for(team.supervisor.user, later) if t.kind == "offer"]
    assert [(t.customer_id, t.due_on) for t in escalated] == [("E100", TODAY - dt.timedelta(days=10))]
    assert "李娜" in escalated[0].title
    services.offer_answer(offer=offer, by=team.manager.user, outcome="accepted", answered_on=TODAY, version=1)
    assert not [t for t in worklist.tasks_for(team.manager.user, TODAY) if t.kind == "offer"]
    assert not [t for t in worklist.tasks_for(team.supervisor.user, later) if t.kind == "offer"]


# ---- the API -----------------------------------------------------------------------------------------


def test_the_api_records_lists_and_answers_offers_with_versions(team: Team) -> None:
    manager = api(team.manager.user)
    body = {
        "customer_id": "E100",
        "strategy": "tariff_optimisation",
        "offered_what": "改按需量计收基本电费",
        "offered_on": TODAY.isoformat(),
        "expected_yuan": "300000",
    }
    created = manager.post("/api/v1/insights/offers", body, content_type="application/json")
    assert created.status_code == 201, created.content
    offer = created.json()
    assert (offer["offered_by"], offer["outcome"], offer["version"]) == ("m01", "pending", 1)
    url = f"/api/v1/insights/offers/{offer['id']}"
    assert manager.get(url)["ETag"] == '"1"'
    answer = {"outcome": "accepted", "outcome_on": TODAY.isoformat(), "saved_yuan": "80000"}
    missing = manager.put(f"{url}/outcome", answer, content_type="application/json")
    assert (missing.status_code, missing.json()["code"]) == (428, "version_required")
    done = manager.put(f"{url}/outcome", answer, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert done.status_code == 200
    assert done["ETag"] == '"2"'
    stale = manager.put(f"{url}/outcome", {**answer, "version": 1}, content_type="application/json")
    assert (stale.status_code, stale.json()["current_version"]) == (409, 2)
    listed = api(team.viewer.user).get("/api/v1/insights/offers?customer_id=E100").json()
    assert [(o["strategy"], o["outcome"]) for o in listed] == [("tariff_optimisation", "accepted")]
    assert api(team.other.user).get("/api/v1/insights/offers?customer_id=E101").json() == []


def test_the_api_refuses_in_its_error_shape(team: Team) -> None:
    body = {"customer_id": "E100", "strategy": "free_power", "offered_on": TODAY.isoformat(), "expected_yuan": "1"}
    bad = api(team.manager.user).post("/api/v1/insights/offers", body, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad_request"
    assert bad.json()["fields"][0]["field"] == "strategy"
    viewer = api(team.viewer.user).post(
        "/api/v1/insights/offers", {**body, "strategy": "payment_plan"}, content_type="application/json"
    )
    assert (viewer.status_code, viewer.json()["code"]) == (403, "forbidden")
    theirs = api(team.manager.user).post(
        "/api/v1/insights/offers", {**body, "customer_id": "E200"}, content_type="application/json"
    )
    assert theirs.status_code == 403
    assert not RetentionOffer.objects.exists()


# ---- the 12-month outcome and "what worked" ---------------------------------------------------------


@pytest.fixture
def offered(team: Team, store_dir: Path) -> Team:
    """36 months of bills to 2026-11. E100 stays; E200's consumption collapses from 2026-06 (lost);
    E101 stays but its offer of 2026-05 is too recent to tell. Never offered anything: E300 stays,
    E301 collapses from 2026-03 (lost in 2026-05) — the comparable accounts."""
    rows = monthly_bills("E100", last_period="2026-11", months=36)
    rows += monthly_bills("E101", last_period="2026-11", months=36)
    rows += monthly_bills("E300", last_period="2026-11", months=36)
    rows += [
        {**b, "kwh": 0.0} if b["period"] >= "2026-03" else b
        for b in monthly_bills("E301", last_period="2026-11", months=36)
    ]
    rows += [
        {**b, "kwh": 0.0} if b["period"] >= "2026-06" else b
        for b in monthly_bills("E200", last_period="2026-11", months=36)
    ]
    write_dataset(store_dir, "billing", rows)
    today = dt.date(2026, 12, 6)
    for customer_id, strategy, on, answer in (
        ("E100", "payment_plan", dt.date(2025, 6, 10), "accepted"),
        ("E200", "payment_plan", dt.date(2025, 10, 10), "declined"),
        ("E101", "payment_plan", dt.date(2026, 5, 10), ""),
        ("E100", "senior_visit", dt.date(2025, 9, 1), "accepted"),
    ):
        offer = _offer(team, customer_id, by=team.supervisor.user, strategy=strategy, offered_on=on, today=today)
        if answer:
            services.offer_answer(offer=offer, by=team.supervisor.user, outcome=answer, answered_on=on, today=today)
    return team


def test_each_offer_says_whether_the_account_is_still_served_12_months_later(offered: Team) -> None:
    found = churn.what_worked(today=dt.date(2026, 12, 6))
    results = {(r.offer.account.customer_id, r.offer.strategy): r.result for r in found.offers}
    assert results[("E100", "payment_plan")] == churn.OfferResult("kept")  # 2025-06 + 12 ≤ 2026-11
    # lost when its 3 months fall below 20 % of a year earlier: June–August at nothing
    assert results[("E200", "payment_plan")] == churn.OfferResult("lost", "2026-08")
    assert results[("E101", "payment_plan")].status == "pending"  # 2026-05 + 12 is after the newest bills
    plan = next(s for s in found.strategies if s.strategy == "payment_plan")
    assert (plan.offers, plan.accepted, plan.declined, plan.kept, plan.lost, plan.pending) == (3, 1, 1, 1, 1, 1)
    assert plan.keep_rate == 0.5
    assert [s.strategy for s in found.strategies] == ["senior_visit", "payment_plan"]  # the table's order
    assert (found.total.offers, found.total.kept, found.total.keep_rate) == (4, 2, 2 / 3)
    # against the accounts never offered anything at the same risk level in each offer's month
    # (E300 kept, E301 lost within the 12 months): half of them kept; the recent offer is not compared
    assert (plan.compared, plan.comparable_keep_rate) == (2, 0.5)
    assert (found.total.compared, found.total.comparable_keep_rate) == (3, 0.5)


def test_what_worked_page_excel_and_api_for_supervisors_not_managers(offered: Team, settings: object) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(offered.supervisor.user)
    page = client.get("/insights/offers/").content.decode()
    assert "缴费计划" in page
    assert "50.0%" in page
    assert "2026-08" in page
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/insights/offers/export.xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:8] == ("策略", "挽留次数", "接受", "拒绝", "保留", "流失", "尚未可知", "保留率")
    plan = next(r for r in rows if r[0] == "缴费计划")
    assert plan[1:9] == (3, 1, 1, 1, 1, 1, 0.5, 0.5)
    body = api(offered.viewer.user).get("/api/v1/insights/what-worked").json()
    assert body["months"] == 12
    assert {s["strategy"]: s["keep_rate"] for s in body["strategies"]} == {"senior_visit": 1.0, "payment_plan": 0.5}
    assert body["total"]["comparable_keep_rate"] == 0.5
    client.force_login(offered.manager.user)
    assert client.get("/insights/offers/").status_code == 403
    assert api(offered.manager.user).get("/api/v1/insights/what-worked").status_code == 403


@pytest.mark.parametrize("url", ["/insights/offers/", "/insights/health/E100/"])
def test_no_english_label_in_chinese(offered: Team, url: str) -> None:
    from tests.web.test_i18n import english_labels, visible_texts

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(offered.supervisor.user)
    html = client.get(url).content.decode()
    assert sorted(set(visible_texts(html)) & english_labels()) == []


def test_a_new_offer_starts_from_the_best_ranked_strategy(client: Client, team: Team, store_dir: Path) -> None:
    from factories import paid_on_time

    last = f"{TODAY.replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    bills = monthly_bills("E100", last_period=last, months=24, kwh=1_000_000.0)
    unpaid = {("E100", b["period"]) for b in bills[-4:-1]}  # three bills overdue
    write_dataset(store_dir, "billing", bills)
    write_dataset(store_dir, "payments", paid_on_time(bills, except_=unpaid))
    client.force_login(team.manager.user)
    panel = client.get("/insights/health/E100/").content.decode()
    assert '<option value="payment_plan" selected>' in panel


def test_comparable_accounts_are_at_the_same_risk_level_in_the_offers_month(offered: Team, store_dir: Path) -> None:
    from factories import paid_on_time

    # E300 pays every bill (low risk); E301 and the offered accounts pay nothing (overdue arrears: high)
    write_dataset(store_dir, "payments", paid_on_time(monthly_bills("E300", last_period="2026-11", months=36)))
    plan = next(s for s in churn.what_worked(today=dt.date(2026, 12, 6)).strategies if s.strategy == "payment_plan")
    assert (plan.compared, plan.comparable_keep_rate) == (2, 0.0)  # only E301, which was lost


def test_the_demo_records_offers_to_lost_and_kept_accounts_and_recent_ones(offered: Team) -> None:
    from powerkam.demo.activity import add_demo_offers

    RetentionOffer.objects.all().delete()  # the fixture's own offers (a test world: nothing to keep)
    today = dt.date(2026, 12, 6)
    created = add_demo_offers(seed=2026, today=today)
    assert created == RetentionOffer.objects.count() > 0
    found = churn.what_worked(today=today)
    assert found.total.lost >= 1  # E200 or E301, offered months before their loss
    assert found.total.kept >= 1
    assert add_demo_offers(seed=2026, today=today) == 0  # once


def test_an_offers_answer_reads_as_an_answer_not_as_a_tickets_state() -> None:
    """ "Accepted" is also a ticket's state (已接收) in the service catalog, which Django reads first."""
    from django.utils import translation

    from powerkam.insights.models import OfferOutcome

    with translation.override("zh-hans"):
        assert [str(c.label) for c in OfferOutcome] == ["待答复", "已接受", "已拒绝"]


# ---- both horizons, and comparable accounts matched more finely ----------------------------------------


def test_what_worked_reads_each_offer_6_and_12_months_after(offered: Team) -> None:
    found = churn.what_worked(today=dt.date(2026, 12, 6))
    rows = {(r.offer.account.customer_id, r.offer.strategy): r for r in found.offers}
    # E200 offered 2025-10, lost 2026-08: still served 6 months after (2026-04), lost within 12
    e200 = rows[("E200", "payment_plan")]
    assert (e200.short_result, e200.result) == (churn.OfferResult("kept"), churn.OfferResult("lost", "2026-08"))
    # E101 offered 2026-05: its 6 months (2026-11) are over, its 12 are not
    e101 = rows[("E101", "payment_plan")]
    assert (e101.short_result.status, e101.result.status) == ("kept", "pending")  # type: ignore[union-attr]
    plan = next(s for s in found.strategies if s.strategy == "payment_plan")
    assert (plan.short.kept, plan.short.lost, plan.short.pending, plan.short.keep_rate) == (3, 0, 0, 1.0)
    assert (plan.main.kept, plan.main.lost, plan.main.pending, plan.keep_rate) == (1, 1, 1, 0.5)
    # comparable after 6 months: E300 kept; E301 (lost 2026-05) is still served 6 months after the
    # offers of 2025-06 and 2025-10, lost within the 6 after 2026-05 (it is already lost then: left out)
    assert plan.short.compared == 3
    assert found.total.short.kept == 4
    body = churn.what_worked_out(found)
    assert body["horizons"] == [6, 12]
    after = {h["months"]: h for h in next(s for s in body["strategies"] if s["strategy"] == "payment_plan")["after"]}
    assert (after[6]["keep_rate"], after[12]["keep_rate"]) == (1.0, 0.5)


def test_the_page_and_excel_show_both_horizons(offered: Team) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(offered.supervisor.user)
    page = client.get("/insights/offers/").content.decode()
    assert "6 个月后" in page
    assert "12 个月后" in page
    assert 'data-testid="keep-rate-short">100.0%' in page
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/insights/offers/export.xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][11:16] == (
        "6 个月后保留",
        "6 个月内流失",
        "6 个月后尚未可知",
        "6 个月后保留率",
        "可比客户 6 个月后保留率",
    )
    plan = next(r for r in rows if r[0] == "缴费计划")
    assert plan[11:15] == (3, 0, 0, 1.0)


def test_comparable_accounts_narrow_to_the_same_grade_industry_and_district_where_enough(offered: Team) -> None:
    """E300 (kept) is of the offered accounts' industry (C) and district once moved there; E301 (lost)
    is not. With enough of them (here: 1) the comparison keeps E300 alone; with too few (the default
    20) it stays at the risk level: E300 and E301."""
    e300 = offered.accounts["E300"]
    e300.industry, e300.district = "C", "东城区"
    e300.save()
    offers = [(o.pk, o.account.customer_id, o.offered_on) for o in RetentionOffer.objects.select_related("account")]
    by_customer = {o.pk: o.account.customer_id for o in RetentionOffer.objects.select_related("account")}
    coarse = churn.comparable_keep_rates(offers)
    fine = churn.comparable_keep_rates(offers, min_peers=1)
    e200 = next(pk for pk, cid in by_customer.items() if cid == "E200")
    assert coarse[e200] == 0.5  # E300 kept, E301 lost
    assert fine[e200] == 1.0  # E300 alone: same industry (C) and district (东城区) as E200
