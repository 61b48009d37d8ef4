import pytest


@pytest.mark.django_db
def test_smoke(client, team, store_dir):
    client.force_login(team.manager.user)
    for url in [
        "/",
        "/accounts/",
        "/accounts/E100/",
        "/accounts/E100/consumption/",
        "/accounts/E100/load/",
        "/accounts/E100/payments/",
        "/visits/",
        "/settings/",
        "/grading/",
        "/accounts/export.xlsx",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:3000])
