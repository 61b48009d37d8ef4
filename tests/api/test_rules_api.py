"""Rules versions over the API (docs/api.md, "Rules versions"): append-only, each new version based on the newest."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from factories import StaffFactory
from powerkam.insights.models import HealthRulesVersion, TariffRulesVersion
from powerkam.outages.models import OutageRulesVersion
from powerkam.renewables.models import RenewableRulesVersion
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db

#: A valid document of each kind (a comment only: the defaults).
DOCUMENTS = {
    "outage": "[weights.grade]\nA = 3\n",
    "tariff": "# 省级电价：默认\n",
    "health": "# 健康度：默认\n",
    "renewables": 'province = "福建"\n',
}
MODELS = {
    "outage": OutageRulesVersion,
    "tariff": TariffRulesVersion,
    "health": HealthRulesVersion,
    "renewables": RenewableRulesVersion,
}


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client: Client, kind: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"/api/v1/rules/{kind}", json.dumps(body), "application/json", headers=headers)


@pytest.fixture
def admins() -> tuple[User, User]:
    return (
        StaffFactory(role=Role.ADMIN, user__username="zhou", name="周管理").user,
        StaffFactory(role=Role.ADMIN, user__username="wu", name="吴管理").user,
    )


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_each_save_adds_a_version_and_the_history_keeps_the_old_ones(kind: str, admins: tuple[User, User]) -> None:
    zhou = client_for(admins[0])
    empty = zhou.get(f"/api/v1/rules/{kind}")
    assert (empty.status_code, empty.json(), empty.headers["ETag"]) == (200, [], '"0"')  # the defaults apply

    first = post(zhou, kind, {"rules_toml": DOCUMENTS[kind], "note": "第一版"})  # nothing to be based on yet
    assert first.status_code == 201, first.content
    assert first.headers["ETag"] == f'"{first.json()["id"]}"'
    second = post(
        zhou, kind, {"rules_toml": DOCUMENTS[kind] + "# 二\n", "note": "第二版"}, **{"If-Match": first.headers["ETag"]}
    )
    assert second.status_code == 201, second.content

    history = zhou.get(f"/api/v1/rules/{kind}")
    assert history.headers["ETag"] == f'"{second.json()["id"]}"'
    assert [(v["note"], v["current"], v["created_by"]) for v in history.json()] == [
        ("第二版", True, "zhou"),
        ("第一版", False, "zhou"),
    ]
    old = zhou.get(f"/api/v1/rules/{kind}/{first.json()['id']}").json()
    assert (old["rules_toml"], old["current"]) == (DOCUMENTS[kind], False)  # never edited in place
    assert MODELS[kind].objects.count() == 2


def test_a_version_saved_meanwhile_refuses_the_second_one_with_409(admins: tuple[User, User]) -> None:
    zhou, wu = client_for(admins[0]), client_for(admins[1])
    base = post(zhou, "outage", {"rules_toml": DOCUMENTS["outage"]}).json()
    seen_zhou = zhou.get("/api/v1/rules/outage").headers["ETag"]
    seen_wu = wu.get("/api/v1/rules/outage").json()[0]["id"]

    mine = post(zhou, "outage", {"rules_toml": "[weights.grade]\nA = 4\n"}, **{"If-Match": seen_zhou})
    theirs = post(wu, "outage", {"rules_toml": "[weights.grade]\nA = 5\n", "based_on": seen_wu})

    assert mine.status_code == 201, mine.content
    assert theirs.status_code == 409, theirs.content
    body = theirs.json()
    assert body["code"] == "conflict"
    assert (body["current_version"], body["your_version"]) == (mine.json()["id"], base["id"])
    assert body["changed_by"] == ["周管理"]
    assert body["current"]["rules_toml"] == "[weights.grade]\nA = 4\n"
    assert theirs.headers["ETag"] == f'"{mine.json()["id"]}"'
    assert OutageRulesVersion.objects.first().rules_toml == "[weights.grade]\nA = 4\n"  # type: ignore[union-attr]
    assert OutageRulesVersion.objects.count() == 2


def test_a_new_version_must_name_the_one_it_replaces(admins: tuple[User, User]) -> None:
    zhou = client_for(admins[0])
    post(zhou, "tariff", {"rules_toml": DOCUMENTS["tariff"]})
    answer = post(zhou, "tariff", {"rules_toml": DOCUMENTS["tariff"]})
    assert answer.status_code == 428, answer.content
    assert answer.json()["code"] == "version_required"
    assert TariffRulesVersion.objects.count() == 1


def test_a_document_the_rules_refuse_is_not_saved(admins: tuple[User, User]) -> None:
    answer = post(client_for(admins[0]), "health", {"rules_toml": "no_such_key = 1\n"})
    assert answer.status_code == 400, answer.content
    assert answer.json()["fields"][0]["field"] == "rules_toml"
    assert not HealthRulesVersion.objects.exists()
    empty = post(client_for(admins[0]), "health", {"rules_toml": ""})
    assert empty.status_code == 422
    assert empty.json()["fields"][0]["field"] == "rules_toml"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.MANAGER, set()),
        (Role.VIEWER, set()),
        (Role.PLANNER, {"outage"}),
        (Role.SUPERVISOR, {"outage", "tariff", "health", "renewables"}),
    ],
)
def test_who_reads_and_adds_rules(role: str, allowed: set[str]) -> None:
    client = client_for(StaffFactory(role=role).user)
    for kind, document in DOCUMENTS.items():
        read = client.get(f"/api/v1/rules/{kind}")
        added = post(client, kind, {"rules_toml": document})
        expected = (200, 201) if kind in allowed else (403, 403)
        assert (read.status_code, added.status_code) == expected, (role, kind, added.content)
        assert MODELS[kind].objects.exists() == (kind in allowed)


@pytest.mark.parametrize("document", ["tou_ratio = 1", "energy_price = 1", "energy_price = {large = 0.6}"])
def test_a_value_where_the_rules_want_a_table_is_refused_not_a_fault(document: str, admins: tuple[User, User]) -> None:
    answer = post(client_for(admins[0]), "tariff", {"rules_toml": document})
    assert answer.status_code == 400, answer.content
    assert "must be a table" in answer.json()["message"]
    assert not TariffRulesVersion.objects.exists()
