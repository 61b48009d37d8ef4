"""The data administrator imports a file in the browser and sees what it did, or why not."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from powerkam.accounts.models import Account
from powerkam.imports.models import ImportRun
from powerkam.staff.models import Role
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = StaffFactory(user__username="dataadmin", name="数据管理员", role=Role.ADMIN)
    client.force_login(admin.user)
    return client


def test_upload_lands_the_file_and_logs_it(store, admin_client, samples):
    upload = SimpleUploadedFile("customers.csv", (samples / "customers.csv").read_bytes())
    response = admin_client.post("/imports/", {"kind": "customers", "file": upload})
    assert response.status_code == 200
    assert b'data-import-result="ok"' in response.content
    assert Account.objects.filter(customer_id="E006").exists()
    run = ImportRun.objects.get()
    assert run.by.username == "dataadmin"
    assert run.inserted == 416
    assert admin_client.get(f"/imports/{run.pk}/").status_code == 200


def test_refused_upload_lists_every_bad_row_and_writes_nothing(store, admin_client, samples):
    upload = SimpleUploadedFile("customers-bad.csv", (samples / "customers-bad.csv").read_bytes())
    response = admin_client.post("/imports/", {"kind": "customers", "file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert 'data-import-result="refused"' in body
    assert "space_tariff" in body
    assert "2020-13-45" in body
    assert not Account.objects.exists()
    run = ImportRun.objects.get()
    assert admin_client.get(f"/imports/{run.pk}/").content.decode().count("<tr>") >= 7


def test_managers_may_not_import(store, client):
    manager = StaffFactory(user__username="m09", role=Role.MANAGER)
    client.force_login(manager.user)
    assert client.get("/imports/").status_code == 403
    upload = SimpleUploadedFile(
        "c.csv", b"customer_id,name,voltage_kv,contract_capacity_kva,tariff\nX,x,10,1,residential\n"
    )
    assert client.post("/imports/", {"kind": "customers", "file": upload}).status_code == 403
    assert not Account.objects.exists()
