"""The data administrator imports a file in the browser and sees what it did, or why not."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from factories import StaffFactory
from powerkam.accounts.models import Account
from powerkam.imports.models import ImportRun
from powerkam.staff.models import Role

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


def test_the_run_page_rolls_a_dataset_back_and_the_log_shows_it(store, admin_client, tmp_path):
    csv = "customer_id,name,voltage_kv,contract_capacity_kva,tariff\nC1,{name},10,5000,large_industrial\n"
    for name in ("一厂", "错名"):
        upload = SimpleUploadedFile(f"{name}.csv", csv.format(name=name).encode())
        admin_client.post("/imports/", {"kind": "customers", "file": upload})
    good, bad = ImportRun.objects.order_by("pk")
    page = admin_client.get(f"/imports/{good.pk}/").content.decode()
    assert "data-rollback" in page
    assert "data-rollback" not in admin_client.get(f"/imports/{bad.pk}/").content.decode()  # already in place

    response = admin_client.post(f"/imports/{good.pk}/rollback/", HTTP_ACCEPT_LANGUAGE="en")
    rolled = ImportRun.objects.order_by("pk").last()
    assert response.status_code == 302
    assert response.url == f"/imports/{rolled.pk}/"
    assert (rolled.status, rolled.restored_from, rolled.by.username) == ("rolled_back", good, "dataadmin")
    assert 'data-status="rolled_back"' in admin_client.get("/imports/").content.decode()


def test_a_run_whose_process_died_shows_as_interrupted_and_managers_may_not_roll_back(store, admin_client, client):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    run = ImportRun.objects.create(
        kind="billing", file_name="b.csv", sha256="", status="running", started_at=timezone.now(), pid=int(dead.stdout)
    )
    assert 'data-status="interrupted"' in admin_client.get("/imports/").content.decode()
    assert 'data-status="interrupted"' in admin_client.get(f"/imports/{run.pk}/").content.decode()

    manager = StaffFactory(user__username="m10", role=Role.MANAGER)
    client.force_login(manager.user)
    assert client.post(f"/imports/{run.pk}/rollback/").status_code == 403


def test_the_upload_form_can_clear_absent_columns(store, admin_client):
    full = b"customer_id,name,voltage_kv,contract_capacity_kva,tariff,district\nC1,a,10,5000,residential,east\n"
    partial = b"customer_id,name,voltage_kv,contract_capacity_kva,tariff\nC1,a,10,5000,residential\n"
    admin_client.post("/imports/", {"kind": "customers", "file": SimpleUploadedFile("f.csv", full)})
    admin_client.post("/imports/", {"kind": "customers", "file": SimpleUploadedFile("p.csv", partial)})
    assert Account.objects.get(customer_id="C1").district == "east"
    admin_client.post(
        "/imports/", {"kind": "customers", "file": SimpleUploadedFile("p.csv", partial), "replace_missing": "on"}
    )
    assert Account.objects.get(customer_id="C1").district == ""
    assert ImportRun.objects.order_by("pk").last().replace_missing
