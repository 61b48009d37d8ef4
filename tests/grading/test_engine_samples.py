"""Acceptance: the engine reproduces the independently computed grading of the sample area for 2026-10."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from grading.grading_store import SAMPLES, write_sample_store


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_store(tmp_path_factory.mktemp("sample-store"))


def _expected() -> list[dict[str, str]]:
    with (SAMPLES / "expected-grading-2026-10.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_samples_reproduce_the_expected_grading(grade, sample_store: Path) -> None:
    result = grade(sample_store, "2026-10")
    expected = _expected()
    assert len(expected) == 416
    assert set(result) == {e["customer_id"] for e in expected}
    mismatches = []
    for e in expected:
        r = result[e["customer_id"]]
        checks = {
            "key_account": (r["key_account"], e["key_account"] == "true"),
            "grade": (r["grade"] or "", e["grade"]),
            "credit_score": (r["credit_score"], int(e["credit_score"])),
            "annual_kwh": (Decimal(str(r["annual_kwh"])).quantize(Decimal("0.01")), Decimal(e["annual_kwh"])),
            "annual_revenue": (r["annual_revenue"], Decimal(e["annual_revenue"])),
            "active_months": (r["active_months"], int(e["active_months"])),
            "late_payments": (r["late_payments"], int(e["late_payments"])),
            "overdue_yuan": (r["overdue_yuan"], Decimal(e["overdue_yuan"])),
        }
        for column, (got, want) in checks.items():
            if got != want:
                mismatches.append((e["customer_id"], column, got, want))
        if e["value_rank"]:
            if r["value_rank"] is None or abs(r["value_rank"] - float(e["value_rank"])) > 1e-9:
                mismatches.append((e["customer_id"], "value_rank", r["value_rank"], e["value_rank"]))
        elif r["value_rank"] is not None:
            mismatches.append((e["customer_id"], "value_rank", r["value_rank"], None))
    assert mismatches == []


def test_samples_edge_cases_carry_their_reasons(grade, sample_store: Path) -> None:
    result = grade(sample_store, "2026-10")
    codes = {cid: set(result[cid]["reason_codes"].split(";")) for cid in result}
    assert codes["E001"] == {"not_key_voltage", "credit_clean"}  # 0.4 kV, however large
    assert "not_key_small" in codes["E002"]  # 999,999 kWh and 1,999 kVA
    assert "key_by_kwh" in codes["E003"]  # exactly 1,000,000 kWh
    assert "key_by_capacity" in codes["E004"]  # exactly 2,000 kVA
    assert "not_key_inactive" in codes["E005"]  # 5 active months
    assert "key_by_important" in codes["E006"]
    assert {"credit_late", "credit_long_late", "grade_b_credit"} <= codes["E007"]  # credit exactly 60 → B
    assert {"credit_late", "credit_overdue"} <= codes["E008"]
    assert "grade_a" in codes["E009"]  # credit exactly 90, partial payments settle 2 days late
    assert "grade_c" in codes["E010"]
    assert codes["E011"] >= {"credit_overdue", "grade_b_rank"}  # arrears older than the window
    assert result["E009"]["max_days_late"] == 2
    assert result["E007"]["max_days_late"] == 40
