"""The renewables rules page: a new version is based on the newest one shown (no lost update), and only
supervisors and administrators change the settings (docs/permissions.md)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import StaffFactory
from powerkam.renewables import services
from powerkam.renewables.models import QuotaWeight, RenewableRulesVersion
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db

_BASED_ON = re.compile(r'<input type="hidden" name="based_on" value="(\d+)"')


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def based_on(client: Client) -> int:
    found = _BASED_ON.findall(client.get("/renewables/settings/").content.decode())
    assert len(found) == 1, "the rules form sends no based_on"
    return int(found[0])


def test_rules_saved_from_an_older_page_are_refused_naming_who_saved_meanwhile() -> None:
    zhou = StaffFactory(role=Role.SUPERVISOR, name="周主管").user
    wu = StaffFactory(role=Role.ADMIN, name="吴管理").user
    base = services.rules_set(rules_toml='province = "福建"\n', by=zhou)
    page_zhou, page_wu = client_for(zhou), client_for(wu)
    assert based_on(page_zhou) == based_on(page_wu) == base.pk

    saved = page_zhou.post(
        "/renewables/settings/",
        {"form": "rules", "rules_toml": 'province = "福建"\npv_yield_kwh_per_kw = 1200\n', "based_on": base.pk},
    )
    assert saved.status_code == 302
    refused = page_wu.post(
        "/renewables/settings/",
        {"form": "rules", "rules_toml": 'province = "广东"\n', "note": "改省", "based_on": base.pk},
    )

    assert refused.status_code == 400
    text = refused.content.decode()
    assert "周主管 changed this renewables rules while you were editing it" in text
    assert "广东" in text  # their own document is still in the form
    newest = RenewableRulesVersion.objects.first()
    assert newest is not None
    assert "1200" in newest.rules_toml
    assert _BASED_ON.findall(text) == [str(newest.pk)]  # saving again is a deliberate replacement
    assert RenewableRulesVersion.objects.count() == 2


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER])
def test_planners_and_viewers_read_the_whole_base_but_do_not_change_the_settings(role: str) -> None:
    client = client_for(StaffFactory(role=role).user)
    page = client.get("/renewables/settings/")
    assert page.status_code == 200
    assert 'data-testid="rules-form"' not in page.content.decode()
    refused = client.post("/renewables/settings/", {"form": "rules", "rules_toml": 'province = "福建"\n'})
    assert refused.status_code == 403
    weight = {"form": "weight", "province": "福建", "year": "2026", "party_type": "market_user", "total_weight": "0.2"}
    assert client.post("/renewables/settings/", weight).status_code == 403
    assert not RenewableRulesVersion.objects.exists()
    assert not QuotaWeight.objects.exists()
