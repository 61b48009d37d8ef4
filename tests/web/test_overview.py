"""The overview (Insights → Overview): tiles of every area in the user's scope, loaded one by one."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from factories import AssignmentFactory, Team, monthly_bills, paid_on_time, write_dataset
from powerkam.accounts.models import AssignmentRole
from powerkam.web import dashboard

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 25)


@pytest.fixture
def bills(store_dir: Path) -> Path:
    """E100 (the manager's) owes its September bill (100,000 yuan, due 2026-10-15); E200 (another
    manager's) owes 50,000 since 2026-08-15; E300 is not a key account and owes too."""
    rows = []
    for customer_id, kwh in (("E100", 100_000.0), ("E200", 50_000.0), ("E300", 250_000.0), ("X999", 100_000.0)):
        rows += monthly_bills(customer_id, last_period="2026-09", months=3, kwh=kwh, price="1.00")
    write_dataset(store_dir, "billing", rows)
    unpaid = {
        ("E100", "2026-09"),
        ("E200", "2026-07"),
        *((r["customer_id"], r["period"]) for r in rows if r["customer_id"] == "E300"),
    }
    write_dataset(store_dir, "payments", paid_on_time(rows, except_=unpaid))
    return store_dir


def _figures(user, key: str) -> dict:
    return dashboard.figures_for(user, TODAY, keys=[key])[key]


def test_the_page_lists_each_tile_as_a_fragment_to_load(client: Client, team: Team) -> None:
    client.force_login(team.supervisor.user)
    html = client.get("/insights/").content.decode()
    for key in ("portfolio", "arrears"):
        assert f'hx-get="/insights/overview/{key}/"' in html
    assert client.get("/insights/overview/no-such-tile/").status_code == 404


def test_portfolio_counts_the_key_accounts_the_user_sees(team: Team, bills: Path) -> None:
    everyone = _figures(team.supervisor.user, "portfolio")
    assert (everyone["key_accounts"], everyone["grade_a"], everyone["grade_b"], everyone["grade_c"]) == (3, 1, 1, 1)
    assert everyone["important_users"] == 1  # E100, first grade
    mine = _figures(team.manager.user, "portfolio")
    assert (mine["key_accounts"], mine["grade_a"], mine["grade_b"], mine["grade_c"]) == (2, 1, 1, 0)


def test_portfolio_share_of_the_base_over_the_last_months(team: Team, bills: Path) -> None:
    # The base: E100 100,000 + E200 50,000 + E300 250,000 + X999 100,000 kWh a month; E101 has no bills.
    everyone = _figures(team.supervisor.user, "portfolio")
    assert everyone["period"] == "2026-09"
    assert everyone["kwh_12"] == 3 * 150_000.0
    assert everyone["kwh_share_12"] == pytest.approx(150_000 / 500_000)
    assert everyone["yuan_share_12"] == pytest.approx(0.3)
    assert [m["period"] for m in everyone["months"]] == ["2026-07", "2026-08", "2026-09"]
    assert _figures(team.manager.user, "portfolio")["kwh_share_12"] == pytest.approx(0.2)


def test_arrears_of_the_key_accounts_with_ages_and_penalty(team: Team, bills: Path) -> None:
    everyone = _figures(team.supervisor.user, "arrears")
    assert [(a["customer_id"], a["outstanding_yuan"], a["days_overdue"]) for a in everyone["top"]] == [
        ("E100", Decimal("100000.00"), 10),
        ("E200", Decimal("50000.00"), 71),
    ]  # E300 owes more but is not a key account
    # docs/rules.md §6: non-residential, 100,000 yuan current-year arrears, 10 days → 2,000 yuan
    assert everyone["top"][0]["penalty_yuan"] == Decimal("2000.00")
    assert everyone["outstanding_yuan"] == Decimal("150000.00")
    assert {(b["first_day"], b["customers"]) for b in everyone["aging"]} == {(1, 1), (31, 1), (91, 0), (181, 0)}
    mine = _figures(team.manager.user, "arrears")
    assert [a["customer_id"] for a in mine["top"]] == ["E100"]


def test_a_payment_imported_later_shows_at_once(team: Team, bills: Path) -> None:
    assert _figures(team.manager.user, "arrears")["accounts"] == 1
    write_dataset(bills, "payments", [])  # a new payments file (here: nothing paid at all)
    assert _figures(team.manager.user, "arrears")["bills"] > 1


def test_tiles_render_with_charts_and_links(client: Client, team: Team, bills: Path) -> None:
    client.force_login(team.supervisor.user)
    html = client.get("/insights/overview/portfolio/").content.decode()
    share = json.loads(
        re.search(r'<script id="chart-share-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert share["series"][0]["data"] == [30.0, 30.0, 30.0]
    assert 'data-figure="kwh_share_12">30.0%<' in html
    html = client.get("/insights/overview/arrears/").content.decode()
    assert "/accounts/E100/#payments" in html
    assert "/service/tickets/new/?customer_id=E100&amp;kind=arrears_collection" in html


def test_tiles_without_store_data_say_what_to_import(client: Client, team: Team, store_dir: Path) -> None:
    client.force_login(team.supervisor.user)
    assert "data-tile-body" in client.get("/insights/overview/portfolio/").content.decode()
    assert _figures(team.supervisor.user, "portfolio")["kwh_share_12"] is None
    assert _figures(team.supervisor.user, "arrears")["accounts"] == 0
    assert 'data-testid="no-arrears"' in client.get("/insights/overview/arrears/").content.decode()


@pytest.mark.parametrize("key", ["portfolio", "arrears", "service", "visits", "prospects", "retention"])
@pytest.mark.parametrize("who", ["supervisor", "manager", "viewer"])
def test_every_tile_renders_for_every_role(client: Client, team: Team, bills: Path, key: str, who: str) -> None:
    client.force_login(getattr(team, who).user)
    response = client.get(f"/insights/overview/{key}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'data-tile-body="{key}"' in response.content.decode()


def test_service_tile_counts_time_limits_kept_and_missed(team: Team) -> None:
    from powerkam.service import services
    from powerkam.service.models import TicketKind

    manager = team.manager.user
    on_time = services.ticket_create(
        kind=TicketKind.COMPLAINT, title="投诉", by=manager, accepted_on=TODAY - dt.timedelta(days=3)
    )
    # a complaint is met when the customer was contacted within 1 working day and answered within 7
    services.ticket_contact(ticket=on_time, version=None, by=manager, on=TODAY - dt.timedelta(days=3))
    services.ticket_close(ticket=on_time, version=None, by=manager, on=TODAY)
    services.ticket_create(kind=TicketKind.DESIGN_REVIEW, title="设计审核", by=manager, accepted_on=dt.date(2026, 8, 3))
    figures = _figures(manager, "service")
    assert (figures["closed"], figures["met"], figures["rate"]) == (1, 1, 100.0)
    assert (figures["open"], figures["open_breached"]) == (1, 1)
    assert figures["first_month"] == "2026-08"
    assert figures["last_month"] == "2026-10"
    # another manager's tickets are not theirs to count
    assert _figures(team.other.user, "service")["open"] == 0


def test_visits_tile_names_only_the_users_overdue_accounts(team: Team) -> None:
    mine = _figures(team.manager.user, "visits")
    assert {r["customer_id"] for r in mine["overdue"]} <= {"E100", "E101"}
    assert mine["first_day"] == dt.date(2026, 10, 1)
    assert mine["overdue_accounts"] >= len(mine["overdue"])


def test_a_user_without_a_staff_profile_gets_no_prospects_tile(client: Client, team: Team) -> None:
    from factories import UserFactory

    stranger = UserFactory(username="stranger")
    assert "prospects" not in dashboard.figures_for(stranger, TODAY)
    client.force_login(stranger)
    assert "data-tile-body" in client.get("/insights/overview/prospects/").content.decode()
    assert "prospects" in dashboard.figures_for(team.supervisor.user, TODAY)


def test_the_api_answers_the_same_figures_in_the_callers_scope(client: Client, team: Team, bills: Path) -> None:
    from powerkam.api.services import api_token_issue

    token = api_token_issue(username="m01").token
    body = client.get("/api/v1/insights/overview?tiles=portfolio,arrears", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert set(body) == {"portfolio", "arrears"}
    assert body["portfolio"]["key_accounts"] == 2
    assert [a["customer_id"] for a in body["arrears"]["top"]] == ["E100"]
    assert body["arrears"]["top"][0]["outstanding_yuan"] == "100000.00"


def test_the_command_prints_json_for_the_whole_base_or_one_user(team: Team, bills: Path) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("overview", "--tiles", "portfolio", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["portfolio"]["key_accounts"] == 3
    out = StringIO()
    call_command("overview", "--user", "m01", "--tiles", "arrears,portfolio", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["portfolio"]["key_accounts"] == 2
    out = StringIO()
    call_command("overview", stdout=out)  # every tile, as text, for the whole base
    assert "[arrears]" in out.getvalue()
    assert "[prospects]" in out.getvalue()
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("overview", "--tiles", "nonsense", stdout=StringIO(), stderr=err)
    assert "nonsense" in err.getvalue()


def test_slow_tiles_keep_their_figures_for_a_while_and_say_when_they_were_computed(client: Client, team: Team) -> None:
    from powerkam.service import services
    from powerkam.service.models import TicketKind

    tile = dashboard.tile("service")
    assert tile is not None
    assert tile.cache_seconds > 0
    first = dashboard.tile_figures(tile, team.manager.user, TODAY)
    services.ticket_create(kind=TicketKind.COMPLAINT, title="投诉", by=team.manager.user, accepted_on=TODAY)
    assert dashboard.tile_figures(tile, team.manager.user, TODAY) == first  # kept
    assert dashboard.tile_figures(tile, team.manager.user, TODAY + dt.timedelta(days=1)).figures["open"] == 1
    client.force_login(team.manager.user)
    assert "tile-stamp" in client.get("/insights/overview/service/").content.decode()
    assert "tile-stamp" not in client.get("/insights/overview/portfolio/").content.decode()  # exact, not kept


def test_the_heavy_tiles_are_prepared_in_the_morning_and_kept_for_the_day(client: Client, team: Team) -> None:
    """Visits on cadence and churn risk replay every key account (seconds on a large base): the
    morning's preparation computes them for every user, the first look of the day reads them, and the
    tile says they are the morning's figures with a button to recompute them."""
    from django.utils import timezone

    from powerkam.accounts.models import Account
    from powerkam.visits import services
    from powerkam.web.prepare import prepare_everyone
    from tests.visits.helpers import key_account

    today = timezone.localdate()
    for n in range(3):  # C accounts key since last year, never visited: overdue
        key_account(f"K90{n}", "C", key_since=today - dt.timedelta(days=400), manager=team.manager.user)
    prepare_everyone(today)
    visits = dashboard.tile("visits")
    assert visits is not None
    assert visits.prepared
    retention = dashboard.tile("retention")
    assert retention is not None
    assert retention.prepared
    prepared = dashboard.tile_figures(visits, team.manager.user, today)
    overdue = prepared.figures["overdue_accounts"]
    assert overdue > 0
    # a visit recorded after the preparation: the tile keeps the morning's figures, and says so …
    for row in prepared.figures["overdue"]:
        account = Account.objects.get(customer_id=row["customer_id"])
        services.visit_record(account=account, visited_on=today, by=team.manager.user)
    client.force_login(team.manager.user)
    page = client.get("/insights/overview/visits/").content.decode()
    assert f'data-figure="overdue_accounts" class="danger">{overdue}<' in page
    assert "每天早晨预先计算" in page
    assert "?fresh=1" in page
    # … until the user asks for them again
    page = client.get("/insights/overview/visits/?fresh=1").content.decode()
    assert f'data-figure="overdue_accounts" class="danger">{overdue}<' not in page
    assert dashboard.tile_figures(visits, team.manager.user, today).figures["overdue_accounts"] < overdue
    # a tile that is not prepared ignores the parameter
    assert "?fresh=1" not in client.get("/insights/overview/service/?fresh=1").content.decode()


def test_the_arrears_tile_keeps_its_own_few_figures(team: Team, bills: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A web process that did not compute the arrears reads the tile's figures back, not every key
    account's arrears: here nothing else is left to read, and computing them again would fail."""
    from powerkam.accounts.selectors import portfolio
    from powerkam.analytics import portfolio as store_portfolio

    first = _figures(team.supervisor.user, "arrears")
    with portfolio._store_memo_lock:
        full = [k for k in portfolio._store_memo if k.startswith("arrears:")]
        portfolio._store_memo.clear()  # another process: nothing in its memory
    assert full  # the whole arrears were kept too (the arrears page and the collection tasks read them)

    def no_store(*args: object, **kwargs: object) -> None:
        raise AssertionError("the tile read the bills again")

    monkeypatch.setattr(store_portfolio, "overdue_bills", no_store)
    assert _figures(team.supervisor.user, "arrears") == first


def test_the_arrears_tile_follows_the_accounts_at_once(team: Team, bills: Path) -> None:
    assert [a["customer_id"] for a in _figures(team.manager.user, "arrears")["top"]] == ["E100"]
    AssignmentFactory(account=team.accounts["E200"], staff=team.manager.user, role=AssignmentRole.SECONDARY)
    assert {a["customer_id"] for a in _figures(team.manager.user, "arrears")["top"]} == {"E100", "E200"}
