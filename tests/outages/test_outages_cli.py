"""``powerkam outages impact|suggest|plan`` on the sample extracts, both output formats."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("outages", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_impact_json_honours_dual_supply_and_warns_about_accounts_without_loads(samples_loaded: Path) -> None:
    code, out, err = run(
        "impact", "--feeders", "F033", "--start", "2026-12-01T08:00", "--end", "2026-12-01T12:00", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    ids = [row["customer_id"] for row in data["interrupted"]]
    assert "E009" in ids
    assert "E006" not in ids
    assert "E006" in data["riding_through"]
    e006 = next(r for r in data["riding_through_accounts"] if r["customer_id"] == "E006")
    assert e006["name"] == "客户E006"
    assert e006["feeders"] == ["F033", "F038"]
    e009 = next(r for r in data["interrupted"] if r["customer_id"] == "E009")
    assert e009["ens_kwh"] > 0
    assert e009["name"] == "客户E009"
    assert data["ens_kwh"] == pytest.approx(e009["ens_kwh"], abs=0.01)
    unknown = [r["customer_id"] for r in data["interrupted"] if r["ens_kwh"] is None]
    assert unknown
    assert data["unknown"] == unknown
    assert any(all(c in w for c in unknown) for w in data["warnings"])
    assert "not counted as zero" in err


def test_impact_with_both_feeders_out_interrupts_the_dual_supply_account(samples_loaded: Path) -> None:
    code, out, _ = run(
        "impact",
        "--feeders",
        "F033;F038",
        "--start",
        "2026-12-01T08:00",
        "--end",
        "2026-12-01T12:00",
        "--format",
        "json",
    )
    assert code == 0
    e006 = next(r for r in json.loads(out)["interrupted"] if r["customer_id"] == "E006")
    assert e006["dual_supply"] is True
    assert e006["ens_kwh"] > 0


def test_impact_text_output(samples_loaded: Path) -> None:
    code, out, _ = run("impact", "--feeders", "F033", "--start", "2026-12-01T08:00", "--end", "2026-12-01T12:00")
    assert code == 0
    assert "F033" in out
    assert "E009" in out
    assert "kWh" in out


def test_suggest_json_best_first_and_ties_to_the_earliest(samples_loaded: Path) -> None:
    code, out, _ = run(
        "suggest",
        "--feeders",
        "F029",
        "--duration-hours",
        "4",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-14",
        "--hours",
        "08:00-18:00",
        "--format",
        "json",
    )
    assert code == 0
    windows = json.loads(out)["windows"]
    assert len(windows) == 5
    ens = [w["weighted_ens_kwh"] for w in windows]
    assert ens == sorted(ens)
    tied = [w["start"] for w in windows if w["weighted_ens_kwh"] == ens[0]]
    assert tied == sorted(tied)
    assert windows[0]["start"] == "2026-12-05T08:00:00+08:00"  # the first Saturday morning


def test_suggest_text_output(samples_loaded: Path) -> None:
    code, out, _ = run(
        "suggest", "--feeders", "F029", "--duration-hours", "2", "--from", "2026-12-01", "--to", "2026-12-02"
    )
    assert code == 0
    assert "1. 2026-12-0" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["impact", "--feeders", "F033;F999", "--start", "2026-12-01T08:00", "--end", "2026-12-01T12:00"],
            "Unknown feeder: F999",
        ),
        (
            ["impact", "--feeders", "F033", "--start", "2026-12-01T12:00", "--end", "2026-12-01T08:00"],
            "must end after it starts",
        ),
        (["impact", "--feeders", "F033", "--start", "tomorrow", "--end", "2026-12-01T08:00"], "is not a timestamp"),
        (
            [
                "suggest",
                "--feeders",
                "F029",
                "--duration-hours",
                "5",
                "--from",
                "2026-12-01",
                "--to",
                "2026-12-03",
                "--hours",
                "08:00-12:00",
            ],
            "fits nowhere",
        ),
        (
            ["suggest", "--feeders", "F029", "--duration-hours", "0", "--from", "2026-12-01", "--to", "2026-12-03"],
            "above zero",
        ),
    ],
)
def test_refusals_are_clear_messages_with_a_non_zero_exit(samples_loaded: Path, args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    code, out, _ = run(*args, "--format", "json")
    assert message in json.loads(out)["error"]


def test_plan_from_a_jobs_file(samples_loaded: Path, tmp_path: Path) -> None:
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(
        "job_id,feeders,duration_hours,from,to,crew,hours\n"
        "J1,F033,4,2026-12-01,2026-12-07,c1,08:00-18:00\n"
        "J2,F038,4,2026-12-01,2026-12-07,c2,08:00-18:00\n"
        "J3,F029,3,2026-12-01,2026-12-07,c1,\n",
        encoding="utf-8",
    )
    code, out, _ = run("plan", str(jobs), "--format", "json", "--time-limit", "10")
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "optimal"
    assert ["J1", "J2"] in data["conflicts"]  # E006 is fed by F033 and F038
    by_id: dict[str, Any] = {j["job_id"]: j for j in data["jobs"]}
    assert by_id["J1"]["end"] <= by_id["J2"]["start"] or by_id["J2"]["end"] <= by_id["J1"]["start"]
    assert data["weighted_ens_kwh"] <= data["naive"]["weighted_ens_kwh"]
    code, out, _ = run("plan", str(jobs))
    assert "J1" in out
    assert "gap" in out


def test_plan_from_an_excel_jobs_file(samples_loaded: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["job_id", "feeders", "duration_hours", "from", "to", "crew", "hours"])
    sheet.append(["J1", "F033", 4, "2026-12-01", "2026-12-07", "c1", "08:00-18:00"])
    jobs = tmp_path / "jobs.xlsx"
    book.save(jobs)
    code, out, _ = run("plan", str(jobs), "--format", "json", "--time-limit", "10")
    assert code == 0
    assert [j["job_id"] for j in json.loads(out)["jobs"]] == ["J1"]
    code, out, _err = run("impact", "--feeders", "F033", "--start", "2026-12-01T08:00", "--end", "2026-12-01T12:00")
    assert "客户E006 (E006)" in out  # riding through, named
