"""Tariff advice in the product: the insights page, the 360 panel, the API and the command line."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from factories import Team
from powerkam.api.services import api_token_issue
from powerkam.core.errors import ApplicationError
from powerkam.insights import selectors, services

# E100: by capacity 28 × 40,000 × 12 = 13,440,000; by demand at the 40 % floor (16,000 kW) 38.4 × 16,000 × 12.
E100_BASIC = 13_440_000 - 38.4 * 16_000 * 12
# E200 (35 kV, 8,000 kVA, standard 0.90): 2.5 % surcharge on 180,000 a month; 0.95 would earn 0.75 %.
E200_PF = 12 * 180_000 * 0.0325


def login(client: Client, team: Team, who: str = "supervisor") -> Client:
    client.force_login(getattr(team, who).user)
    return client


def test_supervisor_sees_every_key_account_with_advice_largest_first(client: Client, team: Team, billed: Path) -> None:
    found = selectors.tariff_opportunities(user=team.supervisor.user)
    assert [r.customer_id for r in found.rows] == ["E100", "E200"]
    e100, e200 = found.rows
    assert e100.savings["basic_charge"] == pytest.approx(E100_BASIC)
    assert e100.manager == "李娜"
    assert e200.savings == pytest.approx({"power_factor": E200_PF})
    assert found.period == "2026-10"
    page = login(client, team).get("/insights/tariff/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "电价优化建议" in html
    assert "示范钢铁有限公司" in html
    assert "示范化工有限公司" in html
    assert "606.72 万元" in html  # E100's basic-charge saving, 6,067,200 yuan


def test_a_manager_sees_only_their_accounts(client: Client, team: Team, billed: Path) -> None:
    assert [r.customer_id for r in selectors.tariff_opportunities(user=team.manager.user).rows] == ["E100"]
    html = login(client, team, "manager").get("/insights/tariff/").content.decode()
    assert "示范钢铁有限公司" in html
    assert "示范化工有限公司" not in html


def test_filters_by_kind_and_district(team: Team, billed: Path) -> None:
    user = team.supervisor.user
    assert [r.customer_id for r in selectors.tariff_opportunities(user=user, kind="power_factor").rows] == ["E200"]
    assert selectors.tariff_opportunities(user=user, district="西城区").rows == []
    with pytest.raises(ApplicationError, match="未知的建议类型"):
        selectors.tariff_opportunities(user=user, kind="discount")


def test_the_360_panel_loads_the_advice_as_a_fragment(client: Client, team: Team, billed: Path) -> None:
    login(client, team, "manager")
    page = client.get("/accounts/E100/").content.decode()
    assert 'id="tariff"' in page
    assert "/insights/tariff/E100/" in page
    fragment = client.get("/insights/tariff/E100/").content.decode()
    assert "按需量" in fragment  # switch to billing by maximum demand
    assert "16,000.0 kW" in fragment
    assert client.get("/insights/tariff/E200/").status_code == 403
    assert client.get("/insights/tariff/NOPE/").status_code == 404


def test_no_billing_yet_is_a_clear_message_not_an_error(client: Client, team: Team, store_dir: Path) -> None:
    page = login(client, team).get("/insights/tariff/").content.decode()
    assert "尚未导入电费数据" in page
    with pytest.raises(ApplicationError, match="尚未导入电费数据"):
        selectors.tariff_opportunities(user=team.supervisor.user)


def test_api_gives_the_same_numbers_with_visibility(team: Team, billed: Path) -> None:
    token = api_token_issue(username=team.manager.user.username).token
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    one = api.get("/api/v1/insights/tariff/E100").json()
    assert one["basic_charge"]["advised_mode"] == "demand"
    assert one["basic_charge"]["contract_demand_kw"] == 16_000
    assert one["advice"][0] == {"kind": "basic_charge", "annual_saving_yuan": pytest.approx(E100_BASIC)}
    assert api.get("/api/v1/insights/tariff/E200").status_code == 403
    listing = api.get("/api/v1/insights/tariff").json()
    assert [a["customer_id"] for a in listing["accounts"]] == ["E100"]
    bad = api.get("/api/v1/insights/tariff?period=2026-13")
    assert bad.status_code == 400
    assert "2026-13" in bad.json()["detail"]


def test_command_line_advice_in_json(team: Team, billed: Path, tmp_path: Path) -> None:
    out = StringIO()
    call_command("tariff", "advise", "E200", "--format", "json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["power_factor"]["annual_saving_yuan"] == pytest.approx(E200_PF)
    # A rules file with a dearer capacity price changes nothing for E200 but is read.
    rules = tmp_path / "rules.toml"
    rules.write_text("target_power_factor = 0.90\n", encoding="utf-8")
    out = StringIO()
    call_command("tariff", "advise", "E200", "--rules", str(rules), "--format", "json", stdout=out)
    # Only up to the standard: the 2.5 % surcharge goes, no rebate counted.
    assert json.loads(out.getvalue())["power_factor"]["annual_saving_yuan"] == pytest.approx(12 * 180_000 * 0.025)
    out = StringIO()
    call_command("tariff", "opportunities", "--format", "json", stdout=out)
    assert [a["customer_id"] for a in json.loads(out.getvalue())["accounts"]] == ["E100", "E200"]


def test_command_line_refuses_a_bad_rules_file(team: Team, billed: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("excess_base = 'double'\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("tariff", "advise", "E100", "--rules", str(rules), stdout=StringIO(), stderr=err)
    assert "excess_base" in err.getvalue()


def test_saved_rules_apply_and_bad_ones_are_refused(team: Team, billed: Path) -> None:
    with pytest.raises(ApplicationError, match="unknown key"):
        services.tariff_rules_set(rules_toml="price = 1", by=team.supervisor.user)
    with pytest.raises(ApplicationError, match="只有主管"):
        services.tariff_rules_set(rules_toml="capacity_yuan_per_kva = 20", by=team.manager.user)
    services.tariff_rules_set(rules_toml="capacity_yuan_per_kva = 15", by=team.supervisor.user)
    e100 = selectors.tariff_opportunities(user=team.supervisor.user).rows[0]
    # 15 × 40,000 × 12 = 7,200,000 < 7,372,800 by demand: capacity is now the cheaper mode, nothing to save.
    assert e100.customer_id != "E100" or "basic_charge" not in e100.savings


@pytest.mark.parametrize("url", ["/insights/tariff/", "/insights/tariff/?kind=power_factor", "/insights/tariff/E100/"])
def test_pages_with_advice_show_no_english_label_in_chinese(client: Client, team: Team, billed: Path, url: str) -> None:
    from tests.web.test_i18n import english_labels, visible_texts

    html = login(client, team).get(url).content.decode()
    assert sorted(set(visible_texts(html)) & english_labels()) == []


def test_pages_in_english(client: Client, team: Team, billed: Path) -> None:
    login(client, team)
    html = client.get("/insights/tariff/E100/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Switch to billing by maximum demand with a contract demand of 16,000.0 kW" in html
    assert "Tariff advice" in client.get("/insights/tariff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
