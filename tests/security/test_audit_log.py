"""The audit log: log-ins, failures, downloads and imports, with who, when and from which address."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from factories import StaffFactory, UserFactory
from powerkam.audit.client import client_ip
from powerkam.audit.middleware import download_file_name
from powerkam.audit.models import AuditAction, AuditEvent, AuditLogIsAppendOnly
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db


def test_a_log_in_and_a_failed_one_are_recorded_with_the_address() -> None:
    user = UserFactory(username="zhao")
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.post("/login/", {"username": "zhao", "password": "not-it"})
    client.post("/login/", {"username": "zhao", "password": user.raw_password})

    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (failed.username, failed.user, failed.ip_address, failed.path) == ("zhao", None, "192.0.2.10", "/login/")
    assert "not-it" not in str(failed.extra)
    login = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (login.username, login.user, login.ip_address) == ("zhao", user, "192.0.2.10")
    assert abs((timezone.now() - login.at).total_seconds()) < 60


def test_an_export_download_is_recorded_with_its_file_name() -> None:
    supervisor = StaffFactory(user__username="sup", role=Role.SUPERVISOR)
    client = Client(REMOTE_ADDR="192.0.2.11")
    client.force_login(supervisor.user)
    response = client.get("/accounts/export.xlsx", {"grade": "A"})
    assert response.status_code == 200
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.user == supervisor.user
    assert export.ip_address == "192.0.2.11"
    assert export.path == "/accounts/export.xlsx?grade=A"
    assert export.detail.startswith("powerkam-accounts-")
    assert export.detail.endswith(".xlsx")
    # An ordinary page is no download.
    client.get("/accounts/")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1


@pytest.mark.parametrize(
    ("content_type", "disposition", "expected"),
    [
        ("application/pdf", 'inline; filename="notice-12.pdf"', "notice-12.pdf"),
        ("application/octet-stream", "attachment; filename*=UTF-8''%E5%AE%A2%E6%88%B7.xlsx", "客户.xlsx"),
        ("text/calendar; charset=utf-8", None, ""),
        ("text/csv", 'attachment; filename="a.csv"', "a.csv"),
        ("text/html; charset=utf-8", None, None),
        ("application/json", 'inline; filename="x.json"', None),
    ],
)
def test_what_counts_as_a_download(content_type: str, disposition: str | None, expected: str | None) -> None:
    response = HttpResponse(b"", content_type=content_type)
    if disposition:
        response["Content-Disposition"] = disposition
    assert download_file_name(response) == expected


def test_an_anonymous_request_records_no_download() -> None:
    Client().get("/accounts/export.xlsx")  # sent to the log-in page
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_import_run_is_recorded_once_per_status() -> None:
    admin = StaffFactory(user__username="dataadmin", role=Role.ADMIN)
    now = timezone.now()
    run = ImportRun.objects.create(
        kind="customers",
        file_name="customers.csv",
        sha256="0" * 64,
        status=ImportStatus.SUCCEEDED,
        rows=3,
        started_at=now,
        finished_at=now,
        by=admin.user,
    )
    run.save()  # saved again unchanged: no second row
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.user == admin.user
    assert event.username == "dataadmin"
    assert event.extra == {
        "run": run.pk,
        "kind": "customers",
        "file": "customers.csv",
        "status": "succeeded",
        "rows": 3,
    }
    assert "customers.csv" in event.detail


def test_an_import_uploaded_in_the_browser_is_recorded_with_the_address(settings, tmp_path) -> None:
    settings.ANALYTICS_DIR = tmp_path / "store"
    settings.DATA_DIR = tmp_path
    admin = StaffFactory(user__username="dataadmin", role=Role.ADMIN)
    client = Client(REMOTE_ADDR="192.0.2.12")
    client.force_login(admin.user)
    upload = SimpleUploadedFile("customers.csv", "customer_id,name\nE1,甲\n".encode())
    client.post("/imports/", {"kind": "customers", "file": upload})
    run = ImportRun.objects.get()
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.extra["run"] == run.pk
    assert (event.user, event.ip_address, event.path) == (admin.user, "192.0.2.12", "/imports/")


def test_audit_rows_are_never_changed_or_deleted() -> None:
    UserFactory(username="qian")
    Client().post("/login/", {"username": "qian", "password": "nope"})
    event = AuditEvent.objects.get()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.update(username="someone else")
    event.username = "someone else"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    assert AuditEvent.objects.get().username == "qian"


def test_removing_a_user_keeps_their_audit_rows() -> None:
    user = UserFactory(username="sun")
    Client().post("/login/", {"username": "sun", "password": user.raw_password})
    user.delete()
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.user is None
    assert event.username == "sun"


def test_the_admin_reads_the_log_and_can_neither_add_change_nor_delete() -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    Client().post("/login/", {"username": "root", "password": "nope"})
    page = client.get("/admin/audit/auditevent/", {"action__exact": "login_failed"})
    assert page.status_code == 200
    assert "root" in page.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    request = RequestFactory().get("/")
    request.user = root
    model_admin = site._registry[AuditEvent]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_address_behind_nginx_is_the_last_forwarded_one() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_ip(request) == "127.0.0.1"  # no proxy configured: the header is the client's claim
    with override_settings(BEHIND_PROXY=True):
        assert client_ip(request) == "203.0.113.5"
        spoofed = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
        assert client_ip(spoofed) is None
