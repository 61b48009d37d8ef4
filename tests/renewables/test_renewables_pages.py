"""The renewables area in the product: quota figures per account, the page, the 360 panel, Excel,
the API and the command line; the §7 worked example as an account (docs/rules.md §7)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from factories import Team, build_team, write_dataset
from powerkam.core.errors import ApplicationError
from powerkam.grid.models import Feeder, Substation
from powerkam.renewables import selectors, services
from powerkam.renewables.models import QuotaWeight


@pytest.fixture
def team(db: None) -> Team:
    return build_team()


@pytest.fixture
def fujian(settings: Any, tmp_path: Path, team: Team) -> Path:
    """E100 as the rules' Fujian 2023 example: 100,000 MWh consumed in 12 months, 10,000 MWh of its
    own PV used on site; certificates trade at 2.31 yuan. E200 consumes without renewables."""
    store_dir = tmp_path / "store"
    settings.ANALYTICS_DIR = store_dir
    write_dataset(
        store_dir,
        "billing",
        [
            {"customer_id": cid, "period": f"2023-{m:02d}", "kwh": kwh, "due_date": dt.date(2023, m, 28)}
            for m in range(1, 13)
            for cid, kwh in (("E100", 100_000_000 / 12), ("E200", 1_000_000.0))
        ],
    )
    write_dataset(
        store_dir,
        "generation",
        [
            {"customer_id": "E100", "period": f"2023-{m:02d}", "technology": "pv", "installed_kw": 9_000.0,
             "mode": "self_use", "generated_kwh": 10_000_000 / 12, "self_consumed_kwh": 10_000_000 / 12,
             "exported_kwh": 0.0}
            for m in range(1, 13)
        ],
    )  # fmt: skip
    write_dataset(
        store_dir,
        "green",
        [{"record_id": "C1", "customer_id": "E300", "type": "certificate", "traded_on": dt.date(2023, 6, 1),
          "certificates": 10, "certificate_price_yuan": 2.31}],
    )  # fmt: skip
    services.rules_set(rules_toml='province = "福建"')
    services.weight_set(
        province="福建", year=2023, party_type="market_user", total_weight="15.8%", source="发改能源〔2023〕"
    )
    return store_dir


def test_rules_md_example_as_an_account(fujian: Path, team: Team) -> None:
    item = selectors.account_renewables(user=team.supervisor.user, customer_id="E100", year=2023)
    d = selectors.as_dict(item)
    assert d["weight"] == pytest.approx(0.158)
    assert d["obligation_mwh"] == pytest.approx(15_800)
    assert d["fulfilled_mwh"] == pytest.approx(10_000)
    assert d["shortfall_mwh"] == pytest.approx(5_800)
    assert d["shortfall_certificates"] == 5_800
    assert d["certificate_price_yuan"] == 2.31
    assert d["shortfall_cost_yuan"] == pytest.approx(13_398)
    assert d["self_consumption_ratio"] == pytest.approx(1.0)
    assert d["status"] == "short"
    assert d["forecast"]["shortfall_mwh"] == pytest.approx(5_800)  # a whole year: the forecast is the year
    assert d["mode_allowed"] is True  # 9 MW of self-use PV at 110 kV


def test_a_year_without_a_weight_warns(fujian: Path, team: Team) -> None:
    item = selectors.account_renewables(user=team.supervisor.user, customer_id="E100", year=2024)
    assert item.quota is None
    assert item.status == "no_weight"
    assert any("2024" in w for w in item.warnings)


def test_weights_are_versioned_and_checked(fujian: Path, team: Team) -> None:
    services.weight_set(province="福建", year=2023, party_type="market_user", total_weight="0.16")
    weight = QuotaWeight.objects.get(province="福建", year=2023, party_type="market_user")
    assert [str(h.total_weight) for h in weight.history.order_by("history_id")] == ["0.1580", "0.1600"]
    with pytest.raises(ApplicationError, match=r"0\.158"):
        services.weight_set(province="福建", year=2023, party_type="market_user", total_weight="158")
    with pytest.raises(ApplicationError, match="grid"):
        services.weight_set(province="福建", year=2023, party_type="grid", total_weight="0.1")
    with pytest.raises(ApplicationError):
        services.weight_set(
            province="福建", year=2023, party_type="market_user", total_weight="0.1", by=team.manager.user
        )


def test_the_page_lists_renewable_accounts_with_their_shortfall(fujian: Path, team: Team, client: Client) -> None:
    client.force_login(team.supervisor.user)
    response = client.get("/renewables/?year=2023", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    text = response.content.decode()
    assert "E100" in text
    assert "E200" not in text
    assert "新能源" in text
    assert re.search(r"5,?800", text)
    everyone = client.get("/renewables/?year=2023&scope=all").content.decode()
    assert "E200" in everyone
    bad = client.get("/renewables/?year=abc")
    assert bad.status_code == 400


def test_a_manager_sees_only_their_accounts(fujian: Path, team: Team, client: Client) -> None:
    # E300 holds certificates but is nobody's: a manager sees only E100 of theirs; a supervisor both.
    found = selectors.renewable_list(user=team.manager.user, year=2023)
    assert [r.account.customer_id for r in found.rows] == ["E100"]
    found = selectors.renewable_list(user=team.supervisor.user, year=2023)
    assert [r.account.customer_id for r in found.rows] == ["E100", "E300"]


def test_excel_export_has_the_figures_as_numbers(fujian: Path, team: Team, client: Client) -> None:
    client.force_login(team.supervisor.user)
    response = client.get("/renewables/export.xlsx?year=2023")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    e100 = next(r for r in rows if r[0] == "E100")
    assert e100[9] == pytest.approx(5_800)
    assert e100[10] == 5_800
    assert e100[11] == pytest.approx(13_398)


def test_the_360_panel_shows_the_generation_chart(fujian: Path, team: Team, client: Client) -> None:
    client.force_login(team.supervisor.user)
    response = client.get("/accounts/E100/panels/renewables/")
    assert response.status_code == 200
    assert "chart-generation-data" in response.content.decode()
    assert client.get("/accounts/E200/panels/renewables/").content.strip() == b""


def test_api(fujian: Path, team: Team, client: Client) -> None:
    client.force_login(team.supervisor.user)
    listing = client.get("/api/v1/renewables/?year=2023").json()
    assert [a["customer_id"] for a in listing["accounts"]] == ["E100", "E300"]
    one = client.get("/api/v1/renewables/E100?year=2023").json()
    assert one["shortfall_certificates"] == 5_800
    assert len(one["months"]) == 12


def test_cli_show_list_and_the_worked_examples(fujian: Path, team: Team) -> None:
    out = StringIO()
    call_command("renewables", "show", "E100", "--year", "2023", "--format", "json", stdout=out)
    shown = json.loads(out.getvalue())
    for key, value in (("obligation_mwh", 15_800), ("fulfilled_mwh", 10_000), ("shortfall_mwh", 5_800),
                       ("shortfall_certificates", 5_800), ("self_consumption_ratio", 1.0)):  # fmt: skip
        assert shown[key] == pytest.approx(value), key
    out = StringIO()
    call_command("renewables", "list", "--year", "2023", stdout=out)
    assert "E100" in out.getvalue()
    out = StringIO()
    call_command(
        "renewables", "quota", "--weight", "0.158", "--consumption-mwh", "100000", "--renewable-mwh", "10000",
        "--certificate-price", "2.31", "--format", "json", stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["shortfall_cost_yuan"] == pytest.approx(13_398)
    out = StringIO()
    call_command("renewables", "self-use", "--generated-kwh", "1000000", "--exported-kwh", "600000", stdout=out)
    assert "40.0 %" in out.getvalue()
    assert "below the minimum" in out.getvalue()


@pytest.fixture
def feeder(fujian: Path) -> Feeder:
    """E100's first supply feeder F001: 10,000 kVA × 0.9 − 6,000 kW peak = 3,000 kW free, alone on S1."""
    substation = Substation.objects.create(substation_id="S1", name="110kV东变电站")
    return Feeder.objects.create(
        feeder_id="F001", name="东1线", substation=substation, voltage_kv=Decimal("110"),
        rated_capacity_kva=Decimal("10000"), peak_load_kw=Decimal("6000"),
    )  # fmt: skip


def test_headroom_to_grow_and_non_hydro_on_the_page_api_and_cli(
    fujian: Path, feeder: Feeder, team: Team, client: Client
) -> None:
    services.weight_set(
        province="福建", year=2023, party_type="market_user", total_weight="15.8%", non_hydro_weight="12%"
    )
    d = selectors.as_dict(selectors.account_renewables(user=None, customer_id="E100", year=2023))
    assert d["non_hydro"]["obligation_mwh"] == pytest.approx(12_000)
    assert d["non_hydro"]["shortfall_certificates"] == 2_000
    h = d["headroom"]
    assert (h["certificates"], h["certificates_yuan"]) == (5_800, 13_398.0)
    assert h["green_power_premium_yuan"] == pytest.approx(174_000)  # rules' 0.03 yuan/kWh: no trade in the data
    assert h["pv_limits_kw"]["feeder"] == pytest.approx(3_000)
    assert h["pv_limits_kw"]["substation"] == pytest.approx(3_000)
    assert h["pv_limits_kw"]["distributed_pv"] == pytest.approx(41_000)  # 110 kV: 50 MW less the 9 MW it has
    assert (h["pv_kw"], h["pv_binding"], h["pv_mwh_year"]) == (3_000, "feeder", 3_300)
    assert h["share_with_pv"] == pytest.approx(0.1165)

    # E200 has no feeder in the grid data: the PV it could add is unknown, buying is not.
    other = selectors.as_dict(selectors.account_renewables(user=None, customer_id="E200", year=2023))
    assert other["headroom"] is None or other["headroom"]["pv_kw"] is None

    client.force_login(team.supervisor.user)
    page = client.get("/renewables/?year=2023").content.decode()
    assert "3,000 kW" in page or "3000 kW" in page
    assert client.get("/api/v1/renewables/E100?year=2023").json()["headroom"]["pv_kw"] == 3_000
    out = StringIO()
    call_command("renewables", "show", "E100", "--year", "2023", stdout=out)
    text = out.getvalue()
    assert "PV it could add: 3,000 kW (limited by feeder) = 3,300.0 MWh/year at 1,100 kWh/kW" in text
    assert "non-hydro weight 12.0 %: obligation 12,000.0 MWh, shortfall 2,000.0 MWh" in text


def test_a_feeder_at_its_limit_leaves_no_pv_to_add(fujian: Path, feeder: Feeder) -> None:
    feeder.peak_load_kw = Decimal("9500")
    feeder.save()
    d = selectors.as_dict(selectors.account_renewables(user=None, customer_id="E100", year=2023))
    assert (d["headroom"]["pv_kw"], d["headroom"]["pv_binding"]) == (0, "feeder")


def test_overview_tile(fujian: Path, team: Team, client: Client, settings: Any) -> None:
    from powerkam.web import dashboard

    # E100's own generation was 5,000 MWh in 2022 and is 10,000 MWh in 2023: growing.
    rows = [
        {"customer_id": "E100", "period": f"{y}-{m:02d}", "technology": "pv", "installed_kw": 9_000.0,
         "mode": "self_use", "generated_kwh": kwh / 12, "self_consumed_kwh": kwh / 12, "exported_kwh": 0.0}
        for y, kwh in ((2022, 5_000_000), (2023, 10_000_000))
        for m in range(1, 13)
    ]  # fmt: skip
    write_dataset(fujian, "generation", rows)
    figures = dashboard.figures_for(team.supervisor.user, dt.date(2024, 1, 10), keys=["renewables"])["renewables"]
    assert figures["year"] == 2023
    assert (figures["accounts"], figures["short"], figures["shortfall_certificates"]) == (2, 1, 5_800)
    assert figures["shortfall_cost_yuan"] == pytest.approx(13_398)
    assert figures["growing"] == 1
    assert figures["growing_accounts"][0]["customer_id"] == "E100"
    client.force_login(team.supervisor.user)
    html = client.get("/insights/overview/renewables/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-tile-body="renewables"' in html
    assert "/accounts/E100/#renewables" in html


def test_settings_page_edits_weights_and_rules_with_history(fujian: Path, team: Team, client: Client) -> None:
    client.force_login(team.supervisor.user)
    page = client.get("/renewables/settings/").content.decode()
    assert 'data-testid="weight-form"' in page
    assert "福建" in page

    response = client.post(
        "/renewables/settings/",
        {"form": "weight", "province": "福建", "year": "2023", "party_type": "market_user",
         "total_weight": "16.5%", "non_hydro_weight": "0.12", "source": "闽发改〔2023〕"},
    )  # fmt: skip
    assert response.status_code == 302
    weight = QuotaWeight.objects.get(province="福建", year=2023, party_type="market_user")
    assert (weight.total_weight, weight.non_hydro_weight) == (Decimal("0.1650"), Decimal("0.1200"))
    history = list(weight.history.order_by("history_id"))
    assert [str(h.total_weight) for h in history] == ["0.1580", "0.1650"]
    assert history[-1].history_user == team.supervisor.user
    page = client.get("/renewables/settings/").content.decode()
    assert 'data-testid="weight-history"' in page

    bad = client.post(
        "/renewables/settings/",
        {"form": "weight", "province": "福建", "year": "2023", "party_type": "market_user", "total_weight": "158"},
    )
    assert bad.status_code == 400
    assert "0.158" in bad.content.decode()
    assert QuotaWeight.objects.get(pk=weight.pk).total_weight == Decimal("0.1650")  # unchanged

    rules = 'province = "福建"\npv_yield_kwh_per_kw = 1200\n'
    assert (
        client.post("/renewables/settings/", {"form": "rules", "rules_toml": rules, "note": "1200 h"}).status_code
        == 302
    )
    assert selectors.renewable_rules().pv_yield_kwh_per_kw == 1200
    bad = client.post("/renewables/settings/", {"form": "rules", "rules_toml": "pv_yield_kwh_per_kw = -1"})
    assert bad.status_code == 400
    assert "pv_yield_kwh_per_kw" in bad.content.decode()
    assert selectors.renewable_rules().pv_yield_kwh_per_kw == 1200  # the bad version was not saved


def test_a_manager_sees_the_settings_but_cannot_change_them(fujian: Path, team: Team, client: Client) -> None:
    client.force_login(team.manager.user)
    page = client.get("/renewables/settings/").content.decode()
    assert 'data-testid="weights"' in page
    assert 'data-testid="weight-form"' not in page
    response = client.post(
        "/renewables/settings/",
        {"form": "weight", "province": "福建", "year": "2023", "party_type": "market_user", "total_weight": "0.2"},
    )
    assert response.status_code == 403
    assert QuotaWeight.objects.get(province="福建", year=2023).total_weight == Decimal("0.1580")


@pytest.mark.parametrize(
    "url",
    [
        "/renewables/?year=2023",
        "/renewables/settings/",
        "/accounts/E100/panels/renewables/",
        "/insights/overview/renewables/",
    ],
)
def test_renewables_pages_in_chinese_show_no_english_label(
    fujian: Path, feeder: Feeder, team: Team, client: Client, url: str
) -> None:
    from tests.web.test_i18n import english_labels, visible_texts

    services.weight_set(
        province="福建", year=2023, party_type="market_user", total_weight="0.158", non_hydro_weight="0.12"
    )
    client.force_login(team.supervisor.user)
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"[\u4e00-\u9fff]", html)
    assert sorted(set(visible_texts(html)) & english_labels()) == []
