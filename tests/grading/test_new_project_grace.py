"""A key account energised from a government key project keeps its status for its first year,
though it has no billing history the rules could judge yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from powerkam.accounts.models import Account, KeyStatus
from powerkam.analytics.grading_reasons import MESSAGES
from powerkam.grading.models import AccountGrade
from powerkam.grading.services import grading_run_create, grading_run_execute
from powerkam.imports.services import import_file
from powerkam.prospects.models import Project, Stage
from tests.conftest import SAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def samples_imported(settings, tmp_path: Path) -> None:
    settings.ANALYTICS_DIR = tmp_path / "store"
    for kind in ("customers", "billing", "payments"):
        import_file(kind=kind, path=SAMPLES / f"{kind}.csv")


def energised_account(customer_id: str, on: dt.date) -> Account:
    account = Account.objects.create(
        customer_id=customer_id,
        name="示范区数据中心二期",
        voltage_kv=Decimal("110"),
        contract_capacity_kva=Decimal("40000"),
        tariff="large_industrial",
        key_status=KeyStatus.KEY,
        key_since=on,
        grade="B",
    )
    Project.objects.create(
        project_id=f"P-{customer_id}", name="示范区数据中心二期", stage=Stage.ENERGISED, stage_since=on, account=account
    )
    return account


def run(period: str = "2026-10") -> None:
    with translation.override("en"):
        grading_run_execute(run=grading_run_create(period=period))


def test_an_account_energised_this_year_stays_a_key_account_with_the_reason(samples_imported):
    account = energised_account("NEW001", dt.date(2026, 9, 1))
    run()
    account.refresh_from_db()
    assert account.key_status == KeyStatus.KEY
    assert account.grade == "B"
    [row] = AccountGrade.objects.filter(account=account)
    # Recorded as what it stays, so the next period's changes compare with a key account (docs/grading.md).
    assert (row.key_account, row.grade) == (True, "B")
    assert row.reasons[0]["code"] == "key_new_project"
    assert row.reasons[0]["params"]["until"] == "2027-09-01"
    assert "key_new_project" in MESSAGES


def test_after_its_first_year_the_rules_decide(samples_imported):
    account = energised_account("OLD001", dt.date(2025, 10, 1))
    run()
    account.refresh_from_db()
    assert account.key_status == KeyStatus.FORMER
    assert account.grade == ""
