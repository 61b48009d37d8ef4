"""/calendar/: the year view and the administrator's forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from factories import StaffFactory
from powerkam.staff.models import Role
from powerkam.workdays.models import CalendarOverride, CalendarYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(StaffFactory(role=Role.ADMIN).user)
    return client


@pytest.fixture
def manager_client(client: Client) -> Client:
    client.force_login(StaffFactory(role=Role.MANAGER).user)
    return client


def test_year_view_marks_holidays(manager_client: Client) -> None:
    page = manager_client.get("/calendar/?year=2026").content.decode()
    assert 'data-date="2026-10-10" data-kind="adjusted_workday"' in page
    assert 'data-date="2026-02-16" data-kind="holiday"' in page
    assert "provisional-warning" not in page
    assert "workdays/years/import" not in page
    assert "/calendar/years/import/" not in page


def test_unknown_year_shows_the_warning(manager_client: Client) -> None:
    page = manager_client.get("/calendar/?year=2027").content.decode()
    assert "provisional-warning" in page
    # The statutory days of the regulation are shown as holidays, marked provisional (docs/rules.md §3).
    assert 'data-date="2027-02-05" data-kind="holiday"' in page
    assert 'data-date="2027-02-04" data-kind="workday"' in page
    cell = page.split('data-date="2027-10-01"')[1].split(">")[0]
    assert 'data-provisional="1"' in cell
    assert "provisional" in cell


def test_manager_cannot_change_the_calendar(manager_client: Client) -> None:
    response = manager_client.post("/calendar/overrides/", {"date": "2026-03-02", "is_workday": "0"})
    assert response.status_code == 403
    assert not CalendarOverride.objects.exists()


def test_admin_enters_a_date_and_imports_a_year(admin_client: Client, year_2027_csv: str) -> None:
    page = admin_client.get("/calendar/?year=2027").content.decode()
    assert "/calendar/years/import/" in page
    response = admin_client.post(
        "/calendar/overrides/", {"date": "2026-03-02", "is_workday": "0", "name": "Local holiday", "note": ""}
    )
    assert response.status_code == 302
    assert CalendarOverride.objects.get(date=dt.date(2026, 3, 2)).is_workday is False

    upload = SimpleUploadedFile("notice-2027.csv", year_2027_csv.encode("utf-8"), content_type="text/csv")
    response = admin_client.post("/calendar/years/import/", {"file": upload, "source_note": "", "year": "2027"})
    assert response.status_code == 302
    assert response["Location"].endswith("year=2027")
    year = CalendarYear.objects.get(year=2027)
    assert year.complete
    assert year.declared_by is not None
    page = admin_client.get("/calendar/?year=2027").content.decode()
    assert "provisional-warning" not in page
    assert 'data-date="2027-02-20" data-kind="adjusted_workday"' in page


def test_bad_upload_reports_rows(admin_client: Client) -> None:
    upload = SimpleUploadedFile("bad.csv", b"date,is_workday,name\n2027-02-30,0,x\n", content_type="text/csv")
    response = admin_client.post("/calendar/years/import/", {"file": upload, "year": "2027"}, follow=True)
    text = response.content.decode()
    assert "2027-02-30" in text
    assert not CalendarYear.objects.exists()
