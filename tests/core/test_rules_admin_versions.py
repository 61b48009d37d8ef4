"""Rules documents are append-only; on the admin site, as through the API and the settings pages, a new
version names the one it was based on, and a version saved meanwhile by another administrator refuses
it (who saved what), instead of the later save silently replacing the earlier one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from factories import UserFactory
from powerkam.insights.models import HealthRulesVersion, TariffRulesVersion
from powerkam.outages.models import OutageRulesVersion
from powerkam.renewables.models import RenewableRulesVersion

pytestmark = pytest.mark.django_db

KINDS = [
    (TariffRulesVersion, "/admin/insights/tariffrulesversion/add/", "# 默认\n"),
    (HealthRulesVersion, "/admin/insights/healthrulesversion/add/", "# 默认\n"),
    (OutageRulesVersion, "/admin/outages/outagerulesversion/add/", "# 默认\n"),
    (RenewableRulesVersion, "/admin/renewables/renewablerulesversion/add/", 'province = "福建"\n'),
]


@pytest.fixture
def admins() -> tuple[Client, Client]:
    clients = []
    for name in ("adm1", "adm2"):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(UserFactory(username=name, is_superuser=True, is_staff=True))
        clients.append(client)
    return clients[0], clients[1]


@pytest.mark.parametrize(("model", "url", "toml"), KINDS, ids=[k[0].__name__ for k in KINDS])
def test_two_administrators_adding_from_the_same_version(
    admins: tuple[Client, Client], model: Any, url: str, toml: str
) -> None:
    first, second = admins
    base = model.objects.create(rules_toml=toml, note="base")
    assert f'name="based_on" value="{base.pk}"' in first.get(url).content.decode()
    saved = first.post(url, {"rules_toml": toml, "note": "甲的修改", "based_on": base.pk})
    assert saved.status_code == 302
    refused = second.post(url, {"rules_toml": toml, "note": "乙的修改", "based_on": base.pk})
    assert refused.status_code == 200  # the form again, with the reason
    assert "adm1" in refused.content.decode()
    assert list(model.objects.order_by("pk").values_list("note", flat=True)) == ["base", "甲的修改"]
    newest = model.objects.order_by("-pk").first()
    again = second.post(url, {"rules_toml": toml, "note": "乙的修改", "based_on": newest.pk})
    assert again.status_code == 302
    assert model.objects.order_by("-pk").first().note == "乙的修改"
